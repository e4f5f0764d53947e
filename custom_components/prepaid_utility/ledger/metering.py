"""Meters, generations, assignments and the billing of a poll cycle's readings.

All readings of a cycle are judged by the pure engine and committed in one transaction: the
generation cursors, the hourly usage buckets, the quarantine flags and the charges, which accrue
in the open hour (every consuming account debited, the revenue accounts credited, in the
balances at once) and are posted as one journal entry per hour (:mod:`.accrual`). A reading's
idempotency key ``(meter, generation, counter)`` is enforced by the generation's high-water
mark, which is updated in that same transaction: a counter at or below it is never billed again.

``meter_generation.period_milli`` (JSON) holds the period baselines keyed by period and, under
keys starting with ``_``, the engine's held residual and the start of a time-of-use table
mismatch: the schema's columns stay as they were, and a ledger without those keys reads as
"nothing held, no mismatch".
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Insert, Row, and_, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..billing.engine import (
    QUARANTINE_STATUSES,
    CounterReading,
    GenerationState,
    MeterSpec,
    ReadingOutcome,
    ReadingStatus,
    TouFallback,
    TouMismatch,
    evaluate_reading,
    open_generation,
)
from ..billing.errors import InvalidAmount, OperationRefused, UnknownMeter
from ..billing.quantity import UtilityKind, counter_to_milli
from ..billing.schedule import TouPeriod
from ..billing.tariff import TariffBook
from . import accrual, checkpoints, rollup
from .bulk import BulkStatement, ChunkQuery
from .cursor_memo import CURSOR_COLUMNS, Cursor, CursorMemo, Loaded, Stamp
from .journal import account_id, from_us, local_day, step, to_us
from .rows import LostRace
from .schema import account, assignment, meter, meter_generation, quarantine, usage_bucket


@dataclass(frozen=True)
class Context:
    """What the metering functions need from the store."""

    timezone: str
    exponent: int
    tariffs: Mapping[str, TariffBook]
    # Hourly usage older than this many months is rolled up into days (None: never).
    detail_months: int | None = rollup.DEFAULT_DETAIL_MONTHS
    # The store's meter states of earlier cycles (None: every cycle makes them afresh).
    memo: CursorMemo | None = None
    # The system accounts' ids by code (empty: looked up in the cycle's transaction).
    system_ids: Mapping[str, int] = field(default_factory=dict)

    def system_id(self, conn: Connection, code: str) -> int:
        """Return a system account's id (vacant, revenue)."""
        found = self.system_ids.get(code)
        return account_id(conn, code) if found is None else found


@dataclass
class CycleResult:
    """What a poll cycle did: per meter status, money posted, quarantined meters."""

    entry_id: int | None = None
    statuses: dict[str, ReadingStatus] = field(default_factory=dict)
    charged_minor: dict[str, int] = field(default_factory=dict)
    quarantined: list[str] = field(default_factory=list)
    # Time-of-use: meters split by their own period registers this cycle, meters that have
    # registers but were split by the tariff's table (and why), and meters whose registers
    # persistently move in another period than the table says.
    tou_by_registers: set[str] = field(default_factory=set)
    tou_fallbacks: dict[str, TouFallback] = field(default_factory=dict)
    tou_mismatches: dict[str, TouMismatch] = field(default_factory=dict)
    # Meters whose billed reading left no disagreement under way (a mismatch repair may go).
    tou_agreeing: set[str] = field(default_factory=set)


def spec_row(spec: MeterSpec) -> dict[str, object]:
    """Return the meter columns of a spec."""
    return {
        "kind": spec.kind.value,
        "max_rate_milli_per_hour": spec.max_rate_milli_per_hour,
        "plausibility_factor": spec.plausibility_factor,
        "rollover_milli": spec.rollover_milli,
        "dip_tolerance_milli": spec.dip_tolerance_milli,
        "min_interval_s": spec.min_interval_s,
        "resolution_milli": spec.resolution_milli,
    }


def _spec(row: object) -> MeterSpec:
    return MeterSpec(
        kind=UtilityKind(row.kind),  # type: ignore[attr-defined]
        max_rate_milli_per_hour=row.max_rate_milli_per_hour,  # type: ignore[attr-defined]
        plausibility_factor=row.plausibility_factor,  # type: ignore[attr-defined]
        rollover_milli=row.rollover_milli,  # type: ignore[attr-defined]
        dip_tolerance_milli=row.dip_tolerance_milli,  # type: ignore[attr-defined]
        min_interval_s=row.min_interval_s,  # type: ignore[attr-defined]
        resolution_milli=row.resolution_milli,  # type: ignore[attr-defined]
    )


HELD_KEY = "_held_milli"
MISMATCH_KEY = "_mismatch_since_us"


def periods_json(state: GenerationState) -> str:
    """Return the ``period_milli`` column of a state: baselines, held residual, mismatch."""
    if not (state.period_milli or state.period_held_milli or state.tou_mismatch_since):
        return "{}"  # a meter without period registers: most meters, every poll
    data: dict[str, int] = {k.value: v for k, v in state.period_milli.items()}
    if state.period_held_milli:
        data[HELD_KEY] = state.period_held_milli
    if state.tou_mismatch_since is not None:
        data[MISMATCH_KEY] = to_us(state.tou_mismatch_since)
    return json.dumps(data)


def held_milli(column: str) -> int:
    """Return the held residual stored in a ``period_milli`` column (for the audit)."""
    return int(json.loads(column).get(HELD_KEY, 0))


def _state(row: object) -> GenerationState:
    stored = json.loads(row.period_milli)  # type: ignore[attr-defined]
    periods = {k: v for k, v in stored.items() if not k.startswith("_")}
    since = stored.get(MISMATCH_KEY)
    return GenerationState(
        generation=row.generation,  # type: ignore[attr-defined]
        start_milli=row.start_milli,  # type: ignore[attr-defined]
        hwm_milli=row.hwm_milli,  # type: ignore[attr-defined]
        last_at=from_us(row.last_us),  # type: ignore[attr-defined]
        carry_nano=row.carry_nano,  # type: ignore[attr-defined]
        tier_window=row.tier_window,  # type: ignore[attr-defined]
        tier_used_milli=row.tier_used_milli,  # type: ignore[attr-defined]
        period_milli={TouPeriod(k): int(v) for k, v in periods.items()},
        period_held_milli=int(stored.get(HELD_KEY, 0)),
        tou_mismatch_since=None if since is None else from_us(int(since)),
    )


def _cursor(state: GenerationState) -> Cursor:
    """Return the columns a cycle writes for a state (``CURSOR_COLUMNS`` order)."""
    return (
        state.hwm_milli,
        to_us(state.last_at),
        state.carry_nano,
        state.tier_window,
        state.tier_used_milli,
        periods_json(state),
    )


# An enum's ``.value`` is a descriptor call: a bucket row per reading asks a dict instead.
_PERIOD_VALUES = {period: period.value for period in TouPeriod}


# The cursor update's parameters, in the order a cycle makes them (``_CURSORS``).
_CURSOR_KEYS = ("m", "g", "read_hwm", "read_last_us", *CURSOR_COLUMNS)
# An hourly bucket's columns, in the order a cycle makes them (``_BUCKETS``).
_BUCKET_KEYS = (
    "meter_id",
    "generation",
    "account_id",
    "hour_us",
    "period",
    "tier",
    "day",
    "quantity_milli",
    "exact_nano",
)


def add_meter(
    conn: Connection,
    meter_id: str,
    spec: MeterSpec,
    tariff_code: str,
    *,
    start: Decimal,
    at: datetime,
    periods: Mapping[TouPeriod, Decimal] | None = None,
) -> bool:
    """Create a meter with generation 1 at a start value; return False if it already exists."""
    if conn.execute(select(meter.c.id).where(meter.c.id == meter_id)).first() is not None:
        return False
    conn.execute(
        meter.insert().values(id=meter_id, tariff_code=tariff_code, generation=1, **spec_row(spec))
    )
    state = open_generation(1, start, at, periods)
    conn.execute(
        meter_generation.insert().values(
            meter_id=meter_id,
            generation=1,
            start_milli=state.start_milli,
            hwm_milli=state.hwm_milli,
            last_us=to_us(at),
            period_milli=periods_json(state),
        )
    )
    return True


def current_state(conn: Connection, meter_id: str) -> tuple[MeterSpec, GenerationState, str]:
    """Return a meter's spec, current generation state and tariff code."""
    row = conn.execute(
        select(meter, meter_generation)
        .join(
            meter_generation,
            and_(
                meter_generation.c.meter_id == meter.c.id,
                meter_generation.c.generation == meter.c.generation,
            ),
        )
        .where(meter.c.id == meter_id)
    ).first()
    if row is None:
        raise UnknownMeter("unknown meter", meter=meter_id)
    return _spec(row), _state(row), row.tariff_code


def lock_meters(conn: Connection, meter_ids: Sequence[str]) -> None:
    """Hold meter rows until commit, in id order (the first locks a writer takes)."""
    if conn.dialect.name == "sqlite":
        # No row locks to take: a write transaction began with BEGIN IMMEDIATE and holds the
        # file's write lock until commit, so no other writer runs at all meanwhile.
        return
    ordered = sorted(set(meter_ids))
    for chunk_start in range(0, len(ordered), 500):
        chunk = ordered[chunk_start : chunk_start + 500]
        conn.execute(
            select(meter.c.id).where(meter.c.id.in_(chunk)).order_by(meter.c.id).with_for_update()
        ).all()


def replace_meter(
    conn: Connection,
    meter_id: str,
    start: Decimal,
    at: datetime,
    periods: Mapping[TouPeriod, Decimal] | None = None,
) -> int:
    """Close the current generation at its hwm and open the next at a start value."""
    lock_meters(conn, [meter_id])
    _, state, _ = current_state(conn, meter_id)
    conn.execute(
        meter_generation.update()
        .where(
            meter_generation.c.meter_id == meter_id,
            meter_generation.c.generation == state.generation,
        )
        .values(closed_us=to_us(at))
    )
    new = open_generation(state.generation + 1, start, max(at, state.last_at), periods)
    conn.execute(
        meter_generation.insert().values(
            meter_id=meter_id,
            generation=new.generation,
            start_milli=new.start_milli,
            hwm_milli=new.hwm_milli,
            last_us=to_us(new.last_at),
            period_milli=periods_json(new),
        )
    )
    conn.execute(meter.update().where(meter.c.id == meter_id).values(generation=new.generation))
    return new.generation


def open_assignment(
    conn: Connection, meter_id: str, account_code: str, at: datetime, opening_milli: int
) -> None:
    """Close the meter's open assignment (if any) and give the meter to an account."""
    acc = account_id(conn, account_code)
    close_assignment(conn, meter_id, at, opening_milli)
    conn.execute(
        assignment.insert().values(
            meter_id=meter_id, account_id=acc, start_us=to_us(at), opening_milli=opening_milli
        )
    )


def close_assignment(conn: Connection, meter_id: str, at: datetime, closing_milli: int) -> None:
    """End the meter's open assignment at an instant and counter."""
    conn.execute(
        assignment.update()
        .where(assignment.c.meter_id == meter_id, assignment.c.end_us.is_(None))
        .values(end_us=to_us(at), closing_milli=closing_milli)
    )


def _bucket_upsert(dialect: str) -> Insert:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(usage_bucket)
    return statement.on_conflict_do_update(
        index_elements=["hour_us", "meter_id", "generation", "account_id", "period", "tier"],
        set_={
            "quantity_milli": usage_bucket.c.quantity_milli + statement.excluded.quantity_milli,
            "exact_nano": usage_bucket.c.exact_nano + statement.excluded.exact_nano,
        },
    )


_BUCKETS = BulkStatement(_bucket_upsert)
_CURSORS = BulkStatement(
    lambda _dialect: (
        meter_generation.update()
        .where(
            meter_generation.c.meter_id == bindparam("m"),
            meter_generation.c.generation == bindparam("g"),
            meter_generation.c.hwm_milli == bindparam("read_hwm"),
            meter_generation.c.last_us == bindparam("read_last_us"),
        )
        .values(
            hwm_milli=bindparam("hwm_milli"),
            last_us=bindparam("last_us"),
            carry_nano=bindparam("carry_nano"),
            tier_window=bindparam("tier_window"),
            tier_used_milli=bindparam("tier_used_milli"),
            period_milli=bindparam("period_milli"),
        )
    )
)


# A cycle's meter rows: the spec, the tariff, the current generation's cursor (the columns a
# cycle writes, together, in ``cursor_memo.CURSOR_COLUMNS`` order) and the holder.
_METER_ROWS = ChunkQuery(
    lambda chunk: (
        select(
            meter.c.id,
            meter.c.tariff_code,
            meter.c.kind,
            meter.c.max_rate_milli_per_hour,
            meter.c.plausibility_factor,
            meter.c.rollover_milli,
            meter.c.dip_tolerance_milli,
            meter.c.min_interval_s,
            meter.c.resolution_milli,
            meter_generation.c.generation,
            meter_generation.c.start_milli,
            meter_generation.c.hwm_milli,
            meter_generation.c.last_us,
            meter_generation.c.carry_nano,
            meter_generation.c.tier_window,
            meter_generation.c.tier_used_milli,
            meter_generation.c.period_milli,
            assignment.c.account_id.label("holder"),
        )
        .join(
            meter_generation,
            and_(
                meter_generation.c.meter_id == meter.c.id,
                meter_generation.c.generation == meter.c.generation,
            ),
        )
        .outerjoin(
            assignment,
            and_(assignment.c.meter_id == meter.c.id, assignment.c.end_us.is_(None)),
        )
        .where(meter.c.id.in_(chunk))
    )
)
_CHUNK = 500  # IN lists of at most this many ids (SQLite's old limit of 999 parameters)


def _loaded(row: Row[Any]) -> Loaded:
    return _spec(row), _state(row), row.tariff_code, row.holder, row.last_us


def data_stamp(conn: Connection) -> Stamp | None:
    """Return (connection, ``PRAGMA data_version``) on SQLite; None elsewhere."""
    if conn.dialect.name != "sqlite":
        return None
    version = conn.exec_driver_sql("PRAGMA data_version").scalar_one()
    return conn.connection.dbapi_connection, int(version)


def _load(
    conn: Connection,
    meter_ids: list[str],
    memo: CursorMemo | None = None,
    stamp: Stamp | None = None,
) -> dict[str, Loaded]:
    loaded: dict[str, Loaded] = {}
    if memo is not None and memo.confirmed(stamp):
        # Nothing was committed since the last cycle: its rows are the memo's.
        missing = []
        for meter_id in meter_ids:
            found = memo.held(meter_id)
            if found is None:
                missing.append(meter_id)
            else:
                loaded[meter_id] = found
        meter_ids = missing
    # The cursors read here decide what is billed: no other writer may move them before commit.
    lock_meters(conn, meter_ids)
    for chunk_start in range(0, len(meter_ids), _CHUNK):
        rows = _METER_ROWS.run(conn, meter_ids[chunk_start : chunk_start + _CHUNK])
        if memo is None:
            for row in rows:
                loaded[row.id] = _loaded(row)
            continue
        if rows:
            memo.bind(rows[0]._fields)
        for row in rows:
            values = tuple(row)
            meter_id = values[0]
            found = memo.get(meter_id, values)
            if found is None:
                found = _loaded(row)
                memo.put(meter_id, values, found)
            loaded[meter_id] = found
    return loaded


def bill_readings(
    conn: Connection,
    ctx: Context,
    readings: Sequence[CounterReading],
    now: datetime,
    *,
    whole_transaction: bool = False,
) -> CycleResult:
    """Judge and bill a cycle's readings in the caller's transaction.

    ``whole_transaction``: the transaction does nothing else, so once it commits the memo holds
    the ledger's meter rows (a transaction that also replaces a meter or moves one out changes
    rows the memo does not follow).
    """
    result = CycleResult()
    stamp = None if ctx.memo is None else data_stamp(conn)
    loaded = _load(conn, sorted({r.meter_id for r in readings}), ctx.memo, stamp)
    vacant = ctx.system_id(conn, "vacant")
    updates: dict[str, tuple[object, ...]] = {}
    buckets: list[tuple[object, ...]] = []
    flags: list[dict[str, object]] = []
    debits: dict[int, int] = defaultdict(int)
    credits: dict[UtilityKind, int] = defaultdict(int)
    latest: dict[str, GenerationState] = {}
    # A cycle's lines fall in an hour or two: each hour's instant and local day are worked
    # out once.
    hours: dict[datetime, tuple[int, int]] = {}
    charged = ReadingStatus.CHARGED
    statuses, tariffs, exponent, memo = result.statuses, ctx.tariffs, ctx.exponent, ctx.memo
    for reading in readings:
        meter_id = reading.meter_id
        found = loaded.get(meter_id)
        if found is None:
            statuses[meter_id] = ReadingStatus.INVALID
            continue
        spec, read, tariff_code, holder, read_us = found
        state = latest.get(meter_id, read)
        outcome: ReadingOutcome = evaluate_reading(
            spec, state, reading, tariffs[tariff_code], exponent
        )
        status, new_state, _, lines, minor, by_registers, fallback, mismatch = outcome
        statuses[meter_id] = status
        if by_registers:
            result.tou_by_registers.add(meter_id)
        if fallback is not None:
            result.tou_fallbacks[meter_id] = fallback
        if mismatch is not None:
            result.tou_mismatches[meter_id] = mismatch
        if status is not charged:
            if status in QUARANTINE_STATUSES:
                result.quarantined.append(meter_id)
                flags.append(_flag(reading, state, status))
            if new_state is state or new_state == state:
                continue  # the state is kept: nothing to write
            # Otherwise only its instant moved (no lines, nothing charged).
        elif new_state.tou_mismatch_since is None:
            result.tou_agreeing.add(meter_id)
        latest[meter_id] = new_state
        # The cursor moves from the row as read, however many readings the meter had.
        cursor = _cursor(new_state)
        updates[meter_id] = (meter_id, new_state.generation, read.hwm_milli, read_us, *cursor)
        if memo is not None:
            memo.wrote(meter_id, cursor, new_state)
        payer = vacant if holder is None else holder
        for at, period, tier, quantity, _price, exact in lines:
            hour = hours.get(at)
            if hour is None:
                hour_us = to_us(at)
                hour = hours[at] = (hour_us, local_day(hour_us, ctx.timezone))
            buckets.append(
                (
                    meter_id,
                    state.generation,
                    payer,
                    hour[0],
                    _PERIOD_VALUES[period],
                    tier,
                    hour[1],
                    quantity,
                    exact,
                )
            )
        if minor:
            debits[payer] -= minor
            credits[spec.kind] += minor
            result.charged_minor[meter_id] = result.charged_minor.get(meter_id, 0) + minor
    step("cycle:judged")
    if updates:
        # A cursor moves only from the value read (the lock makes this hold; the condition
        # catches a writer that does not lock, such as an older version beside this one).
        moved = _CURSORS.run_tuples(conn, _CURSOR_KEYS, list(updates.values()))
        if (
            moved is not None
            and conn.dialect.supports_sane_multi_rowcount
            and moved.rowcount != len(updates)
        ):
            raise LostRace(f"meter cursors moved by another writer ({moved.rowcount})")
        step("cycle:cursors")
    _BUCKETS.run_tuples(conn, _BUCKET_KEYS, buckets)
    step("cycle:buckets")
    if flags:
        conn.execute(quarantine.insert(), flags)
    total = sum(credits.values())
    if total:
        deltas: dict[int, int] = dict(debits)
        for kind, amount in credits.items():
            acc = ctx.system_id(conn, f"revenue:{kind.value}")
            deltas[acc] = deltas.get(acc, 0) + amount
        crossing = _crossing_zero(conn, debits)
        result.entry_id = accrual.accrue(conn, deltas, now, ctx.timezone)
        if crossing:
            result.entry_id = accrual.close(conn)
    else:
        result.entry_id = accrual.accrue(conn, {}, now, ctx.timezone)
    today = local_day(to_us(now), ctx.timezone)
    if checkpoints.ensure(conn, today, ctx.timezone) and ctx.detail_months is not None:
        rollup.roll_up(conn, today // 100, ctx.detail_months, ctx.timezone)
    if ctx.memo is not None and whole_transaction:
        ctx.memo.cycle_done(stamp)
    return result


def _flag(
    reading: CounterReading, state: GenerationState, status: ReadingStatus
) -> dict[str, object]:
    """Return the quarantine row of a reading a person must look at."""
    try:
        counter: int | None = counter_to_milli(reading.total)
    except InvalidAmount:  # negative, not finite or beyond any meter: kept without a value
        counter = None
    return {
        "meter_id": reading.meter_id,
        "generation": state.generation,
        "taken_us": to_us(reading.taken_at) if reading.taken_at.tzinfo else 0,
        "counter_milli": counter,
        "status": status.value,
    }


def _crossing_zero(conn: Connection, debits: Mapping[int, int]) -> bool:
    """Return whether a cycle's charges take a tenant from above zero to zero or below."""
    deepest = min(debits.values(), default=0)
    if not deepest:
        return False
    # Only a balance within this cycle's largest charge of zero can cross: one indexed-free
    # scan of the account table, not one query per payer.
    near = conn.execute(
        select(account.c.id, account.c.balance).where(
            account.c.kind == "wallet", account.c.balance > 0, account.c.balance <= -deepest
        )
    ).all()
    return any(row.balance + debits.get(int(row.id), 0) <= 0 for row in near)


def require_open_meter(conn: Connection, meter_id: str) -> None:
    """Refuse operations on unknown meters; hold the meter's row until commit."""
    found = conn.execute(select(meter.c.id).where(meter.c.id == meter_id).with_for_update())
    if found.first() is None:
        raise UnknownMeter("unknown meter", meter=meter_id)


def meter_holder(conn: Connection, meter_id: str) -> int | None:
    """Return the account id holding a meter now, or None."""
    row = conn.execute(
        select(assignment.c.account_id).where(
            assignment.c.meter_id == meter_id, assignment.c.end_us.is_(None)
        )
    ).first()
    return None if row is None else int(row.account_id)


def refuse(message: str, **placeholders: str) -> OperationRefused:
    """Return an ``OperationRefused`` error (helper for callers)."""
    return OperationRefused(message, **placeholders)
