"""A poll's state writes leave no garbage that only Python's cyclic collector can free.

Home Assistant's default gives each write a new Context whose ``origin_event`` is the
state_changed event announcing it (Event -> Context -> Event), so each replaced State stays
alive until a full collection. The integration's entities write under a Context that lets go of
the event (``entity.GatewayEntity``); a person's action keeps its own context (the logbook's
"changed by").
"""

from __future__ import annotations

import gc
from typing import Any

import pytest
from homeassistant.const import MATCH_ALL
from homeassistant.core import Context, Event, HomeAssistant, State, callback
from homeassistant.helpers import entity_registry as er

from .conftest import poll

pytestmark = pytest.mark.usefixtures("sockets")


def _garbage_states(hass: HomeAssistant, entity_ids: set[str]) -> int:
    """Return how many of these entities' States only the cyclic collector would free."""
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what a collection finds unreachable, to count it
    try:
        gc.collect()
        return sum(1 for o in gc.garbage if isinstance(o, State) and o.entity_id in entity_ids)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


async def test_poll_writes_leave_no_cyclic_garbage(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    entry = mixed_building
    ours = {
        e.entity_id for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    }
    sim = entry.runtime_data.building.building

    @callback
    def recorded(event: Event) -> None:
        """Listen to every event as the recorder does: only then is a state_changed Event made."""

    stop = hass.bus.async_listen(MATCH_ALL, recorded)
    gc.collect()
    gc.disable()  # nothing freed behind the test's back: only reference counting
    try:
        changed = 0
        for _ in range(3):
            before = {s.entity_id: s for s in hass.states.async_all() if s.entity_id in ours}
            sim.clock.advance(3600)
            await poll(hass, entry)
            changed += sum(1 for eid, s in before.items() if hass.states.get(eid) is not s)
            del before
        garbage = _garbage_states(hass, ours)
    finally:
        gc.enable()
        stop()
    print(f"states_replaced={changed} states_left_as_cyclic_garbage={garbage}")
    assert changed > 10, "the polls changed states (energy, balances, usage)"
    assert garbage == 0
    state = hass.states.get(next(iter(ours & {s.entity_id for s in hass.states.async_all()})))
    assert state is not None
    assert state.context.origin_event is None


async def test_a_persons_action_keeps_its_context(
    hass: HomeAssistant, mixed_building: Any, hass_admin_user: Any
) -> None:
    entry = mixed_building
    relay = next(
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.domain == "switch"
    )
    context = Context(user_id=hass_admin_user.id)
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": relay}, blocking=True, context=context
    )
    await hass.async_block_till_done()
    state = hass.states.get(relay)
    assert state is not None
    print(
        f"relay={state.state} context_user_is_admin={state.context.user_id == hass_admin_user.id}"
    )
    assert state.state == "off"
    assert state.context.id == context.id
