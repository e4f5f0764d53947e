"""Meter binary sensors: is the meter answering, and does it report a fault."""

from __future__ import annotations

from collections.abc import Iterator

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .accounts.setup import AccountSetup
from .coordinator import GatewayCoordinator, PrepaidConfigEntry
from .entity import AccountEntity, MeterEntity
from .gateway.entity_pacing import async_add_by_subentry
from .gateway.meter_factory import MeterSetup
from .meters.reading import MeterFlag

PARALLEL_UPDATES = 0

ONLINE = BinarySensorEntityDescription(
    key="online",
    translation_key="online",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)
FAULT = BinarySensorEntityDescription(
    key="fault",
    translation_key="fault",
    device_class=BinarySensorDeviceClass.PROBLEM,
    entity_category=EntityCategory.DIAGNOSTIC,
)

# Flags that mean the meter itself needs a look (alarm and arrears bits are billing states).
_FAULT_FLAGS = frozenset({MeterFlag.FAULT, MeterFlag.VALVE_FAULT, MeterFlag.LOW_BATTERY})


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrepaidConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every meter."""
    coordinator = entry.runtime_data.coordinator

    def groups() -> Iterator[tuple[str, list[BinarySensorEntity]]]:
        for setup in coordinator.meters.values():
            entities: list[BinarySensorEntity] = [OnlineSensor(coordinator, setup)]
            if setup.has_flags:
                entities.append(FaultSensor(coordinator, setup))
            yield setup.subentry_id, entities
        for account in coordinator.accounts.values():
            yield account.code, [SupplySensor(coordinator, account)]

    await async_add_by_subentry(hass, async_add_entities, groups())


class OnlineSensor(MeterEntity, BinarySensorEntity):
    """On while the meter answers; stays available so "offline" can be seen."""

    def __init__(self, coordinator: GatewayCoordinator, setup: MeterSetup) -> None:
        """Describe the sensor."""
        super().__init__(coordinator, setup, ONLINE.key)
        self.entity_description = ONLINE

    @property
    def available(self) -> bool:
        """Return True while the gateway's data is current, whatever this meter does."""
        return self.coordinator.last_update_success

    @property
    def is_on(self) -> bool:
        """Return True when the last read of this meter succeeded."""
        return self.status.online


class FaultSensor(MeterEntity, BinarySensorEntity):
    """On when the meter reports a fault, a valve fault or a low battery."""

    def __init__(self, coordinator: GatewayCoordinator, setup: MeterSetup) -> None:
        """Describe the sensor."""
        super().__init__(coordinator, setup, FAULT.key)
        self.entity_description = FAULT

    @property
    def is_on(self) -> bool | None:
        """Return True when a fault flag is set."""
        reading = self.status.reading
        return None if reading is None else bool(reading.flags & _FAULT_FLAGS)

    @property
    def extra_state_attributes(self) -> dict[str, list[str]]:
        """List every flag the meter reports, faults and alarms alike."""
        reading = self.status.reading
        return {"flags": sorted(reading.flags) if reading else []}


class SupplySensor(AccountEntity, BinarySensorEntity):
    """On while the account's supply should be on (what the relays are being driven to)."""

    _attr_translation_key = "supply"
    _attr_device_class = BinarySensorDeviceClass.POWER

    def __init__(self, coordinator: GatewayCoordinator, account: AccountSetup) -> None:
        """Describe the sensor."""
        super().__init__(coordinator, account, "supply")

    @property
    def is_on(self) -> bool | None:
        """Return the desired supply state of the account."""
        state = self.coordinator.data.accounts.get(self.account.code)
        return None if state is None else state.supply_on
