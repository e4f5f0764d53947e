"""Gateway options of supply control: the workday entity and the emergency credit amount."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import probatio as vol
from homeassistant.helpers import selector

from ..accounts.rules import money_minor
from ..billing.errors import InvalidAmount
from ..money.ledger_runtime import currency_exponent
from ..supply.emergency_credit import CONF_EMERGENCY_CREDIT
from ..supply.workday import CONF_WORKDAY_ENTITY, WORKDAY_DOMAINS


def supply_option_fields(current: Mapping[str, Any]) -> dict[Any, Any]:
    """Return the options form's fields for supply control (both may stay empty)."""
    return {
        vol.Optional(
            CONF_WORKDAY_ENTITY,
            description={"suggested_value": current.get(CONF_WORKDAY_ENTITY)},
        ): selector.EntitySelector(selector.EntitySelectorConfig(domain=list(WORKDAY_DOMAINS))),
        vol.Optional(
            CONF_EMERGENCY_CREDIT,
            description={"suggested_value": current.get(CONF_EMERGENCY_CREDIT)},
        ): str,
    }


def supply_options(
    user_input: Mapping[str, Any], options: dict[str, Any], currency: str
) -> dict[str, str]:
    """Copy the supply options into ``options``; return form errors."""
    entity = str(user_input.get(CONF_WORKDAY_ENTITY) or "").strip()
    if entity:
        options[CONF_WORKDAY_ENTITY] = entity
    else:
        options.pop(CONF_WORKDAY_ENTITY, None)
    credit = str(user_input.get(CONF_EMERGENCY_CREDIT) or "").strip()
    if not credit:
        options.pop(CONF_EMERGENCY_CREDIT, None)
        return {}
    try:
        minor = money_minor(credit, currency_exponent(currency))
    except InvalidAmount:
        minor = 0
    if minor <= 0:
        return {CONF_EMERGENCY_CREDIT: "invalid_emergency_credit"}
    options[CONF_EMERGENCY_CREDIT] = credit
    return {}
