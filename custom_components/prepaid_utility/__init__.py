"""Prepaid Utility: prepaid electricity and water billing for a building.

Registration that must happen once per Home Assistant run (services, websocket commands, the card
bundle, the payment webhook) belongs in ``async_setup``; everything tied to one gateway belongs in
``async_setup_entry``, so that reloading an entry never registers a route twice.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up what is shared by every gateway entry."""
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Set up one gateway (a config entry)."""
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Unload one gateway."""
    return True
