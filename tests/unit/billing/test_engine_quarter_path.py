"""The engine's shortcut for a reading inside one priced quarter-hour bills what the rest would.

``_within_a_quarter`` prices most polls of most meters. It must agree with the general path
(split, pieces, spread, price, carry) to the nano-unit, in the state it leaves too, or the two
would bill the same consumption differently depending on how long a poll took.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.prepaid_utility.billing import engine
from custom_components.prepaid_utility.billing.engine import (
    CounterReading,
    GenerationState,
    ReadingOutcome,
    evaluate_reading,
)
from custom_components.prepaid_utility.billing.quantity import UtilityKind
from custom_components.prepaid_utility.billing.tariff import (
    TariffBook,
    TariffVersion,
    Tier,
    flat_tariff,
)

from .helpers import SPEC, T0, tou_tariff

TIERS = (Tier(230_000, 0), Tier(400_000, 50_000), Tier(None, 300_000))


def _book(kind: str) -> TariffBook:
    if kind == "flat":
        return TariffBook((TariffVersion(T0, flat_tariff(UtilityKind.ELECTRICITY, 600_000)),))
    if kind == "tou":
        return TariffBook((TariffVersion(T0, tou_tariff()),))
    if kind == "tou_tiers":
        return TariffBook((TariffVersion(T0, tou_tariff(TIERS)),))
    # A price change at 37 minutes past an hour on day 3: inside a quarter-hour.
    change = T0 + timedelta(days=3, minutes=37)
    return TariffBook(
        (
            TariffVersion(T0, tou_tariff(TIERS)),
            TariffVersion(change, flat_tariff(UtilityKind.ELECTRICITY, 1_200_000)),
        )
    )


def _general(book: TariffBook, state: GenerationState, reading: CounterReading) -> ReadingOutcome:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "_within_a_quarter", lambda *_args: None)
        return evaluate_reading(SPEC, state, reading, book)


@settings(max_examples=400, deadline=None)
@given(
    kind=st.sampled_from(["flat", "tou", "tou_tiers", "two_versions"]),
    start_s=st.integers(min_value=0, max_value=6 * 86_400),
    interval_s=st.integers(min_value=1, max_value=1_800),
    delta=st.integers(min_value=1, max_value=8_000),
    used=st.integers(min_value=0, max_value=500_000),
    same_window=st.booleans(),
    carry=st.integers(min_value=0, max_value=10**7 - 1),
)
def test_the_shortcut_bills_what_the_general_path_bills(
    kind: str,
    start_s: int,
    interval_s: int,
    delta: int,
    used: int,
    same_window: bool,
    carry: int,
) -> None:
    book = _book(kind)
    last_at = T0 + timedelta(seconds=start_s, microseconds=start_s % 7 * 1_000)
    window = book.quarter(last_at).window if same_window else "2025-12"
    state = GenerationState(1, 100_000, 100_000, last_at, carry, window, used)
    taken = last_at + timedelta(seconds=interval_s)
    delta = 1 + delta % engine._limit(SPEC, state, taken)  # a plausible increase: billed
    reading = CounterReading("m1", taken, Decimal(100_000 + delta) / 1000)
    fast = evaluate_reading(SPEC, state, reading, book)
    general = _general(book, state, reading)
    assert fast.status is engine.ReadingStatus.CHARGED
    assert fast == general


def test_the_shortcut_takes_most_polls_and_leaves_the_rest() -> None:
    """It is taken inside a quarter-hour, and not across one or across a price change."""
    book = _book("two_versions")
    taken: list[bool] = []

    def spy(*args: object) -> ReadingOutcome | None:
        found = original(*args)  # type: ignore[arg-type]
        taken.append(found is not None)
        return found

    original = engine._within_a_quarter
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "_within_a_quarter", spy)
        for start, seconds in (
            (timedelta(minutes=1), 30),  # inside a quarter
            (timedelta(minutes=14, seconds=50), 30),  # across a quarter's end
            (timedelta(days=3, minutes=31), 30),  # inside, before the change at :37
            (timedelta(days=3, minutes=36, seconds=50), 30),  # across the change
        ):
            state = GenerationState(1, 100_000, 100_000, T0 + start, 0, "", 0)
            reading = CounterReading(
                "m1", T0 + start + timedelta(seconds=seconds), Decimal("100.1")
            )
            outcome = evaluate_reading(SPEC, state, reading, book)
            assert outcome.status is engine.ReadingStatus.CHARGED
    print(f"shortcut_taken={taken}")
    assert taken == [True, False, True, False]


@settings(max_examples=300, deadline=None)
@given(
    interval_ms=st.integers(min_value=1, max_value=7_200_000),
    delta=st.integers(min_value=1, max_value=60_000),
    factor=st.integers(min_value=1, max_value=4),
)
def test_a_jump_is_judged_against_its_own_interval(
    interval_ms: int, delta: int, factor: int
) -> None:
    """An increase is quarantined exactly when it exceeds its interval's limit.

    The engine skips working out the interval's limit when the increase is within the
    shortest interval's (``least_limit_milli``): never a different verdict.
    """
    spec = engine.MeterSpec(UtilityKind.ELECTRICITY, 14_490, plausibility_factor=factor)
    book = _book("flat")
    state = GenerationState(1, 100_000, 100_000, T0)
    taken = T0 + timedelta(milliseconds=interval_ms)
    reading = CounterReading("m1", taken, Decimal(100_000 + delta) / 1000)
    outcome = evaluate_reading(spec, state, reading, book)
    jump = delta > engine._limit(spec, state, taken)
    assert (outcome.status is engine.ReadingStatus.QUARANTINED_JUMP) is jump
    assert outcome.status in {engine.ReadingStatus.CHARGED, engine.ReadingStatus.QUARANTINED_JUMP}
