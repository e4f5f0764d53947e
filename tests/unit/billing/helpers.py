"""Shared builders for billing tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from custom_components.prepaid_utility.billing.engine import (
    CounterReading,
    GenerationState,
    MeterSpec,
    open_generation,
)
from custom_components.prepaid_utility.billing.quantity import UtilityKind
from custom_components.prepaid_utility.billing.schedule import DayTable, TouPeriod, TouSchedule
from custom_components.prepaid_utility.billing.tariff import (
    Tariff,
    TariffBook,
    TariffVersion,
    Tier,
    flat_tariff,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SPEC = MeterSpec(kind=UtilityKind.ELECTRICITY, max_rate_milli_per_hour=14_490)
ROLL_SPEC = MeterSpec(
    kind=UtilityKind.ELECTRICITY, max_rate_milli_per_hour=14_490, rollover_milli=100_000_000
)


def flat_book(price: int = 600_000) -> TariffBook:
    return TariffBook((TariffVersion(T0, flat_tariff(UtilityKind.ELECTRICITY, price)),))


TOU_TABLE = DayTable(
    (
        (0, TouPeriod.VALLEY),
        (8 * 60, TouPeriod.FLAT),
        (10 * 60, TouPeriod.PEAK),
        (18 * 60, TouPeriod.SHARP),
        (20 * 60, TouPeriod.PEAK),
        (22 * 60, TouPeriod.VALLEY),
    )
)
TOU_PRICES = {
    TouPeriod.SHARP: 1_200_000,
    TouPeriod.PEAK: 900_000,
    TouPeriod.FLAT: 600_000,
    TouPeriod.VALLEY: 300_000,
}


def tou_tariff(tiers: tuple[Tier, ...] = ()) -> Tariff:
    schedule = TouSchedule(
        timezone="Asia/Shanghai",
        weekday=TOU_TABLE,
        weekend=DayTable(((0, TouPeriod.FLAT), (22 * 60, TouPeriod.VALLEY))),
    )
    return Tariff(
        kind=UtilityKind.ELECTRICITY,
        prices_micro=TOU_PRICES,
        timezone="Asia/Shanghai",
        schedule=schedule,
        tiers=tiers,
    )


def state(counter: str = "100", at: datetime = T0) -> GenerationState:
    return open_generation(1, Decimal(counter), at, None)


def reading(total: str, at: datetime, meter: str = "m1") -> CounterReading:
    return CounterReading(meter, at, Decimal(total))
