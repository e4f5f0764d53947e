"""Prepaid Utility: prepaid electricity and water billing for a building.

Registration that must happen once per Home Assistant run (services, websocket commands, the card
bundle, the payment webhook) belongs in ``async_setup``; everything tied to one gateway belongs in
``async_setup_entry``, so that reloading an entry never registers a route twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import CONF_GATEWAY_TYPE, CONF_PRESET, DOMAIN, MODBUS_GATEWAYS, GatewayType
from .gateway import bus_config
from .meters.hub import BusConfig, BusKind, ModbusHub
from .meters.simulator.building import Building

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


@dataclass(slots=True)
class GatewayRuntime:
    """What one loaded gateway entry holds while Home Assistant runs."""

    gateway: GatewayType
    hub: ModbusHub | None  # None for gateways made of Home Assistant entities
    building: Building | None = None  # the simulator behind a simulated gateway


type PrepaidConfigEntry = ConfigEntry[GatewayRuntime]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up what is shared by every gateway entry."""
    return True


async def async_setup_entry(hass: HomeAssistant, entry: PrepaidConfigEntry) -> bool:
    """Set up one gateway: open its bus (retried by HA until it answers)."""
    gateway = GatewayType(entry.data[CONF_GATEWAY_TYPE])
    hub = None
    building = None
    if gateway is GatewayType.SIMULATED:
        # The simulated building serves real Modbus TCP on a free loopback port, so everything
        # above the socket (hub, profiles, billing) runs exactly as with a real gateway.
        building = Building.preset(entry.data[CONF_PRESET])
        endpoint = (await building.start(kind="tcp", host="127.0.0.1", port=0))[0]
        config = BusConfig(kind=BusKind.TCP, host=endpoint.host, port=endpoint.port)
        hub = ModbusHub(config, name=entry.title)
    elif gateway in MODBUS_GATEWAYS:
        hub = ModbusHub(bus_config(entry.data, entry.options), name=entry.title)
    if hub is not None and not await hub.connect():
        await hub.close()
        if building is not None:
            await building.stop()
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="gateway_unreachable",
            translation_placeholders={"gateway": hub.config.label},
        )
    entry.runtime_data = GatewayRuntime(gateway=gateway, hub=hub, building=building)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: PrepaidConfigEntry) -> bool:
    """Unload one gateway and close its bus."""
    runtime = entry.runtime_data
    if runtime.hub is not None:
        await runtime.hub.close()
    if runtime.building is not None:
        await runtime.building.stop()
    return True
