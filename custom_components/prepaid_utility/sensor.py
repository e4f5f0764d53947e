"""Meter sensors: counters for the Energy dashboard, and live electrical and water values."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfVolume,
    UnitOfVolumeFlowRate,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .accounts.setup import AccountSetup
from .billing.money import format_money
from .billing.policy import AlarmLevel
from .coordinator import GatewayCoordinator, PrepaidConfigEntry
from .entity import AccountEntity, GatewayEntity, MeterEntity, gateway_identifier
from .gateway.entity_pacing import (
    async_add_by_subentry,
    async_add_to_gateway,
    async_pace_removal,
)
from .gateway.meter_factory import MeterSetup
from .meters.reading import Medium, MeterReading
from .money.ledger_runtime import currency_exponent
from .tariff_entities import tariff_sensors
from .usage_sensor import usage_sensors

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MeterSensorDescription(SensorEntityDescription):
    """A meter sensor: which reading field feeds it and for which medium it exists."""

    field: str
    value_fn: Callable[[MeterReading], Decimal | int | None]
    medium: Medium | None = None  # None: any meter that reports the field
    currency: bool = False


# Values that change on every poll but few people chart (voltage, current, flow rate) and the
# top-up counter start disabled: each enabled entity is a state write per poll, a recorder row
# and about 60 objects Python's collector walks, times every meter of a building.
SENSORS: tuple[MeterSensorDescription, ...] = (
    MeterSensorDescription(
        key="energy",
        translation_key="energy",
        field="total",
        medium=Medium.ELECTRICITY,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda r: r.total,
    ),
    MeterSensorDescription(
        key="water",
        translation_key="water",
        field="total",
        medium=Medium.WATER,
        device_class=SensorDeviceClass.WATER,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfVolume.CUBIC_METERS,
        suggested_display_precision=3,
        value_fn=lambda r: r.total,
    ),
    MeterSensorDescription(
        key="power",
        translation_key="power",
        field="power_kw",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=3,
        value_fn=lambda r: r.power_kw,
    ),
    MeterSensorDescription(
        key="voltage",
        translation_key="voltage",
        field="voltage_v",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=lambda r: r.voltage_v,
    ),
    MeterSensorDescription(
        key="current",
        translation_key="current",
        field="current_a",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        value_fn=lambda r: r.current_a,
    ),
    MeterSensorDescription(
        key="power_factor",
        translation_key="power_factor",
        field="power_factor",
        device_class=SensorDeviceClass.POWER_FACTOR,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        suggested_display_precision=3,
        value_fn=lambda r: r.power_factor,
    ),
    MeterSensorDescription(
        key="flow_rate",
        translation_key="flow_rate",
        field="flow_rate",
        device_class=SensorDeviceClass.VOLUME_FLOW_RATE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfVolumeFlowRate.CUBIC_METERS_PER_HOUR,
        suggested_display_precision=3,
        entity_registry_enabled_default=False,
        value_fn=lambda r: r.flow_rate,
    ),
    MeterSensorDescription(
        key="meter_balance",
        translation_key="meter_balance",
        field="meter_balance",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        currency=True,
        entity_registry_enabled_default=False,
        value_fn=lambda r: r.meter_balance,
    ),
    MeterSensorDescription(
        key="purchase_count",
        translation_key="purchase_count",
        field="purchase_count",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda r: r.purchase_count,
    ),
    MeterSensorDescription(
        key="remaining_volume",
        translation_key="remaining_volume",
        field="remaining_volume",
        device_class=SensorDeviceClass.WATER,
        # What is left of a prepaid volume rises on a top-up and falls with use: a "total"
        # like the meter's own balance (HA refuses "measurement" for water volumes).
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement=UnitOfVolume.CUBIC_METERS,
        suggested_display_precision=3,
        entity_registry_enabled_default=False,
        value_fn=lambda r: r.remaining_volume,
    ),
    MeterSensorDescription(
        key="battery_voltage",
        translation_key="battery_voltage",
        field="battery_v",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=2,
        value_fn=lambda r: r.battery_v,
    ),
)


def descriptions_for(setup: MeterSetup) -> list[MeterSensorDescription]:
    """Return the sensors a meter really feeds."""
    return [
        d
        for d in SENSORS
        if d.field in setup.fields and (d.medium is None or d.medium is setup.medium)
    ]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrepaidConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every meter and every account of this gateway."""
    coordinator = entry.runtime_data.coordinator
    currency = hass.config.currency
    exponent = currency_exponent(currency)
    tariffs = entry.runtime_data.tariffs

    await async_add_to_gateway(hass, async_add_entities, [DriverSensor(coordinator)])

    def groups() -> Iterator[tuple[str, list[SensorEntity]]]:
        for setup in coordinator.meters.values():
            yield (
                setup.subentry_id,
                [MeterSensor(coordinator, setup, d, currency) for d in descriptions_for(setup)],
            )
        for account in coordinator.accounts.values():
            sensors: list[SensorEntity] = [
                BalanceSensor(coordinator, account, currency, exponent),
                AlarmLevelSensor(coordinator, account),
                *usage_sensors(coordinator, account, currency, exponent),
            ]
            if tariffs is not None:
                sensors.extend(tariff_sensors(coordinator, account, tariffs, currency))
            yield account.code, sensors

    await async_add_by_subentry(hass, async_add_entities, groups())


class MeterSensor(MeterEntity, SensorEntity):
    """One value of one meter."""

    entity_description: MeterSensorDescription

    def __init__(
        self,
        coordinator: GatewayCoordinator,
        setup: MeterSetup,
        description: MeterSensorDescription,
        currency: str,
    ) -> None:
        """Describe the sensor."""
        super().__init__(coordinator, setup, description.key)
        self.entity_description = description
        if description.currency:
            self._attr_native_unit_of_measurement = currency

    @property
    def native_value(self) -> Decimal | int | None:
        """Return the value from the latest reading (None, not 0, when there is none)."""
        reading = self.status.reading
        return None if reading is None else self.entity_description.value_fn(reading)


class BalanceSensor(AccountEntity, SensorEntity):
    """The account's balance: what the tenant has left (negative: owes)."""

    _attr_translation_key = "balance"
    _attr_device_class = SensorDeviceClass.MONETARY
    _attr_state_class = SensorStateClass.TOTAL

    def __init__(
        self, coordinator: GatewayCoordinator, account: AccountSetup, currency: str, exponent: int
    ) -> None:
        """Describe the sensor in the configured currency."""
        super().__init__(coordinator, account, "balance")
        self._exponent = exponent
        self._attr_native_unit_of_measurement = currency
        self._attr_suggested_display_precision = exponent

    @property
    def native_value(self) -> Decimal | None:
        """Return the balance in currency units, exactly (from integer minor units)."""
        minor = self.coordinator.data.balances.get(self.account.code)
        return None if minor is None else format_money(minor, self._exponent)


class AlarmLevelSensor(AccountEntity, SensorEntity):
    """The account's fee state: normal, three low levels, arrears, cut off."""

    _attr_translation_key = "alarm_level"
    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = [level.value for level in AlarmLevel]

    def __init__(self, coordinator: GatewayCoordinator, account: AccountSetup) -> None:
        """Describe the sensor."""
        super().__init__(coordinator, account, "alarm_level")

    @property
    def native_value(self) -> str | None:
        """Return the level of the last review."""
        state = self.coordinator.data.accounts.get(self.account.code)
        return None if state is None else state.level.value

    @property
    def extra_state_attributes(self) -> dict[str, str | None]:
        """Say why a due cut is held, and until when a cut warning runs."""
        state = self.coordinator.data.accounts.get(self.account.code)
        if state is None:
            return {}
        return {
            "hold": state.hold,
            "cut_at": state.warned_until.isoformat() if state.warned_until else None,
        }


class DriverSensor(GatewayEntity, SensorEntity):
    """Which Home Assistant drives the gateway (polls, bills, switches) on a shared ledger."""

    _attr_has_entity_name = True
    _attr_translation_key = "driven_by"
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: GatewayCoordinator) -> None:
        """Put the sensor on the gateway's device."""
        super().__init__(coordinator)
        entry_id = coordinator.config_entry.entry_id
        self._attr_unique_id = f"{entry_id}_driven_by"
        self._attr_device_info = DeviceInfo(identifiers={gateway_identifier(entry_id)})

    async def async_will_remove_from_hass(self) -> None:
        """Take a turn in the removal budget, like every other entity of the gateway."""
        await super().async_will_remove_from_hass()
        await async_pace_removal(self.hass)

    @property
    def available(self) -> bool:
        """Stay available while standing by: saying who drives is the point."""
        return self.coordinator.data is not None and self.coordinator.data.driver is not None

    @property
    def native_value(self) -> str | None:
        """Return the name of the instance holding the gateway's lease."""
        return self.coordinator.data.driver

    @property
    def extra_state_attributes(self) -> dict[str, bool]:
        """Say whether this instance only stands by."""
        return {"standby": self.coordinator.data.standby}
