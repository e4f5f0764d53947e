"""The valve of a water meter (commanded, then read back)."""

from __future__ import annotations

from homeassistant.components.valve.const import ValveDeviceClass, ValveEntityFeature
from homeassistant.components.valve.entity import ValveEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import GatewayCoordinator, PrepaidConfigEntry
from .entity import MeterEntity
from .gateway.meter_factory import MeterSetup
from .meters.reading import Medium, SupplyState
from .supply_entities import async_add_supply_entities, async_switch_supply

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrepaidConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a valve for every water meter that has one."""
    await async_add_supply_entities(
        hass, entry.runtime_data.coordinator, async_add_entities, Medium.WATER, WaterValve
    )


class WaterValve(MeterEntity, ValveEntity):
    """Open: water flows. The state shown is what the meter reports back."""

    _attr_translation_key = "valve"
    _attr_device_class = ValveDeviceClass.WATER
    _attr_reports_position = False
    _attr_supported_features = ValveEntityFeature.OPEN | ValveEntityFeature.CLOSE

    def __init__(self, coordinator: GatewayCoordinator, setup: MeterSetup) -> None:
        """Describe the valve."""
        super().__init__(coordinator, setup, "valve")

    @property
    def is_closed(self) -> bool | None:
        """Return the read-back valve state (None while unknown)."""
        supply = self.status.supply
        return None if supply is SupplyState.UNKNOWN else supply is SupplyState.OFF

    async def async_open_valve(self) -> None:
        """Open the valve and read it back."""
        await async_switch_supply(self, self.coordinator, self.setup, True)

    async def async_close_valve(self) -> None:
        """Close the valve and read it back."""
        await async_switch_supply(self, self.coordinator, self.setup, False)
