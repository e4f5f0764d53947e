"""Fee items and their periods: fixed or per m², one-off or monthly, deducted or billed.

A periodic fee is identified by its ``period_id`` (``YYYY-MM`` in the building's time zone), so
charging it is idempotent per account, item and period whatever the wall clock does. The clock
only decides which periods are due, and time-based charging waits while the clock is behind the
last instant the ledger has seen (a Raspberry Pi booting in 2021 charges nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from .errors import InvalidAmount
from .money import round_half_up


class FeeBasis(StrEnum):
    """How a fee's amount is computed."""

    FIXED = "fixed"
    PER_M2 = "per_m2"


class FeeRecurrence(StrEnum):
    """How often a fee is due."""

    ONE_OFF = "one_off"
    MONTHLY = "monthly"


class FeeCollection(StrEnum):
    """Whether a fee is taken from the balance or issued as a bill."""

    DEDUCTED = "deducted"
    BILLED = "billed"


ONE_OFF_PERIOD = "once"


@dataclass(frozen=True)
class FeeItem:
    """A fee: rent, property fee, service fee, anything."""

    code: str
    basis: FeeBasis
    amount_minor: int
    recurrence: FeeRecurrence = FeeRecurrence.MONTHLY
    collection: FeeCollection = FeeCollection.DEDUCTED

    def __post_init__(self) -> None:
        """Refuse negative amounts and empty codes."""
        if not self.code or self.amount_minor < 0:
            raise InvalidAmount("a fee item needs a code and a non-negative amount")

    def amount_for(self, area_centi_m2: int) -> int:
        """Return the fee in minor units for an area in 0.01 m² (per m² fees round half up)."""
        if self.basis is FeeBasis.FIXED:
            return self.amount_minor
        if area_centi_m2 < 0:
            raise InvalidAmount("area must not be negative")
        return round_half_up(self.amount_minor * area_centi_m2, 100)


def month_id(instant: datetime, timezone: str) -> str:
    """Return the ``YYYY-MM`` period id of an instant in a time zone."""
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{local.year:04d}-{local.month:02d}"


def day_id(instant: datetime, timezone: str) -> str:
    """Return the ``YYYY-MM-DD`` period id of an instant in a time zone."""
    return instant.astimezone(ZoneInfo(timezone)).date().isoformat()


def period_for(item: FeeItem, instant: datetime, timezone: str) -> str:
    """Return the period id a fee item is charged for at an instant."""
    if item.recurrence is FeeRecurrence.ONE_OFF:
        return ONE_OFF_PERIOD
    return month_id(instant, timezone)


def clock_trusted(now: datetime, last_seen: datetime | None) -> bool:
    """Return whether time-based charging may run: the clock is not behind the ledger."""
    return last_seen is None or now >= last_seen
