"""Turning a meter's supply on or off from an entity, with the result made plain."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .accounts.access import async_authorise
from .const import DOMAIN
from .coordinator import GatewayCoordinator
from .gateway.entity_pacing import async_add_by_subentry
from .gateway.meter_factory import MeterSetup
from .meters.reading import ControlOutcome, Medium, MeterError


async def async_add_supply_entities(
    hass: HomeAssistant,
    coordinator: GatewayCoordinator,
    async_add_entities: AddConfigEntryEntitiesCallback,
    medium: Medium,
    factory: Callable[[GatewayCoordinator, MeterSetup], Entity],
) -> None:
    """Add one supply entity for every meter of ``medium`` that can cut its supply."""
    await async_add_by_subentry(
        hass,
        async_add_entities,
        (
            (setup.subentry_id, [factory(coordinator, setup)])
            for setup in coordinator.meters.values()
            if setup.has_supply and setup.medium is medium
        ),
    )


async def async_switch_supply(
    entity: Entity, coordinator: GatewayCoordinator, setup: MeterSetup, on: bool
) -> None:
    """Switch and read back (administrators only); raise a translated error when refused.

    A switch from the entity is a one-off: it holds until the account's desired state next
    changes (``relay_control`` is the lasting override). The supervisor puts back any other
    change it sees, so it must be told this one was meant.
    """
    await async_authorise(entity.hass, entity._context, entity.entity_id)
    coordinator.supervisor.hold_manual(setup.subentry_id, on)
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
