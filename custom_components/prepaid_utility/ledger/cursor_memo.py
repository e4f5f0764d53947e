"""Meter states kept between poll cycles, trusted only while their stored row is unchanged.

Every cycle still reads each meter's row (meter, current generation, holder) in its own
transaction: another writer, a restore or a repair may have moved it. What the memo saves is
turning that row into a ``MeterSpec`` and a ``GenerationState`` again (JSON, datetimes, enums:
a third of a 1,000-meter cycle). It maps a meter to the exact row values its objects were made
from, or that the cycle wrote for them; a row that differs in any column is loaded afresh. A
rolled-back cycle leaves the old row, which then differs from what the memo expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from ..billing.engine import GenerationState, MeterSpec

type Loaded = tuple[MeterSpec, GenerationState, str, int | None]
type Row = tuple[object, ...]

# The columns a cycle writes (``metering._state_row``), in the order the memo compares them.
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
        self._rows: dict[str, tuple[Row, Loaded]] = {}
        self._positions: tuple[int, ...] = ()
        self.hits = 0

    def bind(self, keys: Sequence[str]) -> None:
        """Learn where the written columns sit in the loading query's rows."""
        self._positions = tuple(list(keys).index(name) for name in CURSOR_COLUMNS)

    def get(self, meter_id: str, row: Row) -> Loaded | None:
        """Return the objects of a row seen before with exactly these values, or None."""
        found = self._rows.get(meter_id)
        if found is None or found[0] != row:
            return None
        self.hits += 1
        return found[1]

    def put(self, meter_id: str, row: Row, loaded: Loaded) -> None:
        """Remember the objects made from a row."""
        self._rows[meter_id] = (row, loaded)

    def wrote(self, meter_id: str, values: dict[str, object], state: GenerationState) -> None:
        """Remember the state a cycle wrote, as the row it leaves once committed."""
        found = self._rows.get(meter_id)
        if found is None or not self._positions:
            return
        # Loading gives UTC instants; a state holding another zone's instant would compare
        # equal but not be the same object a load makes, so it is loaded afresh instead.
        since = state.tou_mismatch_since
        if state.last_at.tzinfo is not UTC or (since is not None and since.tzinfo is not UTC):
            del self._rows[meter_id]
            return
        old, (spec, _, tariff_code, holder) = found
        row = list(old)
        for name, position in zip(CURSOR_COLUMNS, self._positions, strict=True):
            row[position] = values[name]
        self._rows[meter_id] = (tuple(row), (spec, state, tariff_code, holder))
