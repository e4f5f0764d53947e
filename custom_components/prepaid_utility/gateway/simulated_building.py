"""The simulated building behind a "simulated building" gateway, kept across restarts.

Its meters' counters, relays and meter-side balances are saved in Home Assistant's storage, and
on start the building continues from them, consuming the time it was down as real meters would.
Billing therefore sees one continuous building, never counters falling back to their first value.

A building may start some days in the past (``history_days``): its clock runs at real speed that
far behind the wall clock, across restarts too, until ``async_advance`` moves it forward, polling
as it goes, so that balances, cut-offs and statistics gain a history through the same billing
as every reading. It never moves past the wall clock that way: the ledger and the cards would
show the future.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..meters.simulator.building import Building, Endpoint
from ..meters.simulator.clock import SimClock

STORAGE_VERSION = 1
SAVE_DELAY_S = 60
HOUR_S = 3600.0
# One move polls at most this often (each poll reads every meter and bills): three weeks in
# one move are read every 10.5 hours, the use in between spread by the billing as after any gap.
MAX_POLLS_PER_ADVANCE = 48
# Less than this behind is "caught up": the clock runs at real speed, and the next poll comes.
MIN_MOVE_S = 60.0


class SimulatedBuilding:
    """A simulator building with a storage file."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, preset: str, history_days: int = 0
    ) -> None:
        """Prepare the building of ``preset``, ``history_days`` in the past (not serving yet)."""
        start = dt_util.utcnow() - timedelta(days=history_days) if history_days else None
        self.building = Building.preset(preset, clock=SimClock(start))
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.simulator.{entry_id}"
        )

    async def async_start(self) -> Endpoint:
        """Restore the saved state, then serve Modbus TCP on a free loopback port."""
        saved = await self._store.async_load()
        if saved:
            clock = self.building.clock
            if (at := saved.get("clock")) is not None:
                saved_clock = datetime.fromisoformat(at)
                if (wall := saved.get("wall")) is not None and saved_clock < datetime.fromisoformat(
                    wall
                ):
                    # A building behind the wall clock stays as far behind: the time it was
                    # down passes for it too. Nothing was read from the new clock yet.
                    lag = datetime.fromisoformat(wall) - saved_clock
                    clock.start, clock.speed = dt_util.utcnow() - lag, 1.0
                    clock.reset()
                else:
                    # Simulated time never runs backwards across a restart (tests and soaks move
                    # it ahead of the wall clock): readings keep increasing timestamps.
                    ahead = (saved_clock - clock.now()).total_seconds()
                    if ahead > 0:
                        clock.advance(ahead)
            self.building.restore(saved.get("meters", {}))
        return (await self.building.start(kind="tcp", host="127.0.0.1", port=0))[0]

    def behind(self) -> float:
        """Return how many seconds the building's clock is behind the wall clock (0: not)."""
        return max(0.0, (dt_util.utcnow() - self.building.clock.now()).total_seconds())

    async def async_advance(self, seconds: float, poll: Callable[[], Awaitable[None]]) -> int:
        """Move the clock ``seconds`` forward (never past the wall clock), polling on the way.

        Polls every hour, or evenly ``MAX_POLLS_PER_ADVANCE`` times over a longer move; returns
        how many polls ran.
        """
        seconds = min(seconds, self.behind())
        if seconds < MIN_MOVE_S:
            return 0
        polls = min(MAX_POLLS_PER_ADVANCE, math.ceil(seconds / HOUR_S))
        for _ in range(polls):
            self.building.clock.advance(seconds / polls)
            await poll()
        await self.async_save()
        return polls

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
        return {
            "clock": self.building.clock.now().isoformat(),
            "wall": dt_util.utcnow().isoformat(),
            "meters": self.building.snapshot(),
        }
