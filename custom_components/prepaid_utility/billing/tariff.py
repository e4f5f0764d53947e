"""Tariffs: flat, time-of-use, tiered blocks, both combined, standing charges, and versions.

The unit price of a quantity is ``prices[period] + tiers[tier].surcharge``: a flat tariff has
one period price and no tiers; a pure block tariff gives the first block's price as the flat
price and each further block's extra as its surcharge; a TOU tariff with blocks (as many
residential tariffs) adds the block surcharge to the period price.

A tariff book holds versions with effective instants. A quantity is priced by the version in
force at the instant it was consumed (as spread by the engine), so a price change never applies
retroactively.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from .errors import InvalidAmount
from .quantity import UtilityKind
from .schedule import TouPeriod, TouSchedule


class TierReset(StrEnum):
    """When cumulative block usage starts again at zero."""

    MONTH = "month"
    YEAR = "year"


class StandingPeriod(StrEnum):
    """How often a fixed standing charge is due."""

    DAILY = "daily"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class Tier:
    """A block: usage within the window up to ``up_to_milli`` (None: no limit) adds a surcharge."""

    up_to_milli: int | None
    surcharge_micro: int


@dataclass(frozen=True)
class Tariff:
    """One version's prices for one utility kind."""

    kind: UtilityKind
    prices_micro: Mapping[TouPeriod, int]
    timezone: str = "UTC"
    schedule: TouSchedule | None = None
    tiers: tuple[Tier, ...] = ()
    tier_reset: TierReset = TierReset.MONTH
    standing_charge_minor: int = 0
    standing_period: StandingPeriod = StandingPeriod.MONTHLY
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Refuse negative prices, missing period prices and unordered blocks."""
        # Every quarter-hour the engine prices needs the zone: looked up once, not per piece.
        object.__setattr__(self, "_zone", ZoneInfo(self.timezone))
        if any(price < 0 for price in self.prices_micro.values()):
            raise InvalidAmount("prices must not be negative")
        needed = {TouPeriod.FLAT} if self.schedule is None else set(TouPeriod)
        if self.schedule is not None:
            needed = self._periods_used()
        if not needed <= set(self.prices_micro):
            raise InvalidAmount("every period of the schedule needs a price")
        bounds = [t.up_to_milli for t in self.tiers]
        if bounds and (bounds[-1] is not None or None in bounds[:-1]):
            raise InvalidAmount("only the last block is unlimited")
        finite = [b for b in bounds if b is not None]
        if finite != sorted(set(finite)) or any(b <= 0 for b in finite):
            raise InvalidAmount("block limits must increase")
        if any(t.surcharge_micro < 0 for t in self.tiers) or self.standing_charge_minor < 0:
            raise InvalidAmount("surcharges and standing charges must not be negative")

    def _periods_used(self) -> set[TouPeriod]:
        assert self.schedule is not None
        tables = [self.schedule.weekday, self.schedule.weekend, self.schedule.holiday]
        return {period for table in tables if table for _, period in table.slots}

    def period_at(self, instant: datetime) -> TouPeriod:
        """Return the TOU period at an instant (flat without a schedule)."""
        if self.schedule is None:
            return TouPeriod.FLAT
        return self.schedule.period_at(instant)

    def tier_window(self, instant: datetime) -> str:
        """Return the block window id (``YYYY-MM`` or ``YYYY``) of an instant, in local time."""
        local = instant.astimezone(self._zone)
        if self.tier_reset is TierReset.YEAR:
            return f"{local.year:04d}"
        return f"{local.year:04d}-{local.month:02d}"

    def period_and_window(self, instant: datetime) -> tuple[TouPeriod, str]:
        """Return ``(period_at(instant), tier_window(instant))`` with one time zone conversion.

        The engine asks both for every piece of every reading.
        """
        local = instant.astimezone(self._zone)
        if self.schedule is None:
            period = TouPeriod.FLAT
        elif self.schedule.timezone == self.timezone:
            period = self.schedule.period_at_local(local)
        else:
            period = self.schedule.period_at(instant)
        if self.tier_reset is TierReset.YEAR:
            return period, f"{local.year:04d}"
        return period, f"{local.year:04d}-{local.month:02d}"

    def uniform_between(self, start: datetime, last: datetime) -> bool:
        """Return whether local time runs on the quarter-hour grid, unshifted, from start to last.

        True when every zone this tariff reads (its own, its schedule's) has the same offset
        at both instants and that offset is a whole number of quarter-hours.
        """
        zones = [self._zone]
        if self.schedule is not None and self.schedule.timezone != self.timezone:
            zones.append(ZoneInfo(self.schedule.timezone))
        for zone in zones:
            offset = start.astimezone(zone).utcoffset()
            if offset is None or offset != last.astimezone(zone).utcoffset():
                return False
            if offset % _QUARTER:
                return False
        return True

    def split_tiers(self, used_milli: int, quantity_milli: int) -> list[tuple[int, int]]:
        """Split a quantity by block position, given usage already in the window.

        Returns ``(tier_index, quantity)`` pairs; without blocks, everything is tier 0.
        """
        if not self.tiers:
            return [(0, quantity_milli)] if quantity_milli else []
        parts: list[tuple[int, int]] = []
        position, left = used_milli, quantity_milli
        for index, tier in enumerate(self.tiers):
            if left <= 0:
                break
            if tier.up_to_milli is not None and position >= tier.up_to_milli:
                continue
            room = left if tier.up_to_milli is None else min(left, tier.up_to_milli - position)
            parts.append((index, room))
            position += room
            left -= room
        return parts

    def unit_price(self, period: TouPeriod, tier_index: int) -> int:
        """Return the price in micro-units per kWh or m³ of a period and block.

        A tariff without a schedule has one price whatever period a meter's own TOU counters
        put the energy in.
        """
        surcharge = self.tiers[tier_index].surcharge_micro if self.tiers else 0
        if self.schedule is None:
            period = TouPeriod.FLAT
        return self.prices_micro[period] + surcharge


def flat_tariff(kind: UtilityKind, price_micro: int, timezone: str = "UTC") -> Tariff:
    """Return a single-price tariff."""
    return Tariff(kind=kind, prices_micro={TouPeriod.FLAT: price_micro}, timezone=timezone)


@dataclass(frozen=True)
class TariffVersion:
    """A tariff in force from an aware instant until the next version."""

    effective_from: datetime
    tariff: Tariff


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_QUARTER = timedelta(minutes=15)
_TICK = timedelta(microseconds=1)
_QUARTERS_KEPT = 20_000  # about seven months of quarter-hours per book


class Quarter(NamedTuple):
    """How an instant is priced: the version in force (index), its period and block window.

    ``end`` is where the instant's UTC quarter-hour ends (the engine cuts pieces there).
    """

    version: int
    period: TouPeriod
    window: str
    hour: datetime
    end: datetime


@dataclass(frozen=True)
class TariffBook:
    """All versions of one tariff, ordered by effective instant."""

    versions: tuple[TariffVersion, ...] = field(default_factory=tuple)
    _instants: tuple[datetime, ...] = field(init=False, repr=False, compare=False)
    _quarters: dict[int, Quarter] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Refuse an empty book, naive instants and unordered or mixed-kind versions."""
        if not self.versions:
            raise InvalidAmount("a tariff book needs at least one version")
        instants = [v.effective_from for v in self.versions]
        # Looked up for every reading of every poll: built once, the book is immutable.
        object.__setattr__(self, "_instants", tuple(instants))
        object.__setattr__(self, "_quarters", {})
        if any(i.tzinfo is None for i in instants):
            raise InvalidAmount("effective instants must be timezone-aware")
        if instants != sorted(instants) or len(set(instants)) != len(instants):
            raise InvalidAmount("versions must have increasing effective instants")
        if len({v.tariff.kind for v in self.versions}) != 1:
            raise InvalidAmount("all versions of a book bill the same utility")

    @property
    def kind(self) -> UtilityKind:
        """Return the utility the book bills."""
        return self.versions[0].tariff.kind

    def index_at(self, instant: datetime) -> int:
        """Return the index of the version in force (the first one before any effective time)."""
        return max(bisect_right(self._instants, instant) - 1, 0)

    def quarter(self, instant: datetime) -> Quarter:
        """Return how an instant is priced (``index_at``, ``period_and_window``, its UTC hour).

        Every poll of every meter asks this. The answer is kept for the instant's whole UTC
        quarter-hour when it is the same at every instant of it: no version takes effect
        inside, and the time zones' offsets are whole quarter-hours that do not change inside
        (then day tables, whose slots are whole local quarter-hours, and local months cannot
        change inside either). Otherwise it is worked out for this instant alone.
        """
        number = (instant - _EPOCH) // _QUARTER
        found = self._quarters.get(number)
        if found is not None:
            return found
        start = _EPOCH + number * _QUARTER
        end = start + _QUARTER
        index = self.index_at(instant)
        tariff = self.versions[index].tariff
        period, window = tariff.period_and_window(instant)
        hour = instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        answer = Quarter(index, period, window, hour, end)
        last = end - _TICK
        if self.index_at(start) == self.index_at(last) and tariff.uniform_between(start, last):
            if len(self._quarters) >= _QUARTERS_KEPT:
                self._quarters.clear()
            self._quarters[number] = answer
        return answer

    def at(self, instant: datetime) -> Tariff:
        """Return the tariff in force at an instant."""
        return self.versions[self.index_at(instant)].tariff

    def changes_between(self, start: datetime, end: datetime) -> list[datetime]:
        """Return the effective instants strictly inside ``(start, end)``."""
        return [at for at in self._instants if start < at < end]

    def with_version(self, version: TariffVersion, now: datetime) -> TariffBook:
        """Return a book with one more version; refuse one that would take effect in the past."""
        if version.effective_from < now:
            raise InvalidAmount("a new tariff version cannot take effect in the past")
        return TariffBook((*self.versions, version))
