"""An account's alarm levels and cut-off rules, read from its subentry's data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ..billing.errors import InvalidAmount
from ..billing.money import parse_money
from ..billing.policy import AlarmThresholds, SupplyPolicy
from ..const import (
    CONF_LOW_1,
    CONF_LOW_2,
    CONF_LOW_3,
    CONF_OVERDRAFT,
    CONF_PROTECT_NON_WORKING_DAYS,
    CONF_PROTECTED,
    CONF_PROTECTED_END,
    CONF_PROTECTED_START,
    CONF_RESTORE_ABOVE,
    CONF_WARNING_MIN,
)

MONEY_FIELDS = (CONF_LOW_1, CONF_LOW_2, CONF_LOW_3, CONF_OVERDRAFT, CONF_RESTORE_ABOVE)
MAX_LEVEL = Decimal(1_000_000)


def money_minor(text: str, exponent: int) -> int:
    """Return a non-negative amount typed in currency units as minor units."""
    try:
        number_ = Decimal(text.strip() or "0")
    except InvalidOperation as err:
        raise InvalidAmount("not a number", value=text) from err
    if not number_.is_finite() or number_ > MAX_LEVEL:
        raise InvalidAmount("amount out of range", value=text)
    return 0 if number_ == 0 else parse_money(number_, exponent)


def thresholds_from(data: Mapping[str, Any], exponent: int) -> AlarmThresholds:
    """Return the account's alarm levels (raises InvalidAmount when they do not fit)."""
    low_3 = money_minor(str(data[CONF_LOW_3]), exponent)
    return AlarmThresholds(
        low_1=money_minor(str(data[CONF_LOW_1]), exponent),
        low_2=money_minor(str(data[CONF_LOW_2]), exponent),
        low_3=low_3,
        # A level clears only once the balance is half the last level above it: a top-up of a
        # few cents does not make the alarm go and come back on every poll.
        hysteresis=max(low_3 // 2, 1),
    )


def policy_from(data: Mapping[str, Any], exponent: int) -> SupplyPolicy:
    """Return the account's cut-off rules (raises InvalidAmount when they do not fit)."""
    start = data.get(CONF_PROTECTED_START) or None
    end = data.get(CONF_PROTECTED_END) or None
    try:
        start_time = time.fromisoformat(start) if start else None
        end_time = time.fromisoformat(end) if end else None
    except ValueError as err:
        raise InvalidAmount("protected hours must be times like 22:00", value=str(err)) from err
    return SupplyPolicy(
        overdraft=money_minor(str(data.get(CONF_OVERDRAFT, "0")), exponent),
        restore_above=money_minor(str(data.get(CONF_RESTORE_ABOVE, "0")), exponent),
        protected=bool(data.get(CONF_PROTECTED, False)),
        protected_start=start_time,
        protected_end=end_time,
        protect_non_working_days=bool(data.get(CONF_PROTECT_NON_WORKING_DAYS, False)),
        warning=timedelta(minutes=int(data.get(CONF_WARNING_MIN, 0))),
    )
