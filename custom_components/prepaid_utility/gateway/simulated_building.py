"""The simulated building behind a "simulated building" gateway, kept across restarts.

Its meters' counters, relays and meter-side balances are saved in Home Assistant's storage, and
on start the building continues from them, consuming the time it was down as real meters would.
Billing therefore sees one continuous building, never counters falling back to their first value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from ..const import DOMAIN
from ..meters.simulator.building import Building, Endpoint

STORAGE_VERSION = 1
SAVE_DELAY_S = 60


class SimulatedBuilding:
    """A simulator building with a storage file."""

    def __init__(self, hass: HomeAssistant, entry_id: str, preset: str) -> None:
        """Prepare the building of ``preset`` (not serving yet)."""
        self.building = Building.preset(preset)
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.simulator.{entry_id}"
        )

    async def async_start(self) -> Endpoint:
        """Restore the saved state, then serve Modbus TCP on a free loopback port."""
        saved = await self._store.async_load()
        if saved:
            # Simulated time never runs backwards across a restart (tests and soaks move it
            # ahead of the wall clock): readings keep increasing timestamps.
            if (clock := saved.get("clock")) is not None:
                ahead = (datetime.fromisoformat(clock) - self.building.clock.now()).total_seconds()
                if ahead > 0:
                    self.building.clock.advance(ahead)
            self.building.restore(saved.get("meters", {}))
        return (await self.building.start(kind="tcp", host="127.0.0.1", port=0))[0]

    def schedule_save(self) -> None:
        """Save within a minute (and at Home Assistant's final write)."""
        self._store.async_delay_save(self._data, SAVE_DELAY_S)

    async def async_save(self) -> None:
        """Save now: the next start continues from this state and this time."""
        await self._store.async_save(self._data())

    async def async_stop(self) -> None:
        """Save now and stop serving."""
        await self.async_save()
        await self.building.stop()

    async def async_remove(self) -> None:
        """Forget the saved state (the gateway entry was deleted)."""
        await self._store.async_remove()

    def _data(self) -> dict[str, Any]:
        return {"clock": self.building.clock.now().isoformat(), "meters": self.building.snapshot()}
