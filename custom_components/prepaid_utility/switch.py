"""The relay of an electricity meter as a switch (written, then read back)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.components.switch.const import SwitchDeviceClass
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
    """Add a relay switch for every electricity meter that has one."""
    await async_add_supply_entities(
        hass, entry.runtime_data.coordinator, async_add_entities, Medium.ELECTRICITY, RelaySwitch
    )


class RelaySwitch(MeterEntity, SwitchEntity):
    """On: supply connected. The state shown is what the meter reports back."""

    _attr_translation_key = "relay"
    _attr_device_class = SwitchDeviceClass.SWITCH

    def __init__(self, coordinator: GatewayCoordinator, setup: MeterSetup) -> None:
        """Describe the switch."""
        super().__init__(coordinator, setup, "relay")

    @property
    def is_on(self) -> bool | None:
        """Return the read-back relay state (None while unknown)."""
        supply = self.status.supply
        return None if supply is SupplyState.UNKNOWN else supply is SupplyState.ON

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Close the relay and read it back."""
        await async_switch_supply(self, self.coordinator, self.setup, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Open the relay and read it back."""
        await async_switch_supply(self, self.coordinator, self.setup, False)
