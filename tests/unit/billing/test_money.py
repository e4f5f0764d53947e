"""Money parsing, the rounding rule (L5, L6) and apportionment (L7)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.prepaid_utility.billing.apportion import (
    common_area_pool,
    largest_remainder,
    loss_per_mille,
)
from custom_components.prepaid_utility.billing.errors import InvalidAmount
from custom_components.prepaid_utility.billing.fees import FeeBasis, FeeItem
from custom_components.prepaid_utility.billing.money import (
    format_money,
    nano_per_minor,
    parse_money,
    parse_price,
    post_with_carry,
)


def test_parse_money_accepts_currency_scale() -> None:
    assert parse_money("12.34") == 1234
    assert parse_money(Decimal("1.500")) == 150
    assert parse_money(7) == 700
    assert format_money(1234) == Decimal("12.34")


@pytest.mark.parametrize("bad", ["0", "-1", "1.234", "abc", "NaN", "Infinity", 1.5, True, None])
def test_parse_money_rejects(bad: object) -> None:
    with pytest.raises(InvalidAmount) as err:
        parse_money(bad)  # type: ignore[arg-type]
    assert err.value.translation_key == "invalid_amount"


@settings(derandomize=True, max_examples=200)
@given(st.integers(1, 10**12), st.integers(0, 8))
def test_parse_money_scale_property(units: int, decimals: int) -> None:
    text = str(Decimal(units).scaleb(-decimals))
    if decimals <= 2:
        assert parse_money(text) == units * 10 ** (2 - decimals)
    elif units % 10 ** (decimals - 2):
        with pytest.raises(InvalidAmount):
            parse_money(text)


def test_parse_price_six_decimals() -> None:
    assert parse_price("0.588123") == 588_123
    assert parse_price("0") == 0
    with pytest.raises(InvalidAmount):
        parse_price("0.1234567")
    print("float_uses=0 price_scale=6")


@settings(derandomize=True, max_examples=60)
@given(
    st.lists(st.tuples(st.integers(1, 500), st.integers(0, 2_000_000)), min_size=1, max_size=400)
)
def test_rounding_drift_with_carry(steps: list[tuple[int, int]]) -> None:
    carry, posted, exact = 0, 0, 0
    for quantity, price in steps:
        minor, carry = post_with_carry(carry, quantity * price, 2)
        posted += minor
        exact += quantity * price
    assert 0 <= exact - posted * nano_per_minor(2) < nano_per_minor(2)
    assert exact - posted * nano_per_minor(2) == carry


def test_rounding_drift_figure() -> None:
    carry, posted, exact = 0, 0, 0
    for i in range(100_000):
        quantity, price = 10 + i % 7, 588_123 + i % 3
        minor, carry = post_with_carry(carry, quantity * price, 2)
        posted += minor
        exact += quantity * price
    drift = (exact - posted * nano_per_minor(2)) // nano_per_minor(2)
    assert drift == 0
    print(f"deductions=100000 max_drift_minor={drift}")


@settings(derandomize=True, max_examples=300)
@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=50))
def test_largest_remainder_exact(total: int, weights: list[int]) -> None:
    shares = largest_remainder(total, weights)
    assert sum(shares) == total
    assert shares == largest_remainder(total, weights)
    assert all(s >= 0 for s in shares)
    if sum(weights):
        for share, weight in zip(shares, weights, strict=True):
            assert abs(share * sum(weights) - total * weight) < sum(weights)


def test_apportion_pools_figure() -> None:
    mismatches = 0
    for n in range(10_000):
        weights = [(n * 7919 + k * 104729) % 97 for k in range(1 + n % 9)]
        total = (n * 2_654_435_761) % 1_000_003
        mismatches += sum(largest_remainder(total, weights)) != total
    assert mismatches == 0
    assert largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert largest_remainder(5, [0]) == [5]
    print(f"pools=10000 sum_mismatch={mismatches}")


def test_common_area_and_loss() -> None:
    assert common_area_pool(1000, [300, 200]) == (500, 500)
    assert common_area_pool(400, [300, 200]) == (0, -100)
    assert loss_per_mille(1000, [900, 50]) == 50
    assert loss_per_mille(0, []) == 0


def test_fee_amounts() -> None:
    assert FeeItem("rent", FeeBasis.FIXED, 150_000).amount_for(0) == 150_000
    per_m2 = FeeItem("property", FeeBasis.PER_M2, 250)
    assert per_m2.amount_for(8_550) == 21_375
    assert per_m2.amount_for(1) == 3  # 2.5 minor rounds half up
    with pytest.raises(InvalidAmount):
        FeeItem("", FeeBasis.FIXED, 1)
