"""Tariffs: TOU day tables, weekday and holiday variants, blocks, combined, versions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from custom_components.prepaid_utility.billing.engine import (
    CounterReading,
    evaluate_reading,
    open_generation,
)
from custom_components.prepaid_utility.billing.errors import InvalidAmount
from custom_components.prepaid_utility.billing.quantity import UtilityKind
from custom_components.prepaid_utility.billing.schedule import DayTable, TouPeriod, TouSchedule
from custom_components.prepaid_utility.billing.tariff import (
    Tariff,
    TariffBook,
    TariffVersion,
    Tier,
    TierReset,
    flat_tariff,
)

from .helpers import SPEC, T0, TOU_TABLE, tou_tariff

SH = timedelta(hours=8)  # Asia/Shanghai offset


def test_day_table_rejects_bad_tables() -> None:
    with pytest.raises(InvalidAmount):
        DayTable(((60, TouPeriod.FLAT),))
    with pytest.raises(InvalidAmount):
        DayTable(((0, TouPeriod.FLAT), (7, TouPeriod.PEAK)))


def test_tou_periods_weekday_weekend_holiday() -> None:
    schedule = TouSchedule(
        "Asia/Shanghai",
        weekday=TOU_TABLE,
        weekend=DayTable(((0, TouPeriod.FLAT),)),
        holiday=DayTable(((0, TouPeriod.VALLEY),)),
        holidays=frozenset({date(2026, 10, 1)}),
    )
    monday = datetime(2026, 1, 5, 19, 0, tzinfo=UTC) - SH  # 19:00 local
    assert schedule.period_at(monday) is TouPeriod.SHARP
    assert schedule.period_at(monday - timedelta(hours=12)) is TouPeriod.VALLEY
    saturday = datetime(2026, 1, 3, 19, 0, tzinfo=UTC) - SH
    assert schedule.period_at(saturday) is TouPeriod.FLAT
    holiday = datetime(2026, 10, 1, 19, 0, tzinfo=UTC) - SH
    assert schedule.period_at(holiday) is TouPeriod.VALLEY


def test_tiers_split_by_position() -> None:
    tariff = Tariff(
        UtilityKind.ELECTRICITY,
        {TouPeriod.FLAT: 500_000},
        tiers=(Tier(230_000, 0), Tier(400_000, 50_000), Tier(None, 300_000)),
    )
    assert tariff.split_tiers(0, 100_000) == [(0, 100_000)]
    assert tariff.split_tiers(200_000, 300_000) == [(0, 30_000), (1, 170_000), (2, 100_000)]
    assert tariff.split_tiers(500_000, 1) == [(2, 1)]
    assert tariff.unit_price(TouPeriod.FLAT, 1) == 550_000
    with pytest.raises(InvalidAmount):
        Tariff(UtilityKind.ELECTRICITY, {TouPeriod.FLAT: 1}, tiers=(Tier(None, 0), Tier(5, 0)))


def test_tou_plus_tiers_engine_prices() -> None:
    tariff = tou_tariff(tiers=(Tier(10_000, 0), Tier(None, 100_000)))
    book = TariffBook((TariffVersion(T0, tariff),))
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC) - SH  # Monday 09:00 local: flat
    st = open_generation(1, Decimal(0), start, None)
    # 09:00 -> 11:00 local: 1 h flat, 1 h peak, 12 kWh spread evenly
    out = evaluate_reading(
        SPEC, st, CounterReading("m", start + timedelta(hours=2), Decimal(12)), book
    )
    by = {(line.period, line.tier): line.quantity_milli for line in out.lines}
    assert by == {
        (TouPeriod.FLAT, 0): 6_000,
        (TouPeriod.PEAK, 0): 4_000,
        (TouPeriod.PEAK, 1): 2_000,
    }
    # 6 kWh x 0.60 + 4 x 0.90 + 2 x 1.00 = 9.20
    assert out.charge_minor == 920
    assert out.state.tier_used_milli == 12_000


def test_tier_window_resets_monthly_and_yearly() -> None:
    tiers = (Tier(1_000, 0), Tier(None, 1_000_000))
    monthly = Tariff(UtilityKind.WATER, {TouPeriod.FLAT: 3_000_000}, tiers=tiers)
    yearly = Tariff(
        UtilityKind.WATER, {TouPeriod.FLAT: 3_000_000}, tiers=tiers, tier_reset=TierReset.YEAR
    )
    spec = SPEC.__class__(kind=UtilityKind.WATER, max_rate_milli_per_hour=5_000)
    for tariff, expected in ((monthly, 0), (yearly, 1)):
        book = TariffBook((TariffVersion(T0, tariff),))
        start = datetime(2026, 1, 31, 23, 0, tzinfo=UTC)
        st = open_generation(1, Decimal(0), start, None)
        st = evaluate_reading(
            spec, st, CounterReading("w", start + timedelta(minutes=60), Decimal("1.0")), book
        ).state
        out = evaluate_reading(
            spec, st, CounterReading("w", start + timedelta(hours=2), Decimal("1.5")), book
        )
        assert {line.tier for line in out.lines} == {expected}


def test_version_change_is_not_retroactive() -> None:
    change = T0 + timedelta(hours=1)
    book = TariffBook(
        (
            TariffVersion(T0, flat_tariff(UtilityKind.ELECTRICITY, 500_000)),
            TariffVersion(change, flat_tariff(UtilityKind.ELECTRICITY, 1_000_000)),
        )
    )
    st = open_generation(1, Decimal(0), T0, None)
    out = evaluate_reading(SPEC, st, CounterReading("m", T0 + timedelta(hours=2), Decimal(2)), book)
    assert [(line.price_micro, line.quantity_milli) for line in out.lines] == [
        (500_000, 1_000),
        (1_000_000, 1_000),
    ]
    with pytest.raises(InvalidAmount):
        book.with_version(TariffVersion(T0 + timedelta(minutes=5), book.at(T0)), now=change)
    assert book.at(T0 - timedelta(days=1)).prices_micro[TouPeriod.FLAT] == 500_000


def test_water_flat_and_standing_charge_fields() -> None:
    water = Tariff(UtilityKind.WATER, {TouPeriod.FLAT: 4_100_000}, standing_charge_minor=500)
    assert water.unit_price(TouPeriod.FLAT, 0) == 4_100_000
    with pytest.raises(InvalidAmount):
        Tariff(UtilityKind.WATER, {TouPeriod.FLAT: -1})


# Offsets off the quarter grid (Monrovia until 1972: -0:44:30), half-hour DST (Lord Howe),
# 45-minute zones (Kathmandu), ordinary DST (New York): the days around a transition.
# (tariff zone, schedule zone, two days from, quarter-hours that may be kept)
_QUARTER_CASES = [
    ("Africa/Monrovia", "Africa/Monrovia", datetime(1971, 12, 31, 12, tzinfo=UTC), False),
    ("Africa/Monrovia", "Asia/Kathmandu", datetime(1972, 1, 6, 12, tzinfo=UTC), True),
    ("Australia/Lord_Howe", "Australia/Lord_Howe", datetime(2025, 4, 5, 6, tzinfo=UTC), True),
    ("Asia/Kathmandu", "Asia/Kathmandu", datetime(2025, 1, 31, 6, tzinfo=UTC), True),
    ("America/New_York", "Asia/Kathmandu", datetime(2025, 3, 8, 12, tzinfo=UTC), True),
]


@pytest.mark.parametrize(("zone", "schedule_zone", "around", "keeps"), _QUARTER_CASES)
def test_quarter_answers_like_the_instant_itself(
    zone: str, schedule_zone: str, around: datetime, keeps: bool
) -> None:
    """What the engine asks per reading: kept per quarter-hour only where that is exact."""
    import random  # noqa: PLC0415

    table = DayTable(
        tuple((minute, list(TouPeriod)[k % 4]) for k, minute in enumerate(range(0, 1440, 15)))
    )
    change = around + timedelta(hours=5, minutes=7, seconds=30)
    book = TariffBook(
        tuple(
            TariffVersion(
                at,
                Tariff(
                    UtilityKind.ELECTRICITY,
                    dict.fromkeys(TouPeriod, price),
                    timezone=zone,
                    schedule=TouSchedule(schedule_zone, weekday=table),
                ),
            )
            for at, price in ((around - timedelta(days=2), 500_000), (change, 700_000))
        )
    )
    rng = random.Random(zone)
    instants = [
        around + timedelta(seconds=rng.randrange(0, 2 * 86_400), microseconds=rng.randrange(10**6))
        for _ in range(6_000)
    ]
    wrong = 0
    for instant in instants:
        index = book.index_at(instant)
        period, window = book.versions[index].tariff.period_and_window(instant)
        assert period is book.versions[index].tariff.period_at(instant)
        hour = instant.replace(minute=0, second=0, microsecond=0)
        got = book.quarter(instant)
        wrong += (got.version, got.period, got.window, got.hour) != (index, period, window, hour)
        assert hour <= instant < got.end <= hour + timedelta(hours=1)
    kept = len(book._quarters)
    print(f"zone={zone}/{schedule_zone} instants={len(instants)} kept={kept} wrong={wrong}")
    assert wrong == 0
    assert (kept > 0) is keeps
