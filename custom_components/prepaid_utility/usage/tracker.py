"""Each account's usage and cost today and this month, and how long its balance lasts.

Read from the ledger's hourly buckets once per poll cycle, for all accounts of a gateway in one
query on the writer thread (never on the event loop). Only today's hours are read every cycle:
the completed days of the month (and of the last week, for the days-left estimate) are read
once and kept, and read again only when the local day changes or when a cycle billed usage into
an earlier day (a meter that was offline across midnight reports the hours it missed).

"Today" is the local day of the gateway's latest reading, not of Home Assistant's clock: the
buckets are stamped with reading times, so both agree on which hour belongs to which day (and a
simulated building that runs ahead of the wall clock resets at its own midnight).

Costs are the exact cost of the usage at the prices in force (``exact_nano`` of the buckets).
The ledger debits the balance in whole minor units and carries the remainder to the next cycle,
so the balance can trail the sum of costs by less than one minor unit per meter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from homeassistant.util import dt as dt_util

from ..accounts.setup import AccountSetup
from ..billing.engine import ReadingStatus
from ..ledger import AsyncLedgerStore, LedgerStore
from ..ledger.journal import to_us
from ..ledger.metering import CycleResult
from ..ledger.reports import UsageTotals, account_ids, meter_last_readings, usage_totals
from ..meters.reading import MeterReading

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
RECENT_DAYS = 7  # the days-left estimate averages the cost of the last week (and today)
MIN_HISTORY_US = 12 * HOUR_US  # the least usage history days left is estimated from
NANO_DECIMALS = 9


@dataclass(frozen=True, slots=True)
class AccountUsage:
    """What one account used and what it cost, today and this month."""

    today_milli: Mapping[str, int]  # utility kind -> milli-units (Wh, litres)
    month_milli: Mapping[str, int]
    today_nano: int  # exact cost, nano-units of currency
    month_nano: int
    day_start: datetime  # local midnight (the sensors' last reset)
    month_start: datetime
    daily_nano: int | None  # average daily cost of recent days; None: no usage to go by


def merge(a: UsageTotals | None, b: UsageTotals | None) -> UsageTotals | None:
    """Return the sum of two totals of one account."""
    if a is None or b is None:
        return a or b
    quantities = dict(a.quantity_milli)
    for kind, quantity in b.quantity_milli.items():
        quantities[kind] = quantities.get(kind, 0) + quantity
    return UsageTotals(
        quantities, a.exact_nano + b.exact_nano, min(a.first_hour_us, b.first_hour_us)
    )


def merge_all(parts: list[dict[str, UsageTotals]]) -> dict[str, UsageTotals]:
    """Return per account the sum of several ranges' totals."""
    out: dict[str, UsageTotals] = {}
    for part in parts:
        for code, totals in part.items():
            merged = merge(out.get(code), totals)
            assert merged is not None
            out[code] = merged
    return out


def period_starts(now: datetime, timezone: str) -> tuple[datetime, datetime, datetime, datetime]:
    """Return local midnight, the next midnight, the month's first midnight, and a week ago."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    day = local.date()
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = day + timedelta(days=1)
    next_midnight = datetime(following.year, following.month, following.day, tzinfo=zone)
    month = datetime(day.year, day.month, 1, tzinfo=zone)
    week = day - timedelta(days=RECENT_DAYS)
    recent = datetime(week.year, week.month, week.day, tzinfo=zone)
    return midnight, next_midnight, month, recent


def hour_floor(micros: int) -> int:
    """Return the start (µs) of the bucket hour holding an instant."""
    return micros - micros % HOUR_US


def days_left(balance_minor: int, daily_nano: int | None, exponent: int) -> Decimal | None:
    """Return how many days a balance lasts at a daily cost (one decimal, rounded down).

    0 once the balance is used up; None when there is no cost to go by (never divide by zero).
    """
    if balance_minor <= 0:
        return Decimal(0)
    if not daily_nano or daily_nano <= 0:
        return None
    balance_nano = balance_minor * 10 ** (NANO_DECIMALS - exponent)
    return (Decimal(balance_nano) / Decimal(daily_nano)).quantize(Decimal("0.1"), ROUND_DOWN)


def plain(value: Decimal) -> Decimal:
    """Return a Decimal without trailing zeros and without an exponent (``100``, ``0.738``)."""
    return Decimal(f"{value.normalize():f}")


class UsageTracker:
    """Usage and cost per account of one gateway, refreshed after every billed cycle."""

    def __init__(
        self, ledger: AsyncLedgerStore, timezone: str, accounts: Mapping[str, AccountSetup]
    ) -> None:
        """Track ``accounts`` (their meters say whose buckets a reading can change)."""
        self.ledger = ledger
        self.timezone = timezone
        self.accounts = accounts
        self.figures: dict[str, AccountUsage] = {}
        self.reference: datetime | None = None  # the instant "today" is the day of
        # Per account, the earliest instant whose buckets changed since statistics last looked.
        self.changed_from: dict[str, int] = {}
        self.queries = 0  # ledger round trips (the benchmark and tests count them)
        self._holders: dict[str, list[str]] = {}
        for code, setup in accounts.items():
            for meter_id in setup.meters:
                self._holders.setdefault(meter_id, []).append(code)
        self._last_us: dict[str, int] = {}
        self._ids: dict[int, str] = {}  # ledger account id -> code
        self._kinds: dict[str, str] = {}  # meter id -> utility kind
        self._days: dict[int, dict[str, UsageTotals]] = {}  # completed day (µs) -> totals
        self._month: dict[str, UsageTotals] = {}  # the month's completed days
        self._month_us = -1
        self._recent: dict[str, UsageTotals] = {}  # the last week's completed days
        self._today_us = -1
        self._prefix_end_us = -1  # today's hours before this are summed in _prefix
        self._prefix: dict[str, UsageTotals] = {}

    async def async_prepare(self) -> None:
        """Learn when each meter was last billed (a reading after it may fill earlier hours)."""
        meter_ids = list(self._holders)

        def work(store: LedgerStore) -> dict[str, int]:
            with store.reading() as conn:
                return meter_last_readings(conn, meter_ids)

        self._last_us = await self.ledger.run(work)

    def _observe(self, readings: Mapping[str, MeterReading], cycle: CycleResult) -> dict[str, int]:
        """Return, per account, the earliest instant whose buckets this cycle may have changed.

        A billed reading spreads its usage over the hours since the meter's previous accepted
        reading, so those hours (not only the current one) may have changed.
        """
        changed: dict[str, int] = {}
        for key, reading in readings.items():
            status = cycle.statuses.get(key)
            if status is ReadingStatus.CHARGED:
                # Unknown (never seen since start): assume everything may have changed.
                start = self._last_us.get(key, 0)
                for code in self._holders.get(key, ()):
                    changed[code] = min(changed.get(code, start), start)
            if status in (ReadingStatus.CHARGED, ReadingStatus.UNCHANGED):
                taken = to_us(reading.taken_at)
                self._last_us[key] = max(self._last_us.get(key, taken), taken)
        return changed

    async def _async_read(self, start_us: int, end_us: int) -> dict[str, UsageTotals]:
        codes = list(self.accounts)
        ids, kinds = self._ids, self._kinds

        def work(store: LedgerStore) -> dict[str, UsageTotals]:
            with store.reading() as conn:
                if len(ids) < len(codes):  # accounts are created in the ledger on first poll
                    ids.update(account_ids(conn, codes))
                return usage_totals(conn, ids, start_us, end_us, kinds)

        self.queries += 1
        return await self.ledger.run(work)

    async def async_update(self, readings: Mapping[str, MeterReading], cycle: CycleResult) -> None:
        """Bring every account's figures up to this cycle, reading only what changed.

        Kept between cycles: each completed day of the month and of the last week, and today's
        completed hours. Each cycle reads the open hour; an hour that ends is read once more; a
        day or hour that a late reading changed is read again. A day is one query for all
        accounts, so a restart costs one query per day of the month, once.
        """
        latest = max((r.taken_at for r in readings.values()), default=dt_util.utcnow())
        # A meter whose clock lags must not move "today" back across midnight.
        now = latest if self.reference is None else max(self.reference, latest)
        self.reference = now
        changed = self._observe(readings, cycle)
        for code, start in changed.items():
            self.changed_from[code] = min(self.changed_from.get(code, start), start)
        midnight, next_midnight, month, recent = period_starts(now, self.timezone)
        day_us, next_us = to_us(midnight), to_us(next_midnight)
        now_us = to_us(now)
        dirty = min((hour_floor(start) for start in changed.values()), default=None)
        await self._async_days(midnight, month, recent, dirty)
        if self._today_us != day_us or (dirty is not None and dirty < self._prefix_end_us):
            self._today_us, self._prefix_end_us, self._prefix = day_us, day_us, {}
        cut = max(hour_floor(now_us), day_us)
        if self._prefix_end_us < cut:
            ended = await self._async_read(self._prefix_end_us, cut)
            self._prefix = merge_all([self._prefix, ended])
            self._prefix_end_us = cut
        today = merge_all([self._prefix, await self._async_read(self._prefix_end_us, next_us)])
        self.figures = {
            code: _figures(
                today.get(code),
                self._month.get(code),
                self._recent.get(code),
                starts=(midnight, month),
                recent_us=to_us(recent),
                now_us=now_us,
            )
            for code in self.accounts
        }

    async def _async_days(
        self, midnight: datetime, month: datetime, recent: datetime, dirty: int | None
    ) -> None:
        """Keep the completed days of the month and of the last week, each read once."""
        zone = ZoneInfo(self.timezone)
        first = min(month, recent).date()
        wanted: list[tuple[int, int]] = []
        day = first
        while day < midnight.date():
            following = day + timedelta(days=1)
            begin = datetime(day.year, day.month, day.day, tzinfo=zone)
            finish = datetime(following.year, following.month, following.day, tzinfo=zone)
            wanted.append((to_us(begin), to_us(finish)))
            day = following
        keep = {start for start, end in wanted if dirty is None or end <= dirty}
        changed = set(self._days) != keep or any(s not in self._days for s, _ in wanted)
        self._days = {start: totals for start, totals in self._days.items() if start in keep}
        for start, end in wanted:
            if start not in self._days:
                self._days[start] = await self._async_read(start, end)
        if changed or self._month_us != to_us(month):
            self._month_us = to_us(month)
            self._month = merge_all([t for s, t in self._days.items() if s >= to_us(month)])
            self._recent = merge_all([t for s, t in self._days.items() if s >= to_us(recent)])


def _figures(
    today: UsageTotals | None,
    month: UsageTotals | None,
    recent: UsageTotals | None,
    *,
    starts: tuple[datetime, datetime],
    recent_us: int,
    now_us: int,
) -> AccountUsage:
    today_milli = dict(today.quantity_milli) if today else {}
    month_milli = dict(month.quantity_milli) if month else {}
    for kind, quantity in today_milli.items():
        month_milli[kind] = month_milli.get(kind, 0) + quantity
    today_nano = today.exact_nano if today else 0
    recent_nano = today_nano + (recent.exact_nano if recent else 0)
    daily: int | None = None
    if recent_nano > 0:
        # Average over the time since the first usage of the window (a new tenant's first day
        # is not divided by seven). Under half a day of history there is no estimate: a
        # minute's use spread over a whole day promised a new tenant years.
        first = min(t.first_hour_us for t in (today, recent) if t is not None)
        elapsed = now_us - max(recent_us, first)
        if elapsed >= MIN_HISTORY_US:
            daily = recent_nano * DAY_US // elapsed
    return AccountUsage(
        today_milli=today_milli,
        month_milli=month_milli,
        today_nano=today_nano,
        month_nano=today_nano + (month.exact_nano if month else 0),
        day_start=starts[0],
        month_start=starts[1],
        daily_nano=daily,
    )
