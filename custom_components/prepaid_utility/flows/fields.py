"""Form pieces shared by the gateway flow and the meter subentry flow."""

from __future__ import annotations

from typing import Any

from homeassistant.helpers import selector

from ..const import MAX_NAME_LENGTH


def name_error(name: str) -> str | None:
    """Return the form error for a name a person typed, or None when it is fine."""
    if not any(char.isalnum() for char in name):
        return "invalid_name"
    if len(name) > MAX_NAME_LENGTH:
        return "name_too_long"
    return None


def number(low: float, high: float, step: float = 1, unit: str | None = None) -> Any:
    """Return a number box with bounds (the frontend and the schema both enforce them)."""
    config = selector.NumberSelectorConfig(
        min=low, max=high, step=step, mode=selector.NumberSelectorMode.BOX
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return selector.NumberSelector(config)
