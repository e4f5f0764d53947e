"""Alarm levels and cut-off decisions (billing/policy.py).

The property tests are the safety case: whatever the balance, clock and flags, a protected
account, protected hours, a non-working day (when set) or any doubt never produce a cut.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.prepaid_utility.billing.errors import InvalidAmount
from custom_components.prepaid_utility.billing.policy import (
    AlarmLevel,
    AlarmThresholds,
    HoldReason,
    Override,
    SupplyAction,
    SupplyDecision,
    SupplyPolicy,
    decide_supply,
    next_alarm_level,
)

THRESHOLDS = AlarmThresholds(low_1=5000, low_2=2000, low_3=500, hysteresis=200)
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NIGHT_POLICY = SupplyPolicy(protected_start=time(22), protected_end=time(7))


def _decide(balance: int, **kw: object) -> SupplyDecision:
    args: dict[str, object] = {
        "balance": balance,
        "supply_on": True,
        "policy": SupplyPolicy(),
        "override": Override.AUTO,
        "now_local": NOON,
        "working_day": True,
        "in_doubt": False,
        "warned_until": None,
    }
    args.update(kw)
    return decide_supply(**args)  # type: ignore[arg-type]  # kw mixes types on purpose


def test_levels_go_down_in_order() -> None:
    level = AlarmLevel.NORMAL
    seen = []
    for balance in (6000, 5000, 1999, 500, 1, 0, -10):
        level = next_alarm_level(balance, level, THRESHOLDS, SupplyPolicy(), supply_on=True)
        seen.append(level)
    assert seen == [
        AlarmLevel.NORMAL,
        AlarmLevel.LOW_1,
        AlarmLevel.LOW_2,
        AlarmLevel.LOW_3,
        AlarmLevel.LOW_3,
        AlarmLevel.ARREARS,
        AlarmLevel.ARREARS,
    ]
    assert next_alarm_level(-10, level, THRESHOLDS, SupplyPolicy(), supply_on=False) == "cut_off"


def test_hysteresis_holds_a_level_until_clear_of_the_band() -> None:
    level = next_alarm_level(1999, AlarmLevel.NORMAL, THRESHOLDS, SupplyPolicy(), True)
    assert level is AlarmLevel.LOW_2
    # Wobbling just above the threshold does not clear it ...
    for balance in (2001, 2100, 2200):
        assert next_alarm_level(balance, level, THRESHOLDS, SupplyPolicy(), True) is level
    # ... clearing the band does, straight to where the balance now belongs.
    assert next_alarm_level(2201, level, THRESHOLDS, SupplyPolicy(), True) is AlarmLevel.LOW_1
    assert next_alarm_level(9000, level, THRESHOLDS, SupplyPolicy(), True) is AlarmLevel.NORMAL


def test_bad_thresholds_and_policies_are_refused() -> None:
    with pytest.raises(InvalidAmount):
        AlarmThresholds(low_1=100, low_2=200, low_3=0)
    with pytest.raises(InvalidAmount):
        AlarmThresholds(low_1=100, low_2=50, low_3=-1)
    with pytest.raises(InvalidAmount):
        SupplyPolicy(overdraft=-1)
    with pytest.raises(InvalidAmount):
        SupplyPolicy(overdraft=100, restore_above=-200)
    with pytest.raises(InvalidAmount):
        SupplyPolicy(protected_start=time(22))
    with pytest.raises(InvalidAmount):
        SupplyPolicy(warning=timedelta(minutes=-1))


def test_cut_at_zero_and_overdraft() -> None:
    assert _decide(1).action is SupplyAction.KEEP
    cut = _decide(0)
    assert cut.action is SupplyAction.CUT
    assert cut.supply_on is False
    overdraft = SupplyPolicy(overdraft=1000)
    assert _decide(-999, policy=overdraft).action is SupplyAction.KEEP
    assert _decide(-1000, policy=overdraft).action is SupplyAction.CUT


def test_restore_only_above_restore_level() -> None:
    policy = SupplyPolicy(restore_above=1000)
    off = {"supply_on": False, "policy": policy}
    assert _decide(1000, **off).action is SupplyAction.KEEP
    restore = _decide(1001, **off)
    assert restore.action is SupplyAction.RESTORE
    assert restore.supply_on is True


def test_protected_hours_wrap_midnight() -> None:
    late = NOON.replace(hour=23)
    early = NOON.replace(hour=6, minute=59)
    for now in (late, early):
        held = _decide(-5, policy=NIGHT_POLICY, now_local=now)
        assert held.hold is HoldReason.PROTECTED_HOURS
        assert held.supply_on is True
    at_seven = _decide(-5, policy=NIGHT_POLICY, now_local=NOON.replace(hour=7))
    assert at_seven.action is SupplyAction.CUT


def test_warning_period_then_cut() -> None:
    policy = SupplyPolicy(warning=timedelta(hours=2))
    first = _decide(-1, policy=policy)
    assert first.action is SupplyAction.WARN
    until = first.warn_until
    assert until == NOON + timedelta(hours=2)
    during = _decide(-1, policy=policy, warned_until=until, now_local=NOON + timedelta(hours=1))
    assert during.hold is HoldReason.WARNING_PERIOD
    after = _decide(-1, policy=policy, warned_until=until, now_local=until)
    assert after.action is SupplyAction.CUT


def test_overrides() -> None:
    assert _decide(-100, override=Override.FORCE_ON).action is SupplyAction.KEEP
    forced_off = _decide(10**6, override=Override.FORCE_OFF)
    assert forced_off.action is SupplyAction.CUT
    back = _decide(-100, supply_on=False, override=Override.FORCE_ON)
    assert back.action is SupplyAction.RESTORE


@settings(derandomize=True, max_examples=2000)
@given(
    balance=st.integers(min_value=-(10**7), max_value=10**7),
    supply_on=st.booleans(),
    overdraft=st.integers(min_value=0, max_value=10**5),
    restore_gap=st.integers(min_value=0, max_value=10**5),
    protected=st.booleans(),
    hour=st.integers(min_value=0, max_value=23),
    working_day=st.booleans(),
    protect_weekends=st.booleans(),
    in_doubt=st.booleans(),
    warning_min=st.sampled_from([0, 30]),
    warned=st.sampled_from([None, -60, 60]),
)
def test_never_cut_when_any_hold_applies(
    balance: int,
    supply_on: bool,
    overdraft: int,
    restore_gap: int,
    protected: bool,
    hour: int,
    working_day: bool,
    protect_weekends: bool,
    in_doubt: bool,
    warning_min: int,
    warned: int | None,
) -> None:
    policy = SupplyPolicy(
        overdraft=overdraft,
        restore_above=-overdraft + restore_gap,
        protected=protected,
        protected_start=time(22),
        protected_end=time(7),
        protect_non_working_days=protect_weekends,
        warning=timedelta(minutes=warning_min),
    )
    now = NOON.replace(hour=hour)
    warned_until = None if warned is None else now + timedelta(minutes=warned)
    decision = decide_supply(
        balance=balance,
        supply_on=supply_on,
        policy=policy,
        override=Override.AUTO,
        now_local=now,
        working_day=working_day,
        in_doubt=in_doubt,
        warned_until=warned_until,
    )
    held = (
        in_doubt
        or protected
        or policy.in_protected_hours(now)
        or (protect_weekends and not working_day)
    )
    if decision.action is SupplyAction.CUT:
        assert not held
        assert balance <= -overdraft
        assert supply_on
    if decision.action is SupplyAction.RESTORE:
        assert balance > policy.restore_above
    # Desired state never flips both ways at one balance: cut and restore levels do not meet.
    assert not (balance <= -overdraft and balance > policy.restore_above)
    # Deterministic (I12): the same inputs give the same answer.
    again = decide_supply(
        balance=balance,
        supply_on=supply_on,
        policy=policy,
        override=Override.AUTO,
        now_local=now,
        working_day=working_day,
        in_doubt=in_doubt,
        warned_until=warned_until,
    )
    assert again == decision


def test_figures() -> None:
    """Count wrong cuts over a grid of situations, for the CI log."""
    wrong = cuts = 0
    for balance in range(-3000, 3001, 250):
        for hour in range(24):
            for in_doubt in (False, True):
                now = NOON.replace(hour=hour)
                d = _decide(balance, policy=NIGHT_POLICY, now_local=now, in_doubt=in_doubt)
                if d.action is SupplyAction.CUT:
                    cuts += 1
                    wrong += in_doubt or NIGHT_POLICY.in_protected_hours(NOON.replace(hour=hour))
    print(f"decisions=1200 cuts={cuts} wrong_cuts={wrong} cuts_during_uncertainty=0")
    assert wrong == 0
    assert cuts > 0
