"""Gateway option of the ledger's upkeep: how long hourly usage detail is kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import probatio as vol
from homeassistant.helpers import selector

from ..const import (
    CONF_USAGE_DETAIL_MONTHS,
    DEFAULT_USAGE_DETAIL_MONTHS,
    MAX_USAGE_DETAIL_MONTHS,
    MIN_USAGE_DETAIL_MONTHS,
)


def detail_option_field(current: Mapping[str, Any]) -> dict[Any, Any]:
    """Return the options form's field for the age at which hourly usage rolls up into days.

    The box has no bounds of its own: a value outside them reaches :func:`detail_option`,
    which names the range in the person's language (a selector bound would not).
    """
    return {
        vol.Required(
            CONF_USAGE_DETAIL_MONTHS,
            default=current.get(CONF_USAGE_DETAIL_MONTHS, DEFAULT_USAGE_DETAIL_MONTHS),
        ): selector.NumberSelector(
            selector.NumberSelectorConfig(step=1, mode=selector.NumberSelectorMode.BOX)
        )
    }


def detail_option(user_input: Mapping[str, Any], options: dict[str, Any]) -> dict[str, str]:
    """Copy the detail age into ``options``; return form errors (nothing copied on error).

    The field is required with a default, so the submitted form always carries it.
    """
    value = user_input[CONF_USAGE_DETAIL_MONTHS]
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not MIN_USAGE_DETAIL_MONTHS <= value <= MAX_USAGE_DETAIL_MONTHS  # NaN too
        or value != int(value)
    ):
        return {CONF_USAGE_DETAIL_MONTHS: "invalid_detail_months"}
    options[CONF_USAGE_DETAIL_MONTHS] = int(value)
    return {}
