"""A budget of work per event-loop turn, shared by every gateway.

Slicing each gateway's work is not enough: twenty gateways that finish a poll together would
each write their first slice in the same loop turn. A budget counts what all of them did in the
current turn; whoever finds it spent waits for the next turn, when it is full again.
"""

from __future__ import annotations

import asyncio

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey


class TurnBudget:
    """Up to ``per_turn`` units of work in one event-loop turn."""

    def __init__(self, loop: asyncio.AbstractEventLoop, per_turn: int) -> None:
        """Start with a full budget."""
        self._loop, self.per_turn = loop, per_turn
        self._used, self._armed = 0, False

    def _refill(self) -> None:
        self._used, self._armed = 0, False

    def try_take(self, units: int) -> bool:
        """Count ``units`` against this turn if they fit (a fresh turn takes any amount)."""
        if not self._armed:
            # Runs at the start of the next turn, before the tasks that wait for it.
            self._loop.call_soon(self._refill)
            self._armed = True
        if self._used and self._used + units > self.per_turn:
            return False
        self._used += units
        return True

    def spend(self, units: int) -> None:
        """Count work that ran regardless of the budget (a small, synchronous publish)."""
        if not self.try_take(units):
            self._used += units

    async def async_take(self, units: int) -> None:
        """Wait for the turn in which ``units`` fit, and count them against it."""
        while True:
            if self.try_take(units):
                return
            await asyncio.sleep(0)  # the next loop turn, when the budget is full again


def turn_budget(hass: HomeAssistant, key: HassKey[TurnBudget], per_turn: int) -> TurnBudget:
    """Return Home Assistant's budget under ``key``, made on first use."""
    if (budget := hass.data.get(key)) is None:
        budget = hass.data[key] = TurnBudget(hass.loop, per_turn)
    return budget
