"""What an account's balance means for the people in the room: alarm level and supply.

Two pure functions, called for every account after each billing cycle and after every recharge:

* :func:`next_alarm_level` — three low-balance levels, arrears and cut-off, with hysteresis so a
  balance wobbling around a threshold does not raise the same alarm on every poll;
* :func:`decide_supply` — the desired state of the account's relays and valves (invariant I12:
  a pure function of balance, policy, manual override and time). Cutting is the one decision
  that can hurt someone, so every reason not to cut wins over the reason to cut: a protected
  account, protected hours, a non-working day when so configured, a pending warning, and any
  doubt about the ledger or the meter (fail open, rule 5).

Money is integer minor units; no Home Assistant import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from .errors import InvalidAmount


class AlarmLevel(StrEnum):
    """Fee state of an account, from fine to cut off (order matters: later is worse)."""

    NORMAL = "normal"
    LOW_1 = "low_1"
    LOW_2 = "low_2"
    LOW_3 = "low_3"
    ARREARS = "arrears"
    CUT_OFF = "cut_off"

    @property
    def rank(self) -> int:
        """Position from 0 (normal) to 5 (cut off)."""
        return list(AlarmLevel).index(self)


class Override(StrEnum):
    """A landlord's manual say over an account's supply."""

    AUTO = "auto"
    FORCE_ON = "on"
    FORCE_OFF = "off"


class SupplyAction(StrEnum):
    """What the reconciler should make the relays and valves do."""

    KEEP = "keep"  # desired state unchanged
    CUT = "cut"
    RESTORE = "restore"
    WARN = "warn"  # a cut is due; the warning period starts now (supply stays on)


class HoldReason(StrEnum):
    """Why a due cut is not carried out now."""

    PROTECTED_ACCOUNT = "protected_account"
    PROTECTED_HOURS = "protected_hours"
    NON_WORKING_DAY = "non_working_day"
    WARNING_PERIOD = "warning_period"
    IN_DOUBT = "in_doubt"


@dataclass(frozen=True, slots=True)
class AlarmThresholds:
    """Balances (minor units) at or below which each low level starts."""

    low_1: int
    low_2: int
    low_3: int
    hysteresis: int = 0

    def __post_init__(self) -> None:
        """Refuse thresholds that would make the levels overlap or run backwards."""
        if not self.low_1 >= self.low_2 >= self.low_3 >= 0:
            raise InvalidAmount(
                "alarm thresholds must satisfy level 1 >= level 2 >= level 3 >= 0",
                low_1=str(self.low_1),
                low_2=str(self.low_2),
                low_3=str(self.low_3),
            )
        if self.hysteresis < 0:
            raise InvalidAmount("hysteresis must not be negative", value=str(self.hysteresis))


@dataclass(frozen=True, slots=True)
class SupplyPolicy:
    """An account's cut-off rules."""

    overdraft: int = 0  # cut when balance <= -overdraft (minor units)
    restore_above: int = 0  # restore when balance > restore_above
    protected: bool = False  # medical or "never cut": alarms only
    protected_start: time | None = None  # local time the protected window opens, e.g. 22:00
    protected_end: time | None = None  # and closes, e.g. 07:00 (may wrap past midnight)
    protect_non_working_days: bool = False
    warning: timedelta = timedelta(0)  # how long before a due cut the resident is warned

    def __post_init__(self) -> None:
        """Refuse a policy that could restore and cut at the same balance."""
        if self.overdraft < 0:
            raise InvalidAmount("overdraft must not be negative", value=str(self.overdraft))
        if self.restore_above < -self.overdraft:
            raise InvalidAmount(
                "restore level must be above the cut-off level",
                value=str(self.restore_above),
            )
        if (self.protected_start is None) != (self.protected_end is None):
            raise InvalidAmount("protected hours need both a start and an end")
        if self.warning < timedelta(0):
            raise InvalidAmount("warning time must not be negative")

    def in_protected_hours(self, local: datetime) -> bool:
        """Return True when ``local`` (the building's wall clock) is inside the window."""
        start, end = self.protected_start, self.protected_end
        if start is None or end is None or start == end:
            return False
        now = local.time()
        if start < end:
            return start <= now < end
        return now >= start or now < end  # the window wraps past midnight


@dataclass(frozen=True, slots=True)
class SupplyDecision:
    """The outcome of :func:`decide_supply`."""

    action: SupplyAction
    supply_on: bool  # the desired state after this decision
    hold: HoldReason | None = None
    warn_until: datetime | None = None  # end of the warning period, when one is running


def next_alarm_level(
    balance: int,
    previous: AlarmLevel,
    thresholds: AlarmThresholds,
    policy: SupplyPolicy,
    supply_on: bool,
) -> AlarmLevel:
    """Return the account's level now, moving back up only past the hysteresis band."""
    if not supply_on:
        return AlarmLevel.CUT_OFF
    if balance <= 0:
        return AlarmLevel.ARREARS
    raw = AlarmLevel.NORMAL
    for level, threshold in (
        (AlarmLevel.LOW_3, thresholds.low_3),
        (AlarmLevel.LOW_2, thresholds.low_2),
        (AlarmLevel.LOW_1, thresholds.low_1),
    ):
        if balance <= threshold:
            raw = level
            break
    if raw.rank >= previous.rank or previous.rank > AlarmLevel.LOW_3.rank:
        return raw
    # Improving: leave the previous level only once clear of its threshold by the band.
    previous_threshold = {
        AlarmLevel.LOW_1: thresholds.low_1,
        AlarmLevel.LOW_2: thresholds.low_2,
        AlarmLevel.LOW_3: thresholds.low_3,
    }[previous]
    if balance > previous_threshold + thresholds.hysteresis:
        return raw
    return previous


def decide_supply(
    *,
    balance: int,
    supply_on: bool,
    policy: SupplyPolicy,
    override: Override,
    now_local: datetime,
    working_day: bool,
    in_doubt: bool,
    warned_until: datetime | None,
) -> SupplyDecision:
    """Return the desired supply state of one account.

    ``supply_on`` is the current desired state; ``warned_until`` the end of a warning period
    already announced (None when none is running); ``in_doubt`` is True when the ledger or the
    account's meters could not be read this cycle.
    """
    if override is Override.FORCE_ON:
        return _set(supply_on, on=True)
    if override is Override.FORCE_OFF:
        return _set(supply_on, on=False)

    if not supply_on:
        if balance > policy.restore_above:
            return SupplyDecision(SupplyAction.RESTORE, supply_on=True)
        return SupplyDecision(SupplyAction.KEEP, supply_on=False)

    if balance > -policy.overdraft:
        return SupplyDecision(SupplyAction.KEEP, supply_on=True)

    # A cut is due. Every reason to hold wins; the first that applies is reported.
    hold = _hold_reason(policy, now_local, working_day, in_doubt)
    if policy.warning > timedelta(0):
        if warned_until is None:
            until = now_local + policy.warning
            return SupplyDecision(SupplyAction.WARN, supply_on=True, warn_until=until, hold=hold)
        if now_local < warned_until:
            reason = hold or HoldReason.WARNING_PERIOD
            return SupplyDecision(
                SupplyAction.KEEP, supply_on=True, hold=reason, warn_until=warned_until
            )
    if hold is not None:
        return SupplyDecision(SupplyAction.KEEP, supply_on=True, hold=hold, warn_until=warned_until)
    return SupplyDecision(SupplyAction.CUT, supply_on=False)


def _hold_reason(
    policy: SupplyPolicy, now_local: datetime, working_day: bool, in_doubt: bool
) -> HoldReason | None:
    if in_doubt:
        return HoldReason.IN_DOUBT
    if policy.protected:
        return HoldReason.PROTECTED_ACCOUNT
    if policy.in_protected_hours(now_local):
        return HoldReason.PROTECTED_HOURS
    if policy.protect_non_working_days and not working_day:
        return HoldReason.NON_WORKING_DAY
    return None


def _set(supply_on: bool, *, on: bool) -> SupplyDecision:
    if supply_on == on:
        return SupplyDecision(SupplyAction.KEEP, supply_on=on)
    return SupplyDecision(SupplyAction.RESTORE if on else SupplyAction.CUT, supply_on=on)
