"""A meter with its own sharp/peak/flat/valley counters billed on a flat tariff.

Acrel prepaid meters report per-period counters; a landlord with one price must still be able
to bill them: every period costs the flat price.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from custom_components.prepaid_utility.billing.engine import (
    CounterReading,
    MeterSpec,
    ReadingStatus,
    evaluate_reading,
    open_generation,
)
from custom_components.prepaid_utility.billing.quantity import UtilityKind
from custom_components.prepaid_utility.billing.schedule import TouPeriod
from custom_components.prepaid_utility.billing.tariff import TariffBook, TariffVersion, flat_tariff

T0 = datetime(2026, 11, 23, 8, tzinfo=UTC)


def _periods(sharp: str, peak: str, flat: str, valley: str) -> dict[TouPeriod, Decimal]:
    return {
        TouPeriod.SHARP: Decimal(sharp),
        TouPeriod.PEAK: Decimal(peak),
        TouPeriod.FLAT: Decimal(flat),
        TouPeriod.VALLEY: Decimal(valley),
    }


def test_every_period_costs_the_flat_price() -> None:
    book = TariffBook(
        (TariffVersion(T0 - timedelta(days=1), flat_tariff(UtilityKind.ELECTRICITY, 600_000)),)
    )
    spec = MeterSpec(kind=UtilityKind.ELECTRICITY, max_rate_milli_per_hour=14_490)
    start = _periods("10.00", "20.00", "30.00", "40.00")
    state = open_generation(1, Decimal("100.00"), T0, start)
    later = CounterReading(
        "m1",
        T0 + timedelta(hours=2),
        Decimal("103.00"),
        _periods("10.50", "21.00", "31.00", "40.50"),
    )
    outcome = evaluate_reading(spec, state, later, book, 2)
    assert outcome.status is ReadingStatus.CHARGED
    # 3.00 kWh at 0.60 = 1.80, whatever the periods.
    assert outcome.charge_minor == 180
    assert {line.price_micro for line in outcome.lines} == {600_000}
    assert sum(line.quantity_milli for line in outcome.lines) == 3000
