"""Account entities about tariffs: the chosen tariff, the time-of-use period, the price now."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.core import callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from .accounts.setup import AccountSetup
from .billing.quantity import UtilityKind
from .billing.schedule import TouPeriod
from .coordinator import GatewayCoordinator
from .entity import AccountEntity
from .tariffs.runtime import GatewayTariffs, signal_tariffs

UNITS = {UtilityKind.ELECTRICITY: "kWh", UtilityKind.WATER: "m³"}


class TariffEntity(AccountEntity):
    """An account entity about one utility's tariff; refreshed when tariffs change.

    Disabled by default: the account form and ``set_tariff`` choose tariffs, the cards show
    them, and a building of 700 tenants would otherwise carry 2,000 entities that few chart.
    """

    _key = ""
    _attr_entity_registry_enabled_default = False

    def __init__(
        self,
        coordinator: GatewayCoordinator,
        account: AccountSetup,
        tariffs: GatewayTariffs,
        kind: UtilityKind,
    ) -> None:
        """Attach the entity to the account's device."""
        key = f"{kind.value}_{self._key}"
        super().__init__(coordinator, account, key)
        self.tariffs = tariffs
        self.kind = kind
        self._attr_translation_key = key

    @property
    def available(self) -> bool:
        """Return True while the gateway runs (a tariff is known without a balance)."""
        return self.coordinator.last_update_success

    async def async_added_to_hass(self) -> None:
        """Follow tariff changes and block positions between polls."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_tariffs(self.coordinator.config_entry.entry_id), self._changed
            )
        )

    @callback
    def _changed(self) -> None:
        self.async_write_ha_state()


class PeriodSensor(TariffEntity, SensorEntity):
    """The time-of-use period in force now (flat all day on a tariff without a table)."""

    _key = "period"
    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = [p.value for p in TouPeriod]

    @property
    def native_value(self) -> str:
        """Return the period now."""
        return self.tariffs.current(self.account.code, self.kind).period.value


class UnitPriceSensor(TariffEntity, SensorEntity):
    """The price of one kWh or m³ used now (period and block included)."""

    _key = "unit_price"

    def __init__(
        self,
        coordinator: GatewayCoordinator,
        account: AccountSetup,
        tariffs: GatewayTariffs,
        kind: UtilityKind,
        currency: str,
    ) -> None:
        """Describe the sensor in currency per kWh or m³."""
        super().__init__(coordinator, account, tariffs, kind)
        self._attr_native_unit_of_measurement = f"{currency}/{UNITS[kind]}"

    @property
    def native_value(self) -> Decimal:
        """Return the unit price now, exactly (from integer micro-units)."""
        micro = self.tariffs.current(self.account.code, self.kind).unit_price_micro
        return Decimal(micro) / 1_000_000

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Name the tariff, the period and the block the price comes from."""
        now = self.tariffs.current(self.account.code, self.kind)
        return {"tariff": now.name, "period": now.period.value, "block": now.tier}


def tariff_sensors(
    coordinator: GatewayCoordinator, account: AccountSetup, tariffs: GatewayTariffs, currency: str
) -> list[SensorEntity]:
    """Return the period sensor (electricity) and a price sensor per utility of an account."""
    kinds = tariffs.account_kinds(account.code)
    sensors: list[SensorEntity] = []
    if UtilityKind.ELECTRICITY in kinds:
        sensors.append(PeriodSensor(coordinator, account, tariffs, UtilityKind.ELECTRICITY))
    sensors.extend(UnitPriceSensor(coordinator, account, tariffs, k, currency) for k in kinds)
    return sensors
