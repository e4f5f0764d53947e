"""Setting up one gateway's supply control: overrides, workday source, watches, credit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..coordinator import GatewayCoordinator
from ..gateway.watch import GatewayWatch, unreachable_issue_id
from ..ledger import AsyncLedgerStore
from ..meters.reading import Medium
from .emergency_credit import EmergencyCredit
from .overrides import OverrideStore
from .watch import bypass_issue_id, not_obeying_issue_id
from .workday import CONF_WORKDAY_ENTITY, working_day_source

# What a cut meter may still count before it is taken for bypassed: a little over a resolution
# step, so a reading taken as the relay opened does not raise the alarm.
BYPASS_ALLOWANCE = {Medium.ELECTRICITY: Decimal("0.05"), Medium.WATER: Decimal("0.005")}


async def async_setup_supply_control(
    hass: HomeAssistant,
    entry: Any,
    coordinator: GatewayCoordinator,
    ledger: AsyncLedgerStore,
    clock: Callable[[], datetime] | None,
) -> OverrideStore:
    """Wire supply control into the coordinator before its first poll; return the overrides."""
    supervisor = coordinator.supervisor
    assert supervisor is not None
    issues = ir.async_get(hass)
    meters = coordinator.meters
    supervisor.watch.names = {key: (setup.name, setup.room) for key, setup in meters.items()}
    supervisor.watch.allowances = {
        key: BYPASS_ALLOWANCE[setup.medium] for key, setup in meters.items()
    }
    supervisor.watch.bypassed = {
        key for key in meters if issues.async_get_issue(DOMAIN, bypass_issue_id(key))
    }
    # Issues outlive a restart: remember them, so the first good read clears them.
    supervisor.watch.raised = {
        key for key in meters if issues.async_get_issue(DOMAIN, not_obeying_issue_id(key))
    }
    if (source := working_day_source(hass, entry.options.get(CONF_WORKDAY_ENTITY))) is not None:
        supervisor.working_day = source
    watch = GatewayWatch(hass, entry.entry_id, entry.title, clock or dt_util.utcnow)
    watch.raised = issues.async_get_issue(DOMAIN, unreachable_issue_id(entry.entry_id)) is not None
    coordinator.gateway_watch = watch
    coordinator.emergency = EmergencyCredit(hass, ledger, entry.title)
    store = OverrideStore(hass, entry.entry_id)
    saved = await store.async_load({key for key, setup in meters.items() if setup.has_supply})
    for value in (True, False):
        supervisor.set_override({key for key, on in saved.items() if on is value}, value)
    return store
