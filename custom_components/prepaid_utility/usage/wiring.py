"""Give a gateway's coordinator its usage figures, statistics and meter-side balance checks."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ..coordinator import GatewayCoordinator
from ..ledger import AsyncLedgerStore
from ..meters.reading import Medium
from ..money.meter_balance_check import MeterBalanceCheck
from .statistics import UsageStatistics
from .tracker import UsageTracker


def account_kinds(coordinator: GatewayCoordinator) -> dict[str, tuple[str, ...]]:
    """Return the utilities (electricity first) each account of the gateway has meters for."""
    return {
        code: tuple(
            medium.value
            for medium in Medium
            if any(
                coordinator.meters[m].medium is medium
                for m in setup.meters
                if m in coordinator.meters
            )
        )
        for code, setup in coordinator.accounts.items()
    }


async def async_attach_usage(
    hass: HomeAssistant,
    entry: ConfigEntry,
    coordinator: GatewayCoordinator,
    ledger: AsyncLedgerStore,
    exponent: int,
) -> None:
    """Build the trackers (before the first poll: they must know each meter's last reading)."""
    coordinator.usage = UsageTracker(ledger, str(hass.config.time_zone), coordinator.accounts)
    coordinator.statistics = UsageStatistics(
        hass, ledger, coordinator.accounts, account_kinds(coordinator), hass.config.currency
    )
    coordinator.meter_balances = MeterBalanceCheck(
        hass, entry, coordinator.accounts, coordinator.meters, exponent
    )
    await coordinator.usage.async_prepare()
