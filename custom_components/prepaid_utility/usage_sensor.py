"""Account sensors for usage and cost today and this month, and the days a balance lasts.

State class: ``total`` with ``last_reset`` (local midnight, the first of the month), not
``total_increasing``. Home Assistant allows only ``total`` for monetary sensors, and for usage the
reset instant is known exactly, so we say it instead of letting the recorder guess a reset from
a falling value. Statistics compiled from these sensors (and the Energy dashboard fed by them)
therefore restart each day or month at the right moment. For hour-exact history, including the
hours a meter reports late after an outage, the integration also imports external statistics
(see ``usage_statistics``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.const import UnitOfEnergy, UnitOfTime, UnitOfVolume

from .accounts.setup import AccountSetup
from .coordinator import GatewayCoordinator
from .entity import AccountEntity
from .meters.reading import Medium
from .usage.tracker import NANO_DECIMALS, AccountUsage, days_left, plain

TODAY = "today"
MONTH = "month"

_USAGE_CLASS = {
    Medium.ELECTRICITY: (SensorDeviceClass.ENERGY, UnitOfEnergy.KILO_WATT_HOUR, 2),
    Medium.WATER: (SensorDeviceClass.WATER, UnitOfVolume.CUBIC_METERS, 3),
}


def usage_sensors(
    coordinator: GatewayCoordinator, account: AccountSetup, currency: str, exponent: int
) -> list[SensorEntity]:
    """Return the usage, cost and days-left sensors of one account."""
    media = [
        medium
        for medium in Medium
        if any(
            coordinator.meters[m].medium is medium
            for m in account.meters
            if m in coordinator.meters
        )
    ]
    sensors: list[SensorEntity] = [
        UsageSensor(coordinator, account, medium, period)
        for medium in media
        for period in (TODAY, MONTH)
    ]
    sensors += [
        CostSensor(coordinator, account, period, currency, exponent) for period in (TODAY, MONTH)
    ]
    sensors.append(DaysLeftSensor(coordinator, account, exponent))
    return sensors


class _PeriodSensor(AccountEntity, SensorEntity):
    """A figure that starts again at local midnight or on the first of the month.

    Today's figures are disabled by default: the month's figures and the hourly statistics
    hold the same history, and every enabled account entity costs memory and a state write per
    poll times every tenant of the building.
    """

    _attr_state_class = SensorStateClass.TOTAL
    period: str

    @property
    def figures(self) -> AccountUsage | None:
        """Return the account's figures of the latest cycle (None before the first)."""
        return self.coordinator.data.usage.get(self.account.code)

    @property
    def last_reset(self) -> datetime | None:
        """Return the start of the day or month the value counts from."""
        figures = self.figures
        if figures is None:
            return None
        return figures.day_start if self.period == TODAY else figures.month_start


class UsageSensor(_PeriodSensor):
    """kWh or m³ the account used today or this month."""

    def __init__(
        self, coordinator: GatewayCoordinator, account: AccountSetup, medium: Medium, period: str
    ) -> None:
        """Describe the sensor of one utility and period."""
        key = f"{medium.value}_{period}"
        super().__init__(coordinator, account, key)
        self.medium = medium
        self.period = period
        self._attr_translation_key = key
        self._attr_entity_registry_enabled_default = period != TODAY
        device_class, unit, precision = _USAGE_CLASS[medium]
        self._attr_device_class = device_class
        self._attr_native_unit_of_measurement = unit
        self._attr_suggested_display_precision = precision

    @property
    def native_value(self) -> Decimal | None:
        """Return the quantity exactly (the ledger counts milli-units)."""
        figures = self.figures
        if figures is None:
            return None
        source = figures.today_milli if self.period == TODAY else figures.month_milli
        return plain(Decimal(source.get(self.medium.value, 0)).scaleb(-3))


class CostSensor(_PeriodSensor):
    """What the account's usage cost today or this month."""

    _attr_device_class = SensorDeviceClass.MONETARY

    def __init__(
        self,
        coordinator: GatewayCoordinator,
        account: AccountSetup,
        period: str,
        currency: str,
        exponent: int,
    ) -> None:
        """Describe the sensor in the configured currency."""
        key = f"cost_{period}"
        super().__init__(coordinator, account, key)
        self.period = period
        self._attr_translation_key = key
        self._attr_entity_registry_enabled_default = period != TODAY
        self._attr_native_unit_of_measurement = currency
        self._attr_suggested_display_precision = exponent

    @property
    def native_value(self) -> Decimal | None:
        """Return the exact cost at the prices in force (see ``usage``)."""
        figures = self.figures
        if figures is None:
            return None
        nano = figures.today_nano if self.period == TODAY else figures.month_nano
        return plain(Decimal(nano).scaleb(-NANO_DECIMALS))


class DaysLeftSensor(AccountEntity, SensorEntity):
    """How many days the balance lasts at the average daily cost of the last week."""

    _attr_translation_key = "days_left"
    _attr_device_class = SensorDeviceClass.DURATION
    _attr_native_unit_of_measurement = UnitOfTime.DAYS
    _attr_suggested_display_precision = 1

    def __init__(
        self, coordinator: GatewayCoordinator, account: AccountSetup, exponent: int
    ) -> None:
        """Describe the sensor."""
        super().__init__(coordinator, account, "days_left")
        self._exponent = exponent

    @property
    def native_value(self) -> Decimal | None:
        """Return the days left; 0 once the money is used up, unknown without recent usage."""
        balance = self.coordinator.data.balances.get(self.account.code)
        figures = self.coordinator.data.usage.get(self.account.code)
        if balance is None or figures is None:
            return None
        return days_left(balance, figures.daily_nano, self._exponent)

    @property
    def extra_state_attributes(self) -> dict[str, str | None]:
        """Say which daily cost the estimate assumes."""
        figures = self.coordinator.data.usage.get(self.account.code)
        daily = None if figures is None or figures.daily_nano is None else figures.daily_nano
        return {
            "daily_cost": None
            if daily is None
            else str(round(Decimal(daily).scaleb(-NANO_DECIMALS), self._exponent))
        }
