"""Time-of-use schedules: day tables, weekday, weekend and holiday variants.

Table boundaries are whole quarter-hours of local time, so the period is constant within every
UTC quarter-hour (every real time zone offset is a multiple of 15 minutes). The engine relies on
that to split an interval into quarter-hour pieces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from .errors import InvalidAmount

QUARTER_MINUTES = 15
DAY_MINUTES = 24 * 60


class TouPeriod(StrEnum):
    """Time-of-use periods (尖 sharp, 峰 peak, 平 flat, 谷 valley)."""

    SHARP = "sharp"
    PEAK = "peak"
    FLAT = "flat"
    VALLEY = "valley"


@dataclass(frozen=True)
class DayTable:
    """One day's periods: ``(start_minute, period)`` pairs, the first starting at minute 0."""

    slots: tuple[tuple[int, TouPeriod], ...]

    def __post_init__(self) -> None:
        """Refuse tables that do not start at midnight, are unordered or off the quarter grid."""
        starts = [start for start, _ in self.slots]
        if not starts or starts[0] != 0 or starts != sorted(set(starts)):
            raise InvalidAmount("a day table starts at minute 0 with increasing starts")
        if any(s % QUARTER_MINUTES or s >= DAY_MINUTES for s in starts):
            raise InvalidAmount("day table starts are whole quarter-hours within the day")

    def period_at_minute(self, minute: int) -> TouPeriod:
        """Return the period in force at a minute of the day."""
        current = self.slots[0][1]
        for start, period in self.slots:
            if start > minute:
                break
            current = period
        return current


def flat_day() -> DayTable:
    """Return a table that is flat all day."""
    return DayTable(((0, TouPeriod.FLAT),))


@dataclass(frozen=True)
class TouSchedule:
    """Which day table applies on which local day."""

    timezone: str
    weekday: DayTable
    weekend: DayTable | None = None
    holiday: DayTable | None = None
    holidays: frozenset[date] = field(default_factory=frozenset)
    weekend_days: frozenset[int] = frozenset({5, 6})

    def table_for(self, day: date) -> DayTable:
        """Return the table of a local calendar day: holiday, then weekend, then weekday."""
        if self.holiday is not None and day in self.holidays:
            return self.holiday
        if self.weekend is not None and day.weekday() in self.weekend_days:
            return self.weekend
        return self.weekday

    def period_at(self, instant: datetime) -> TouPeriod:
        """Return the period in force at an aware instant."""
        return self.period_at_local(instant.astimezone(ZoneInfo(self.timezone)))

    def period_at_local(self, local: datetime) -> TouPeriod:
        """Return the period in force at an instant already in the schedule's time zone."""
        return self.table_for(local.date()).period_at_minute(local.hour * 60 + local.minute)
