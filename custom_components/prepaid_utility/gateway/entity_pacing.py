"""Adding and removing a gateway's entities a slice per event-loop turn.

Adding an entity (entity and device registry, first state write) costs Home Assistant about half
a millisecond of event-loop time, and ``async_add_entities`` does it without yielding. A gateway
of 50 meters and 34 tenants brings over 500 entities on every platform together, and all
gateways load at once at start-up: one loop turn of a quarter second per gateway, during which
nothing else in the house (UI, automations) runs. Here all platforms of all gateways together
add at most ``ADD_SLICE`` entities in one loop turn. Unloading a gateway removes its entities
one after the other without yielding too (about 0.1 ms each); all gateways together remove at
most ``REMOVE_SLICE`` in one loop turn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from .loop_turns import TurnBudget, turn_budget

# About 25 ms of loop time a turn.
ADD_SLICE = 50
REMOVE_SLICE = 100
DATA_ADDING: HassKey[TurnBudget] = HassKey(f"{DOMAIN}_adding")
DATA_REMOVALS: HassKey[TurnBudget] = HassKey(f"{DOMAIN}_removals")


async def async_add_by_subentry(
    hass: HomeAssistant,
    async_add_entities: AddConfigEntryEntitiesCallback,
    groups: Iterable[tuple[str, Sequence[Entity]]],
) -> None:
    """Add each subentry's entities, at most ``ADD_SLICE`` in one loop turn (all gateways)."""
    budget = turn_budget(hass, DATA_ADDING, ADD_SLICE)
    for subentry_id, entities in groups:
        if entities:
            await budget.async_take(len(entities))
            async_add_entities(entities, config_subentry_id=subentry_id)


async def async_add_to_gateway(
    hass: HomeAssistant, async_add_entities: AddConfigEntryEntitiesCallback, entities: list[Entity]
) -> None:
    """Add entities of the gateway itself (no subentry), within the same loop-turn budget."""
    await turn_budget(hass, DATA_ADDING, ADD_SLICE).async_take(len(entities))
    async_add_entities(entities)


async def async_pace_removal(hass: HomeAssistant) -> None:
    """Wait for a loop turn with room for one more entity removal (all gateways together)."""
    await turn_budget(hass, DATA_REMOVALS, REMOVE_SLICE).async_take(1)
