"""Meter states kept between poll cycles, trusted only while their stored row is unchanged.

A cycle needs each meter's row (meter, current generation, holder) as it is in the ledger now:
another writer, a restore or a repair may have moved it. The memo maps a meter to the exact row
values its objects were made from, or that a cycle wrote for them, and is trusted two ways:

* **Confirmed** (SQLite): nothing has been committed to the file since this store's last cycle
  committed on this connection. SQLite's ``PRAGMA data_version`` changes when any other
  connection (another program included) commits, and the store's engine reports every commit
  of its own write transactions (:meth:`CursorMemo.committed`), so a cycle that finds the
  version it left, on the connection it used, reads no meter rows at all. Any other write, a
  failed or rolled-back cycle, or another connection clears the confirmation.
* **Row by row** otherwise (PostgreSQL, or after any other write): every row is read, and a row
  that differs in any column from what the memo holds is loaded afresh. What the memo saves
  then is turning rows into a ``MeterSpec`` and a ``GenerationState`` again.

Either way a cursor moves only from the value the cycle read (the conditional update in
:mod:`.metering`): a memo wrong about a cursor fails the cycle, which is retried from the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from ..billing.engine import GenerationState, MeterSpec

# A meter's spec, state, tariff code, holder and its row's ``last_us`` (the state's instant).
type Loaded = tuple[MeterSpec, GenerationState, str, int | None, int]
type Row = tuple[object, ...]
type Stamp = tuple[object, int]
# The columns a cycle writes: hwm, last_us, carry, tier window, tier usage, periods (JSON).
type Cursor = tuple[int, int, int, str, int, str]

# The columns a cycle writes (``metering._cursor``), in the order the memo compares them.
CURSOR_COLUMNS = (
    "hwm_milli",
    "last_us",
    "carry_nano",
    "tier_window",
    "tier_used_milli",
    "period_milli",
)


class CursorMemo:
    """The last loaded or written row of each meter, with the objects made from it."""

    def __init__(self) -> None:
        """Start empty: the first cycle loads every meter."""
        # Per meter: the row loaded, the objects, and the cursor columns written since.
        self._rows: dict[str, tuple[Row, Loaded, Cursor | None]] = {}
        self._keys: tuple[str, ...] = ()
        self._span: tuple[int, int] | None = None
        self.hits = 0
        # (connection, data_version) a cycle left, before and after its commit.
        self._pending: Stamp | None = None
        self._confirmed: Stamp | None = None
        self._wrote = False  # this transaction changed the memo (its states may not commit)
        # Meters read from the ledger (or written by a cycle) since confirmation was last lost:
        # a confirmation vouches for these only. A cycle loads only its own gateway's meters,
        # so after a write the next cycle confirms again having seen its meters, not the rest.
        self._verified: set[str] = set()

    def confirmed(self, stamp: Stamp | None) -> bool:
        """Return whether the ledger is as the last committed cycle left it.

        When it is not, no meter is vouched for until a cycle reads its row again.
        """
        found = self._confirmed
        if (
            stamp is not None
            and found is not None
            and found[0] is stamp[0]
            and found[1] == stamp[1]
        ):
            return True
        self._verified.clear()
        return False

    def held(self, meter_id: str) -> Loaded | None:
        """Return a meter's objects if read since confirmation was lost (only when confirmed)."""
        if meter_id not in self._verified:
            return None
        found = self._rows.get(meter_id)
        if found is None:
            return None
        self.hits += 1
        return found[1]

    def cycle_done(self, stamp: Stamp | None) -> None:
        """Note the stamp a cycle leaves; it counts once the cycle's transaction commits."""
        self._pending = stamp

    def committed(self) -> None:
        """Take note of a committed write transaction: a cycle's confirms, any other clears."""
        self._confirmed, self._pending, self._wrote = self._pending, None, False

    def rolled_back(self) -> None:
        """Take note of a rollback: a cycle's leaves the memo holding states never written."""
        if self._wrote or self._pending is not None:
            self._confirmed = None
        self._pending, self._wrote = None, False

    def bind(self, keys: Sequence[str]) -> None:
        """Learn where the written columns sit in the loading query's rows."""
        keys = tuple(keys)
        if keys == self._keys:
            return
        positions = [keys.index(name) for name in CURSOR_COLUMNS]
        first = positions[0]
        if positions != list(range(first, first + len(positions))):
            raise ValueError("the loading query must select the cursor columns together")
        self._keys, self._span = keys, (first, first + len(positions))

    def get(self, meter_id: str, row: Row) -> Loaded | None:
        """Return the objects of a row seen before with exactly these values, or None."""
        found = self._rows.get(meter_id)
        if found is None:
            return None
        base, loaded, cursor = found
        if cursor is not None and self._span is not None:
            first, end = self._span
            base = base[:first] + cursor + base[end:]
        if base != row:
            return None
        self.hits += 1
        self._verified.add(meter_id)
        return loaded

    def put(self, meter_id: str, row: Row, loaded: Loaded) -> None:
        """Remember the objects made from a row."""
        self._rows[meter_id] = (row, loaded, None)
        self._verified.add(meter_id)

    def wrote(self, meter_id: str, cursor: Cursor, state: GenerationState) -> None:
        """Remember the state a cycle wrote (``cursor``: its ``CURSOR_COLUMNS`` values).

        The row it leaves is the row loaded with the cursor's columns replaced: put together
        only when a row is compared (not confirmed), not at every write.
        """
        self._wrote = True
        found = self._rows.get(meter_id)
        if found is None or self._span is None:
            return
        # Loading gives UTC instants; a state holding another zone's instant would compare
        # equal but not be the same object a load makes, so it is loaded afresh instead.
        since = state.tou_mismatch_since
        if state.last_at.tzinfo is not UTC or (since is not None and since.tzinfo is not UTC):
            del self._rows[meter_id]
            return
        base, (spec, _, tariff_code, holder, _), _ = found
        self._rows[meter_id] = (base, (spec, state, tariff_code, holder, cursor[1]), cursor)
