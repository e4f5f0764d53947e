"""Named tariffs as stored in options: parsing, validation, and the books accounts get."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from custom_components.prepaid_utility.billing.quantity import UtilityKind
from custom_components.prepaid_utility.billing.schedule import TouPeriod
from custom_components.prepaid_utility.tariffs.catalog import (
    DEFAULT_TARIFF,
    TariffError,
    books,
    compose,
    day_slots,
    flat_version,
    parse_ranges,
    tiered_version,
    timeline,
    tou_version,
    with_choice,
    with_version,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)
T1 = datetime(2026, 11, 10, tzinfo=UTC)
T2 = datetime(2026, 11, 20, tzinfo=UTC)


def test_ranges_wrap_midnight_and_tile_the_day() -> None:
    assert parse_ranges("23:00-07:00", "x") == [(1380, 1440), (0, 420)]
    assert parse_ranges("00:00-24:00", "x") == [(0, 1440)]
    slots = day_slots({TouPeriod.VALLEY: parse_ranges("22:00-08:00", "v"),
                       TouPeriod.PEAK: parse_ranges("08:00-22:00", "p")})  # fmt: skip
    assert slots == [(0, TouPeriod.VALLEY), (480, TouPeriod.PEAK), (1320, TouPeriod.VALLEY)]


@pytest.mark.parametrize(
    ("text", "key"),
    [("8-9", "invalid_time_range"), ("08:00-24:30", "invalid_time_range"),
     ("08:05-09:00", "not_quarter_hour"), ("09:00-09:00", "invalid_time_range")],
)  # fmt: skip
def test_bad_ranges(text: str, key: str) -> None:
    with pytest.raises(TariffError) as err:
        parse_ranges(text, "f")
    assert err.value.key == key


def test_versions_and_choices_compose_into_one_book() -> None:
    options = with_version({}, "TOU", UtilityKind.ELECTRICITY, tou_version({
        "valley_hours": "22:00-08:00", "valley_price": "0.3",
        "peak_hours": "08:00-22:00", "peak_price": "1",
    }), T0)  # fmt: skip
    options = with_version(options, "TOU", UtilityKind.ELECTRICITY, flat_version("0.7"), T2)
    options = with_choice(options, "acct", {}, UtilityKind.ELECTRICITY, "TOU", T1)
    line = timeline(options, "acct", {}, UtilityKind.ELECTRICITY)
    assert [name for _, name in line] == [DEFAULT_TARIFF, "TOU"]
    book = compose(line, books(options, UtilityKind.ELECTRICITY, "UTC"))
    assert book.at(T0).prices_micro == {TouPeriod.FLAT: 600_000}  # the default before T1
    assert book.at(T1).prices_micro[TouPeriod.PEAK] == 1_000_000
    assert book.at(T2).prices_micro == {TouPeriod.FLAT: 700_000}  # the tariff's own new version
    # A choice at an instant drops later choices (only the future is rewritten).
    options = with_choice(options, "acct", {}, UtilityKind.ELECTRICITY, DEFAULT_TARIFF, T0)
    assert [n for _, n in timeline(options, "acct", {}, UtilityKind.ELECTRICITY)] == ["default"]


def test_blocks_become_surcharges() -> None:
    version = tiered_version("200, 400", "0.50, 0.55, 0.80", "year")
    options = with_version({}, "B", UtilityKind.WATER, version, T0)
    tariff = books(options, UtilityKind.WATER, "UTC")["B"].at(T1)
    assert [t.up_to_milli for t in tariff.tiers] == [200_000, 400_000, None]
    assert [tariff.unit_price(TouPeriod.FLAT, i) for i in range(3)] == [500_000, 550_000, 800_000]
    for bad, key in (("0, 1", "invalid_threshold"), ("2, 1", "thresholds_not_increasing")):
        with pytest.raises(TariffError) as err:
            tiered_version(bad, "1, 2, 3", "month")
        assert err.value.key == key


def test_splice_keeps_what_was_billed() -> None:
    from custom_components.prepaid_utility.tariffs.catalog import splice  # noqa: PLC0415

    old_opts = with_version({}, "F", UtilityKind.ELECTRICITY, flat_version("0.5"), T0)
    new_opts = with_version(old_opts, "F", UtilityKind.ELECTRICITY, flat_version("0.9"), T1)
    old = books(old_opts, UtilityKind.ELECTRICITY, "UTC")["F"]
    new = books(new_opts, UtilityKind.ELECTRICITY, "UTC")["F"]
    # The reading at T2 was billed at 0.5 before the new book arrived: 0.9 applies from T2.
    spliced = splice(old, new, T2)
    assert [v.effective_from for v in spliced.versions] == [T0, T2]
    assert spliced.at(T1).prices_micro == {TouPeriod.FLAT: 500_000}
    assert spliced.at(T2).prices_micro == {TouPeriod.FLAT: 900_000}
    assert splice(new, new, T2).versions == new.versions  # nothing to change: unchanged
