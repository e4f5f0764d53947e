"""The charging engine: from an absolute counter reading to priced usage lines.

Per meter *generation* the state holds the start value and the high-water mark (``hwm``, the
highest accepted counter, unwrapped across rollovers). A reading is compared with the raw
counter at the hwm:

* no change (of the total, nor of a newer reading's period registers): nothing billed
  (replays and repeated polls are no-ops);
* zero while the hwm is above zero: not a reading (meters report 0 at boot or reconnect);
* older than the last accepted reading and not above it: a stale replay, ignored;
* a small decrease (``dip_tolerance``): noise, ignored, the hwm is held;
* a larger decrease, unless it is a plausible rollover: quarantined (counter reset? meter
  replaced?), never billed; an admin opens a new generation;
* an increase above ``max_rate x Δt x factor`` (the breaker could not pass that much):
  quarantined, never billed; the next sane reading is billed against the unchanged hwm;
* otherwise the increase is billed, and ``sum billed == hwm - start`` holds per generation.

Spreading rule: the increase since the last accepted reading is spread over the interval
between the two readings in proportion to time (a constant rate is assumed), in UTC
quarter-hour pieces; each piece takes the TOU period, hourly bucket, block window and tariff
version in force at its start, and the milli-units are shared by largest remainder. So a long
outage's backlog is billed once, at the prices and periods of the hours it covers. Blocks are
filled in time order. If the clock went backwards, the increase is put at the last accepted
instant: timestamps inform, they never reorder or re-charge.

A meter's own period registers (sharp/peak/flat/valley) are the truth of a time-of-use split:
each period's register increase is billed at that period's price, spread over that period's
pieces of the interval (or put on the last piece when the tariff's table has none of it). Each
register, the total included, rounds down to its resolution on its own, so the total's increase
and the sum of the periods' increases differ by up to one step per register. That residual is
*held* (``GenerationState.period_held_milli``): it is energy the total has shown and the period
registers have not yet (or the reverse), and it shows up in a period register later, where it is
billed at that period's price. Billing it now would bill it twice, or at the wrong period's
price. So per generation ``sum billed + held == hwm - start`` and the money per period equals
the period registers' increase times the period's price, exactly, over any sequence of
readings. Every period baseline moves forward with every billed reading.

The registers are not used (the interval is spread by the tariff's table, and the reading's
outcome says why in ``tou_fallback``) when they are missing or unreadable, when one went
backwards, when the held residual exceeds what the registers' rounding can explain (one step per
register), or when the meter counted a period the tariff has no price for. Such a reading
settles the held residual (bills it by the table) and re-anchors every baseline at its own
registers, so the next consistent reading is billed by the registers again. On a tariff without
a table (flat) the total is the truth and the registers only move their baselines. A meter whose
period registers keep moving while the tariff's table says another period (its own table or
clock differs) is reported in ``tou_mismatch`` once that has lasted ``MISMATCH_AFTER``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from itertools import pairwise
from types import MappingProxyType
from typing import NamedTuple

from .apportion import largest_remainder
from .errors import InvalidAmount
from .money import exact_charge_nano, post_with_carry
from .quantity import UtilityKind, counter_to_milli
from .schedule import TouPeriod
from .tariff import TariffBook

QUARTER = timedelta(minutes=15)
_MICROSECOND = timedelta(microseconds=1)
# A meter clock a few minutes off moves the previous period's register for a few minutes after
# each boundary: not worth a repair. A quarter-hour (the tables' grid) is.
MISMATCH_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class CounterReading:
    """One absolute counter reading of one meter (kWh or m³ as Decimal)."""

    meter_id: str
    taken_at: datetime
    total: Decimal
    periods: Mapping[TouPeriod, Decimal] | None = None


@dataclass(frozen=True)
class MeterSpec:
    """What the engine must know about a meter to judge its readings.

    ``max_rate_milli_per_hour`` is the breaker rating as a rate (63 A x 230 V = 14,490 Wh per
    hour; a water meter's maximum flow in litres per hour). ``rollover_milli`` is the value at
    which the counter wraps to zero (e.g. 100,000,000 Wh for 99,999.99 kWh), or None.
    """

    kind: UtilityKind
    max_rate_milli_per_hour: int
    plausibility_factor: int = 2
    rollover_milli: int | None = None
    dip_tolerance_milli: int = 1000
    min_interval_s: int = 60
    resolution_milli: int = 10

    @cached_property
    def least_limit_milli(self) -> int:
        """Return the plausibility limit of the shortest interval (``min_interval_s``)."""
        return _allowed(self, self.min_interval_s)


class ReadingStatus(StrEnum):
    """What became of a reading."""

    CHARGED = "charged"
    UNCHANGED = "unchanged"
    ZERO_IGNORED = "zero_ignored"
    STALE = "stale"
    DIP = "dip"
    QUARANTINED_DECREASE = "quarantined_decrease"
    QUARANTINED_JUMP = "quarantined_jump"
    INVALID = "invalid"


class TouFallback(StrEnum):
    """Why a reading of a meter with period registers was split by the tariff's table."""

    MISSING = "missing"  # registers reported before are absent, or another set of periods
    UNREADABLE = "unreadable"  # not a counter value
    BACKWARDS = "backwards"  # a period register went down
    UNBALANCED = "unbalanced"  # the periods and the total disagree beyond their rounding
    UNPRICED = "unpriced"  # the meter counted a period the tariff has no price for


@dataclass(frozen=True)
class TouMismatch:
    """The meter's period registers move in another period than the tariff's table says."""

    meter_period: TouPeriod
    tariff_period: TouPeriod
    since: datetime


QUARANTINE_STATUSES = frozenset(
    {ReadingStatus.QUARANTINED_DECREASE, ReadingStatus.QUARANTINED_JUMP, ReadingStatus.INVALID}
)


_NO_PERIODS: Mapping[TouPeriod, int] = MappingProxyType({})


class GenerationState(NamedTuple):
    """The billing state of one meter generation (not money: a cursor over the counter).

    A tuple, not a frozen dataclass: one is made for every reading of every poll (a frozen
    dataclass sets each field through ``object.__setattr__``); immutable all the same.
    """

    generation: int
    start_milli: int
    hwm_milli: int
    last_at: datetime
    carry_nano: int = 0
    tier_window: str = ""
    tier_used_milli: int = 0
    period_milli: Mapping[TouPeriod, int] = _NO_PERIODS
    period_held_milli: int = 0
    tou_mismatch_since: datetime | None = None

    def raw_counter(self, spec: MeterSpec) -> int:
        """Return the counter value the meter shows at the hwm."""
        if spec.rollover_milli is None:
            return self.hwm_milli
        return self.hwm_milli % spec.rollover_milli


def open_generation(
    generation: int, start: Decimal, at: datetime, periods: Mapping[TouPeriod, Decimal] | None
) -> GenerationState:
    """Return the state of a new generation starting at a counter value."""
    start_milli = counter_to_milli(start)
    return GenerationState(
        generation=generation,
        start_milli=start_milli,
        hwm_milli=start_milli,
        last_at=at,
        period_milli={p: counter_to_milli(v) for p, v in (periods or {}).items()},
    )


class ChargeLine(NamedTuple):
    """Billed usage of one hour, TOU period, block and tariff version.

    A tuple, not a frozen dataclass: made for every reading of every poll (a frozen dataclass
    sets each field through ``object.__setattr__``); immutable all the same.
    """

    hour: datetime
    period: TouPeriod
    tier: int
    quantity_milli: int
    price_micro: int
    exact_nano: int


class ReadingOutcome(NamedTuple):
    """The engine's verdict on a reading, with the new state and the priced lines.

    A tuple for the reason ``ChargeLine`` is one.
    """

    status: ReadingStatus
    state: GenerationState
    delta_milli: int = 0
    lines: tuple[ChargeLine, ...] = ()
    charge_minor: int = 0
    split_by_registers: bool = False
    tou_fallback: TouFallback | None = None
    tou_mismatch: TouMismatch | None = None

    @property
    def quarantined(self) -> bool:
        """Return whether the reading needs a person to look (a repair issue)."""
        return self.status in QUARANTINE_STATUSES


@dataclass(slots=True)
class _Piece:
    start: datetime
    seconds: int
    hour: datetime
    period: TouPeriod
    version: int
    window: str
    quantity: int = 0


def _pieces(book: TariffBook, start: datetime, end: datetime) -> list[_Piece]:
    changes = book.changes_between(start, end)
    first = book.quarter(start)
    if not changes and first.end >= end:
        # A poll interval inside one quarter-hour (most polls): one piece, nothing to merge.
        return [
            _Piece(
                start,
                (end - start) // _MICROSECOND,
                first.hour,
                first.period,
                first.version,
                first.window,
            )
        ]
    cuts = {start, end, *changes}
    grid = first.end
    while grid < end:
        cuts.add(grid)
        grid += QUARTER
    ordered = sorted(cuts)
    pieces: list[_Piece] = []
    for left, right in pairwise(ordered):
        index, period, window, hour, _ = book.quarter(left)
        seconds = (right - left) // _MICROSECOND
        last = pieces[-1] if pieces else None
        if last and (last.hour, last.period, last.version, last.window) == (
            hour,
            period,
            index,
            window,
        ):
            last.seconds += seconds
        else:
            pieces.append(_Piece(left, seconds, hour, period, index, window))
    return pieces


def _instant_piece(book: TariffBook, at: datetime) -> _Piece:
    index, period, window, hour, _ = book.quarter(at)
    return _Piece(at, 1, hour, period, index, window)


def _spread(pieces: list[_Piece], quantity: int) -> None:
    if len(pieces) == 1:
        pieces[0].quantity += quantity  # what largest_remainder gives one weight
        return
    for piece, share in zip(
        pieces, largest_remainder(quantity, [p.seconds for p in pieces]), strict=True
    ):
        piece.quantity += share


class _Split(NamedTuple):
    """How a reading's increase is split: by the period registers or by the tariff's table.

    A tuple, not a frozen dataclass: made for every reading, and frozen dataclasses set each
    field through ``object.__setattr__``.
    """

    by_period: dict[TouPeriod, int] | None  # None: ``scheduled`` is spread by the table
    scheduled: int
    held: int
    baselines: dict[TouPeriod, int]
    fallback: TouFallback | None = None


def _tou_in_force(book: TariffBook, start: datetime, end: datetime) -> bool:
    if len(book.versions) == 1:
        return book.versions[0].tariff.schedule is not None
    first, last = book.index_at(min(start, end)), book.index_at(max(start, end))
    return any(v.tariff.schedule is not None for v in book.versions[first : last + 1])


def _priceable(book: TariffBook, by_period: Mapping[TouPeriod, int]) -> bool:
    used = {period for period, quantity in by_period.items() if quantity}
    return all(
        version.tariff.schedule is None or used <= set(version.tariff.prices_micro)
        for version in book.versions
    )


def _split(
    spec: MeterSpec,
    book: TariffBook,
    state: GenerationState,
    reading: CounterReading,
    delta: int,
) -> _Split:
    held = state.period_held_milli

    def by_table(baselines: dict[TouPeriod, int], fallback: TouFallback | None) -> _Split:
        # The held residual is settled here: without trusted registers nothing else can bill it.
        billed = max(0, delta + held)
        return _Split(None, billed, held + delta - billed, baselines, fallback)

    now: dict[TouPeriod, int] | None
    try:
        now = {p: counter_to_milli(v) for p, v in (reading.periods or {}).items()}
    except InvalidAmount:
        now = None
    if not _tou_in_force(book, state.last_at, reading.taken_at):
        return by_table(now or {}, None)  # one price: the total is the truth
    if now is None:
        return by_table({}, TouFallback.UNREADABLE if state.period_milli else None)
    if not now or not state.period_milli:
        missing = bool(state.period_milli) and not now
        return by_table(now, TouFallback.MISSING if missing else None)
    if set(now) != set(state.period_milli):
        return by_table(now, TouFallback.MISSING)
    deltas: dict[TouPeriod, int] = {}
    for period, value in now.items():
        moved = value - state.period_milli[period]
        if moved < 0 and spec.rollover_milli is not None:
            wrapped = moved + spec.rollover_milli
            moved = wrapped if wrapped <= delta + len(now) * spec.resolution_milli else moved
        if moved < 0:
            return by_table(now, TouFallback.BACKWARDS)
        deltas[period] = moved
    new_held = held + delta - sum(deltas.values())
    # Each register's own rounding hides less than one step: more is not rounding.
    if abs(new_held) > len(now) * spec.resolution_milli:
        return by_table(now, TouFallback.UNBALANCED)
    if not _priceable(book, deltas):
        return by_table(now, TouFallback.UNPRICED)
    return _Split(deltas, 0, new_held, now)


def _periods_ahead(
    spec: MeterSpec, book: TariffBook, state: GenerationState, reading: CounterReading
) -> bool:
    """Return whether a newer reading's period registers moved while the total did not.

    That is the residual's other side (the periods show energy the total has not yet shown):
    billed now, by the registers, so a period's money never waits for the total's rounding.
    """
    if reading.taken_at <= state.last_at or not reading.periods or not state.period_milli:
        return False
    split = _split(spec, book, state, reading, 0)
    return split.by_period is not None and any(split.by_period.values())


def _allocate(
    book: TariffBook, state: GenerationState, reading: CounterReading, split: _Split
) -> tuple[list[_Piece], set[TouPeriod] | None]:
    """Return the priced pieces and the table's periods of the interval (None: no table)."""
    if reading.taken_at <= state.last_at:
        instant = _instant_piece(book, state.last_at)
        if split.by_period is None:
            instant.quantity = split.scheduled
            return [instant], None
        pieces = [
            replace(instant, period=period, quantity=quantity)
            for period, quantity in sorted(split.by_period.items())
            if quantity
        ]
        return pieces, None
    pieces = _pieces(book, state.last_at, reading.taken_at)
    if len(book.versions) == 1:
        tabled = book.versions[0].tariff.schedule is not None
    else:
        tabled = all(book.versions[p.version].tariff.schedule is not None for p in pieces)
    table = {p.period for p in pieces} if tabled else None
    if split.by_period is None:
        _spread(pieces, split.scheduled)
        return pieces, table
    extra: list[_Piece] = []
    for period, quantity in sorted(split.by_period.items()):
        if quantity == 0:
            continue
        mine = [p for p in pieces if p.period is period]
        if not mine:
            last = pieces[-1]
            mine = [replace(last, period=period, quantity=0)]
            extra.extend(mine)
        _spread(mine, quantity)
    return sorted([*pieces, *extra], key=lambda p: (p.start, p.period)), table


def _mismatch(
    state: GenerationState,
    split: _Split,
    table: set[TouPeriod] | None,
    taken_at: datetime,
) -> tuple[datetime | None, TouMismatch | None]:
    """Follow how long the registers have moved in a period the table does not have."""
    if split.by_period is None:
        return (state.tou_mismatch_since if split.fallback else None), None
    moved = {period for period, quantity in split.by_period.items() if quantity}
    if table is None or len(table) != 1 or not moved:
        return state.tou_mismatch_since, None  # no evidence either way
    others = moved - table
    if not others:
        return None, None
    since = state.tou_mismatch_since or taken_at
    if taken_at - since < MISMATCH_AFTER:
        return since, None
    by_period = split.by_period
    meter_period = max(others, key=lambda period: (by_period[period], period))
    return since, TouMismatch(meter_period, next(iter(table)), since)


def _price(
    book: TariffBook, state: GenerationState, pieces: list[_Piece]
) -> tuple[list[ChargeLine], str, int, int]:
    """Return the priced lines, the block window and its usage after them, and their exact sum."""
    lines: list[ChargeLine] = []
    window, used, total_exact = state.tier_window, state.tier_used_milli, 0
    for piece in pieces:
        if piece.quantity == 0:
            continue
        tariff = book.versions[piece.version].tariff
        if piece.window != window:
            window, used = piece.window, 0
        for tier, quantity in tariff.split_tiers(used, piece.quantity):
            price = tariff.unit_price(piece.period, tier)
            exact = exact_charge_nano(quantity, price)
            total_exact += exact
            lines.append(ChargeLine(piece.hour, piece.period, tier, quantity, price, exact))
        used += piece.quantity
    return lines, window, used, total_exact


def _limit(spec: MeterSpec, state: GenerationState, taken_at: datetime) -> int:
    seconds = max(int((taken_at - state.last_at).total_seconds()), spec.min_interval_s)
    return _allowed(spec, seconds)


def _allowed(spec: MeterSpec, seconds: int) -> int:
    """Return the largest plausible increase over ``seconds`` (at least ``min_interval_s``)."""
    allowed = -(-spec.max_rate_milli_per_hour * seconds * spec.plausibility_factor // 3600)
    return allowed + spec.resolution_milli


def _within_a_quarter(
    book: TariffBook, state: GenerationState, taken_at: datetime, delta: int, exponent: int
) -> ReadingOutcome | None:
    """Price an increase of a meter without period registers inside one priced quarter-hour.

    Most polls of most meters: one piece, so nothing to split, spread or merge, and nothing
    held or mismatched. The outcome is what the general path gives (a property test holds the
    two equal); this one only skips making the objects that path needs for many pieces. None:
    the interval crosses a quarter-hour or a version change, the general path prices it.
    """
    start = state.last_at
    first = book.quarter(start)
    if first.end < taken_at or (len(book.versions) > 1 and book.changes_between(start, taken_at)):
        return None
    tariff = book.versions[first.version].tariff
    used = state.tier_used_milli if first.window == state.tier_window else 0
    period, hour = first.period, first.hour
    parts = tariff.split_tiers(used, delta)
    if len(parts) == 1:  # the reading stays in one block (or there are none): one line
        tier, quantity = parts[0]
        price = tariff.unit_price(period, tier)
        total_exact = quantity * price
        lines: tuple[ChargeLine, ...] = (
            ChargeLine(hour, period, tier, quantity, price, total_exact),
        )
    else:
        priced = [(tier, quantity, tariff.unit_price(period, tier)) for tier, quantity in parts]
        lines = tuple(ChargeLine(hour, period, t, q, p, q * p) for t, q, p in priced)
        total_exact = sum(line.exact_nano for line in lines)
    minor, carry = post_with_carry(state.carry_nano, total_exact, exponent)
    new_state = GenerationState(
        state.generation,
        state.start_milli,
        state.hwm_milli + delta,
        taken_at,
        carry,
        first.window,
        used + delta,
        _NO_PERIODS,
        0,
        None,
    )
    return ReadingOutcome(ReadingStatus.CHARGED, new_state, delta, lines, minor)


def evaluate_reading(
    spec: MeterSpec,
    state: GenerationState,
    reading: CounterReading,
    book: TariffBook,
    exponent: int = 2,
) -> ReadingOutcome:
    """Judge a reading against a generation's state and price what it adds.

    Pure: the caller commits ``outcome.state``, the lines and ``outcome.charge_minor``
    together, in one transaction.
    """
    if reading.taken_at.tzinfo is None:
        return ReadingOutcome(ReadingStatus.INVALID, state)
    try:
        current = counter_to_milli(reading.total)
    except InvalidAmount:
        return ReadingOutcome(ReadingStatus.INVALID, state)
    raw = state.raw_counter(spec)
    if current == 0 and raw > 0:
        return ReadingOutcome(ReadingStatus.ZERO_IGNORED, state)
    delta = current - raw
    if spec.rollover_milli is not None and current >= spec.rollover_milli:
        return ReadingOutcome(ReadingStatus.INVALID, state)
    if delta == 0 and not _periods_ahead(spec, book, state, reading):
        later = max(state.last_at, reading.taken_at)
        return ReadingOutcome(ReadingStatus.UNCHANGED, state._replace(last_at=later))
    if delta < 0:
        if reading.taken_at <= state.last_at:
            return ReadingOutcome(ReadingStatus.STALE, state)
        wrapped = None if spec.rollover_milli is None else spec.rollover_milli - raw + current
        if wrapped is not None and wrapped <= _limit(spec, state, reading.taken_at):
            delta = wrapped
        elif -delta <= spec.dip_tolerance_milli:
            return ReadingOutcome(ReadingStatus.DIP, state)
        else:
            return ReadingOutcome(ReadingStatus.QUARANTINED_DECREASE, state)
    # Within the limit of the shortest interval, an increase is within any interval's limit.
    elif delta > spec.least_limit_milli and delta > _limit(spec, state, reading.taken_at):
        return ReadingOutcome(ReadingStatus.QUARANTINED_JUMP, state)
    if (
        not reading.periods
        and not state.period_milli
        and not state.period_held_milli
        and state.tou_mismatch_since is None
        and reading.taken_at > state.last_at
    ):
        simple = _within_a_quarter(book, state, reading.taken_at, delta, exponent)
        if simple is not None:
            return simple
    split = _split(spec, book, state, reading, delta)
    pieces, table = _allocate(book, state, reading, split)
    lines, window, used, total_exact = _price(book, state, pieces)
    since, mismatch = _mismatch(state, split, table, reading.taken_at)
    minor, carry = post_with_carry(state.carry_nano, total_exact, exponent)
    new_state = GenerationState(
        generation=state.generation,
        start_milli=state.start_milli,
        hwm_milli=state.hwm_milli + delta,
        last_at=max(state.last_at, reading.taken_at),
        carry_nano=carry,
        tier_window=window,
        tier_used_milli=used,
        period_milli=split.baselines,
        period_held_milli=split.held,
        tou_mismatch_since=since,
    )
    return ReadingOutcome(
        ReadingStatus.CHARGED,
        new_state,
        delta,
        tuple(lines),
        minor,
        split_by_registers=split.by_period is not None,
        tou_fallback=split.fallback,
        tou_mismatch=mismatch,
    )
