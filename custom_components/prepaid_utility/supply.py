"""Turning a meter's supply on or off from an entity, with the result made plain."""

from __future__ import annotations

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .coordinator import GatewayCoordinator
from .meter_factory import MeterSetup
from .meters.reading import ControlOutcome, MeterError


async def async_switch_supply(coordinator: GatewayCoordinator, setup: MeterSetup, on: bool) -> None:
    """Switch and read back; raise a translated error when the meter did not follow."""
    try:
        result = await coordinator.async_set_supply(setup.subentry_id, on)
    except MeterError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="meter_not_answering",
            translation_placeholders={"meter": setup.name},
        ) from err
    if result.outcome is ControlOutcome.MISMATCH:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="supply_not_obeyed",
            translation_placeholders={"meter": setup.name, "state": result.observed.value},
        )
    if result.outcome is ControlOutcome.UNKNOWN:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="supply_unknown",
            translation_placeholders={"meter": setup.name},
        )
