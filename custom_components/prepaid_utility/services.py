"""The one registrar of the integration's service actions (once, from ``async_setup``).

Every action is admin-only when a person calls it and answers with response data when asked.
Its schema sits beside its handler in ``actions/``; here each name is bound to both.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import probatio as vol
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.helpers.service import async_register_admin_service

from .actions import accounts, bills, fees, meters, money, simulation, statements, supply, tariffs
from .const import DOMAIN

type Handler = Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]

SERVICES: tuple[tuple[str, Handler, vol.Schema], ...] = (
    (money.SERVICE_RECHARGE, money.async_recharge, money.RECHARGE_SCHEMA),
    (money.SERVICE_REFUND, money.async_refund, money.REFUND_SCHEMA),
    (money.SERVICE_ADJUST, money.async_adjust, money.ADJUST_SCHEMA),
    (money.SERVICE_ORDER, money.async_create_order, money.ORDER_SCHEMA),
    (tariffs.SERVICE_SET_TARIFF, tariffs.async_set_tariff, tariffs.SET_TARIFF_SCHEMA),
    (tariffs.SERVICE_PUSH_TARIFF, tariffs.async_push_tariff_to_meter, tariffs.PUSH_TARIFF_SCHEMA),
    (fees.SERVICE_ADD_FEE, fees.async_add_fee, fees.ADD_FEE_SCHEMA),
    (fees.SERVICE_REMOVE_FEE, fees.async_remove_fee, fees.REMOVE_FEE_SCHEMA),
    (accounts.SERVICE_OPEN_ACCOUNT, accounts.async_open_account, accounts.OPEN_ACCOUNT_SCHEMA),
    (accounts.SERVICE_CLOSE_ACCOUNT, accounts.async_close_account, accounts.CLOSE_ACCOUNT_SCHEMA),
    (meters.SERVICE_REPLACE_METER, meters.async_replace_meter, meters.REPLACE_METER_SCHEMA),
    (bills.SERVICE_APPORTION, bills.async_apportion, bills.APPORTION_SCHEMA),
    (bills.SERVICE_GENERATE_BILLS, bills.async_generate_bills, bills.GENERATE_BILLS_SCHEMA),
    (bills.SERVICE_MARK_BILL_PAID, bills.async_mark_bill_paid, bills.MARK_BILL_PAID_SCHEMA),
    (
        statements.SERVICE_EXPORT_STATEMENT,
        statements.async_export_statement,
        statements.EXPORT_STATEMENT_SCHEMA,
    ),
    (supply.SERVICE_RELAY, supply.async_relay, supply.CONTROL_SCHEMA),
    (supply.SERVICE_VALVE, supply.async_valve, supply.CONTROL_SCHEMA),
    (supply.SERVICE_PROTECTION, supply.async_set_protection, supply.PROTECTION_SCHEMA),
    (supply.SERVICE_EMERGENCY, supply.async_grant_emergency, supply.EMERGENCY_SCHEMA),
    (
        simulation.SERVICE_ADVANCE_SIMULATION,
        simulation.async_advance_simulation,
        simulation.ADVANCE_SIMULATION_SCHEMA,
    ),
)


def async_setup_services(hass: HomeAssistant) -> None:
    """Register every service action (in async_setup, never per entry)."""
    for name, handler, schema in SERVICES:
        async_register_admin_service(
            hass,
            DOMAIN,
            name,
            handler,
            schema=schema,
            supports_response=SupportsResponse.OPTIONAL,
        )
