"""Moving a simulated building's clock forward (``advance_simulation``).

A simulated building added some days in the past runs that far behind the wall clock; this
action brings it forward, polling on the way, so the history of balances, cut-offs and
statistics is written by the ordinary billing, as it would have been by a real building. It
never moves a building past the wall clock, and a real gateway has no clock to move.
"""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import config_validation as cv

from ..const import CONF_GATEWAY_TYPE, DOMAIN, MAX_HISTORY_DAYS, GatewayType
from .helpers import invalid, translate_errors

SERVICE_ADVANCE_SIMULATION = "advance_simulation"
ATTR_CONFIG_ENTRY = "config_entry_id"
ATTR_HOURS = "hours"
MAX_HOURS = MAX_HISTORY_DAYS * 24

ADVANCE_SIMULATION_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY): cv.string,
        # Left out: as far as the wall clock.
        vol.Optional(ATTR_HOURS): vol.All(vol.Coerce(float), vol.Range(min=0.25, max=MAX_HOURS)),
    }
)


def _simulated_gateway(hass: HomeAssistant, entry_id: str) -> Any:
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise invalid("unknown_gateway", gateway=entry_id[:40])
    if entry.data.get(CONF_GATEWAY_TYPE) != GatewayType.SIMULATED:
        raise invalid("not_simulated", gateway=entry.title)
    if entry.state is not ConfigEntryState.LOADED:
        raise invalid("gateway_not_loaded", gateway=entry.title)
    return entry


@translate_errors
async def async_advance_simulation(call: ServiceCall) -> dict[str, Any]:
    """Move a simulated building forward by ``hours`` (or to the wall clock), polling."""
    entry = _simulated_gateway(call.hass, call.data[ATTR_CONFIG_ENTRY])
    runtime = entry.runtime_data
    building = runtime.building
    wanted = float(call.data.get(ATTR_HOURS, MAX_HOURS)) * 3600
    polls = await building.async_advance(wanted, runtime.coordinator.async_refresh)
    return {
        "polls": polls,
        "now": building.building.clock.now().isoformat(),
        "behind_hours": round(building.behind() / 3600, 2),
    }
