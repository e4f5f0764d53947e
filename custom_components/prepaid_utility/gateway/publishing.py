"""Publishing a poll to a gateway's entities a slice per event-loop turn.

A gateway of 50 meters and 34 tenants has over 500 entities; writing all their states in one
callback, as ``DataUpdateCoordinator`` does, holds Home Assistant's event loop for 40-60 ms, and
several gateways finishing together (or a bigger gateway) stack that past 100 ms, which users see
as a sluggish UI and automations firing late. Here the listeners run ``PUBLISH_SLICE`` at a
time, one slice per loop turn, and all gateways together write at most ``WRITES_PER_TURN``
states in one turn. Every entity reads the coordinator's data when its turn comes, so a newer
publish simply starts over: the entities already written are written again with the newer
data, none is left with the older.
"""

from __future__ import annotations

import asyncio

from homeassistant.core import callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from .loop_turns import TurnBudget, turn_budget

# About 100 microseconds a state write: a slice is about 10 ms, a turn at most about 25 ms.
PUBLISH_SLICE = 100
WRITES_PER_TURN = 250
DATA_WRITES: HassKey[TurnBudget] = HassKey(f"{DOMAIN}_writes")


class SlicedPublishCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """A coordinator whose listeners are called in slices, one slice per loop turn."""

    _publishing: asyncio.Task[None] | None = None

    @callback
    def async_update_listeners(self) -> None:
        """Start publishing the current data (the first slice runs now)."""
        if self._publishing is not None and not self._publishing.done():
            self._publishing.cancel()
        keys = list(self._listeners)
        if len(keys) <= PUBLISH_SLICE:
            # As Home Assistant's own coordinator: written before this call returns.
            self._budget().spend(len(keys))
            self._publish(keys)
            return
        # A tracked task: ``hass.async_block_till_done`` waits for the last slice.
        self._publishing = self.hass.async_create_task(
            self._async_publish(keys), f"{self.name} publish", eager_start=True
        )

    async def async_set_published_data(self, data: DataT) -> None:
        """Set new data and return once every entity shows it (after a user's action)."""
        self.async_set_updated_data(data)
        # A newer publish may cancel this one; wait for whichever is the latest.
        while self._publishing is not None and not self._publishing.done():
            await asyncio.wait({self._publishing})

    def _budget(self) -> TurnBudget:
        return turn_budget(self.hass, DATA_WRITES, WRITES_PER_TURN)

    async def _async_publish(self, keys: list[int]) -> None:
        budget = self._budget()
        for start in range(0, len(keys), PUBLISH_SLICE):
            chunk = keys[start : start + PUBLISH_SLICE]
            if start:
                await asyncio.sleep(0)  # one slice per turn, and the loop's I/O in between
            await budget.async_take(len(chunk))
            self._publish(chunk)

    def _publish(self, keys: list[int]) -> None:
        for key in keys:
            # An entity removed since the publish began has unsubscribed: skip it.
            if (listener := self._listeners.get(key)) is None:
                continue
            try:
                listener[0]()
            except Exception:
                self.logger.exception("Unexpected error updating a listener of %s", self.name)

    async def async_shutdown(self) -> None:
        """Stop a publish under way, then shut down as usual."""
        if self._publishing is not None and not self._publishing.done():
            self._publishing.cancel()
        await super().async_shutdown()
