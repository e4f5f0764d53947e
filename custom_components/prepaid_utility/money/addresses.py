"""The addresses a payment provider is given: where it notifies, where a payer returns."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.network import NoURLAvailableError, get_url

URL = "/api/prepaid_utility/pay/{entry_id}/{provider}"


def public_base_url(hass: HomeAssistant) -> str:
    """Return the address the internet reaches this Home Assistant at ('' when none is set).

    Home Assistant Cloud's remote address first, then the external URL; without either the
    internal one (notifications then cannot arrive, and the order queries complete payments).
    """
    for external in (True, False):
        try:
            return get_url(hass, allow_internal=not external, prefer_cloud=True)
        except NoURLAvailableError:
            continue
    return ""


def notification_url(base: str, entry_id: str, provider: str) -> str:
    """Return the address a provider is given for one gateway's notifications."""
    return base + URL.format(entry_id=entry_id, provider=provider)
