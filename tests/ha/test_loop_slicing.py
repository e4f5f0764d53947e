"""A gateway's entities are published, added and removed a slice per event-loop turn.

Hundreds of entities written or added in one callback hold Home Assistant's event loop for a
quarter second (issue 7's soak measures the loop; these tests pin the mechanism): between two
slices the loop must get a turn, every entity must end with the newest data, and an entity that
left meanwhile is skipped.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from datetime import timedelta
from typing import Any

import pytest
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er

from custom_components.prepaid_utility.const import DOMAIN
from custom_components.prepaid_utility.gateway.entity_pacing import ADD_SLICE, REMOVE_SLICE
from custom_components.prepaid_utility.gateway.publishing import (
    PUBLISH_SLICE,
    WRITES_PER_TURN,
    SlicedPublishCoordinator,
)

from .conftest import add_simulated_building, poll

pytestmark = pytest.mark.usefixtures("sockets")


class _Ticker:
    """Counts event-loop turns: a callback that schedules itself again for the next turn."""

    def __init__(self, hass: HomeAssistant, sample: Any = None) -> None:
        self.hass, self.sample, self.turns, self.seen = hass, sample, 0, []
        self._running = False

    @callback
    def _tick(self) -> None:
        if not self._running:
            return
        self.turns += 1
        if self.sample is not None:
            self.seen.append(self.sample())
        self.hass.loop.call_soon(self._tick)

    def start(self) -> None:
        self._running = True
        self.hass.loop.call_soon(self._tick)

    def stop(self) -> None:
        self._running = False


async def _coordinator(hass: HomeAssistant) -> SlicedPublishCoordinator[int]:
    async def update() -> int:
        return 0

    coordinator: SlicedPublishCoordinator[int] = SlicedPublishCoordinator(
        hass,
        logging.getLogger(__name__),
        config_entry=None,
        name="sliced",
        update_method=update,
        update_interval=timedelta(hours=1),
    )
    await coordinator.async_refresh()
    return coordinator


async def test_listeners_run_in_slices_with_loop_turns_between(hass: HomeAssistant) -> None:
    coordinator = await _coordinator(hass)
    listeners = 2 * PUBLISH_SLICE + 50
    order: list[object] = []
    got: dict[int, int] = {}

    def listener(i: int) -> Any:
        def update() -> None:
            order.append(i)
            got[i] = coordinator.data

        return update

    removers = [coordinator.async_add_listener(listener(i)) for i in range(listeners)]
    coordinator.async_set_updated_data(1)
    hass.loop.call_soon(order.append, "turn")  # runs at the loop's next turn
    written_at_once = len(order)
    await hass.async_block_till_done()
    turn = order.index("turn")
    print(
        f"\nlisteners={listeners} slice={PUBLISH_SLICE} written_at_once={written_at_once} "
        f"written_before_next_turn_ends={turn}"
    )
    assert written_at_once == PUBLISH_SLICE, "the first slice is written at once"
    assert 0 < turn < listeners, "the loop got a turn before the last slice"
    assert sorted(i for i in order if i != "turn") == list(range(listeners))

    # A newer publish overtakes one under way: every listener ends with the newer data.
    coordinator.async_set_updated_data(2)
    removers[listeners - 1]()  # an entity leaves while the publish is under way
    await coordinator.async_set_published_data(3)
    assert {i: v for i, v in got.items() if i != listeners - 1} == dict.fromkeys(
        range(listeners - 1), 3
    )
    assert got[listeners - 1] == 1, "a removed listener is not called"
    await coordinator.async_shutdown()


async def test_gateways_publishing_together_share_one_budget_per_turn(
    hass: HomeAssistant,
) -> None:
    coordinators = [await _coordinator(hass) for _ in range(4)]
    writes: list[int] = []
    for coordinator in coordinators:
        for _ in range(2 * PUBLISH_SLICE + 50):
            coordinator.async_add_listener(lambda: writes.append(1))
    ticker = _Ticker(hass, lambda: len(writes))
    ticker.start()
    for coordinator in coordinators:  # all four finish their poll in the same turn
        coordinator.async_set_updated_data(1)
    await hass.async_block_till_done()
    ticker.stop()
    counts = [0, *ticker.seen]
    steps = [b - a for a, b in itertools.pairwise(counts)]
    print(
        f"\ngateways=4 writes={len(writes)} max_writes_in_one_turn={max(steps)} "
        f"budget={WRITES_PER_TURN}"
    )
    assert len(writes) == 4 * (2 * PUBLISH_SLICE + 50)
    assert max(steps) <= WRITES_PER_TURN
    for coordinator in coordinators:
        await coordinator.async_shutdown()


async def test_a_small_coordinator_publishes_at_once(hass: HomeAssistant) -> None:
    coordinator = await _coordinator(hass)
    calls: list[int] = []
    for i in range(PUBLISH_SLICE):
        coordinator.async_add_listener(lambda i=i: calls.append(i))
    coordinator.async_set_updated_data(1)
    assert len(calls) == PUBLISH_SLICE, "no task, no delay: as Home Assistant's own coordinator"
    await coordinator.async_shutdown()


async def test_entities_are_added_a_slice_per_loop_turn(hass: HomeAssistant) -> None:
    registry = er.async_get(hass)

    def ours() -> int:
        return sum(1 for e in registry.entities.values() if e.platform == DOMAIN)

    ticker = _Ticker(hass, ours)
    ticker.start()
    entry = await add_simulated_building(hass, "building40")
    ticker.stop()
    counts = [0, *ticker.seen]
    steps = [b - a for a, b in itertools.pairwise(counts)]
    largest_group = max(
        sum(1 for e in registry.entities.values() if e.config_subentry_id == sub)
        for sub in entry.subentries
    )
    print(
        f"\nentities={ours()} loop_turns={ticker.turns} max_added_in_one_turn={max(steps)} "
        f"slice={ADD_SLICE}"
    )
    assert ours() > 4 * ADD_SLICE
    # All platforms share one budget per loop turn; a group bigger than it has a turn alone.
    assert max(steps) < ADD_SLICE + largest_group

    # A poll is published in slices too, and the entities all show it when it is done.
    entities = [
        e.entity_id
        for e in registry.entities.values()
        if e.platform == DOMAIN and hass.states.get(e.entity_id) is not None
    ]

    def reported(entity_id: str) -> Any:
        state = hass.states.get(entity_id)
        assert state is not None
        return state.last_reported

    before = {e: reported(e) for e in entities}
    await asyncio.sleep(0.01)
    await poll(hass, entry)
    stale = [e for e in entities if reported(e) == before[e]]
    assert not stale, stale[:5]

    # Unloading removes them a slice per turn too (each left as "unavailable", restored).
    def removed() -> int:
        return sum(
            1
            for e in entities
            if (state := hass.states.get(e)) is not None and state.attributes.get("restored")
        )

    ticker = _Ticker(hass, removed)
    ticker.start()
    assert await hass.config_entries.async_unload(entry.entry_id)
    ticker.stop()
    counts = [0, *ticker.seen]
    steps = [b - a for a, b in itertools.pairwise(counts)]
    print(f"removed={removed()} max_removed_in_one_turn={max(steps)} slice={REMOVE_SLICE}")
    assert removed() == len(entities)
    assert max(steps) <= REMOVE_SLICE
