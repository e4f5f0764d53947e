"""Diagnostics download: what a maintainer needs to see a gateway's health, nothing private."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_HOST, CONF_NAME
from homeassistant.core import HomeAssistant

from .const import CONF_LEDGER_URL, CONF_ROOM, CONF_SERIAL_PORT
from .coordinator import PrepaidConfigEntry
from .money.payments import CONF_WEBHOOK_ID, CONF_WEBHOOK_SECRET
from .money.providers import CONF_PAYMENTS

# Addresses locate a building; names and rooms can name tenants.
TO_REDACT = {
    CONF_HOST,
    CONF_SERIAL_PORT,
    CONF_NAME,
    CONF_ROOM,
    "title",
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PrepaidConfigEntry
) -> dict[str, Any]:
    """Return the gateway's settings, bus statistics and each meter's last word."""
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    hub = runtime.hub
    meters: dict[str, Any] = {}
    for key, setup in coordinator.meters.items():
        status = coordinator.data.meters.get(key)
        reading = status.reading if status else None
        meters[key] = {
            "model": setup.model,
            "medium": setup.medium.value,
            "online": status.online if status else None,
            "error": status.error if status else None,
            "last_seen": status.last_seen.isoformat() if status and status.last_seen else None,
            "supply": status.supply.value if status else None,
            "total": str(reading.total) if reading else None,
            "flags": sorted(reading.flags) if reading else [],
        }
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": _options(entry.options),
            "meters": [
                {
                    "subentry_id": sub.subentry_id,
                    "unique_id": sub.unique_id,
                    "data": async_redact_data(dict(sub.data), TO_REDACT),
                }
                for sub in entry.subentries.values()
            ],
        },
        "bus": {
            "connected": hub.connected,
            "stats": asdict(hub.stats),
            "gap_s": hub.config.gap,
            "timeout_s": hub.config.timeout,
        }
        if hub is not None
        else None,
        "last_update_success": coordinator.last_update_success,
        "meters": meters,
    }


def _options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Return the options with the ledger server's URL (host, user, password) redacted."""
    shown = dict(options)
    if shown.get(CONF_LEDGER_URL):
        shown[CONF_LEDGER_URL] = f"postgresql://{REDACTED}"
    if isinstance(shown.get(CONF_PAYMENTS), Mapping):
        # Keys, secrets, and ids that name the landlord's merchant account: which fields are
        # filled is all a maintainer needs.
        shown[CONF_PAYMENTS] = {
            name: dict.fromkeys(value, REDACTED) if isinstance(value, Mapping) else value
            for name, value in shown[CONF_PAYMENTS].items()
        }
    return shown
