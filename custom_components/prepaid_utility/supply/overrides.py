"""Manual supply overrides of one gateway, kept in Home Assistant's storage.

A landlord who forces a relay off (or on) means it until they say "auto" again, also across a
restart: the overrides are saved at once, and at start every overridden meter is queued to be
checked, so a restart between the command and the meter's confirmation still converges.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from ..const import DOMAIN

STORAGE_VERSION = 1


class OverrideStore:
    """Meter key -> forced on (True) or off (False), saved per gateway entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Use the storage file of gateway ``entry_id``."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.overrides.{entry_id}"
        )

    async def async_load(self, known: set[str]) -> dict[str, bool]:
        """Return the saved overrides of meters the gateway still has."""
        saved = await self._store.async_load() or {}
        meters = saved.get("meters", {})
        return {key: value == "on" for key, value in meters.items() if key in known}

    async def async_save(self, overrides: Mapping[str, bool]) -> None:
        """Save now: an override must survive a crash right after the call."""
        await self._store.async_save(
            {"meters": {key: "on" if on else "off" for key, on in sorted(overrides.items())}}
        )

    async def async_remove(self) -> None:
        """Forget the overrides (the gateway entry was deleted)."""
        await self._store.async_remove()
