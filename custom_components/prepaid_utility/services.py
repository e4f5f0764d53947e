"""Service actions: the money operations a landlord (or a payment automation) calls.

Every service that moves money is admin-only when a person calls it, carries an idempotency
key (the order id) and returns what it did. The same key with the same payload returns the
first result (``replayed: true``) and moves nothing; the same key with another payload is
refused. Bad input gets a translated error and leaves the ledger as it was.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service import async_register_admin_service

from .billing.errors import InvalidAmount, LedgerUnavailable, PrepaidError
from .billing.money import format_money, parse_money
from .const import DOMAIN
from .events import EVENT_RECHARGED, Recharged
from .ledger_runtime import currency_exponent

SERVICE_RECHARGE = "recharge"
ATTR_DEVICE_ID = "device_id"
ATTR_AMOUNT = "amount"
ATTR_ORDER_ID = "order_id"
ATTR_METHOD = "method"
METHODS = ("cash", "bank_transfer", "online", "other")
MAX_RECHARGE = Decimal(1_000_000)
_ORDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")

RECHARGE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_AMOUNT): vol.Any(cv.string, vol.Coerce(str)),
        vol.Required(ATTR_ORDER_ID): cv.string,
        vol.Optional(ATTR_METHOD, default="cash"): vol.In(METHODS),
    }
)


def _invalid(translation_key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )


def _from_ledger(err: PrepaidError) -> HomeAssistantError:
    """Map a refused ledger operation to a translated error."""
    placeholders = {k: str(v) for k, v in err.placeholders.items()}
    if isinstance(err, LedgerUnavailable):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=err.translation_key,
            translation_placeholders=placeholders,
        )
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=err.translation_key,
        translation_placeholders=placeholders,
    )


def _amount_minor(raw: Any, exponent: int) -> int:
    text = str(raw).strip()
    try:
        number = Decimal(text)
    except InvalidOperation as err:
        raise _invalid("invalid_amount", value=text) from err
    if not number.is_finite() or number > MAX_RECHARGE:
        raise _invalid("invalid_amount", value=text)
    try:
        return parse_money(number, exponent)
    except InvalidAmount as err:
        raise _invalid("invalid_amount", value=text) from err


def _account_of(hass: HomeAssistant, device_id: str) -> tuple[Any, str]:
    """Return (loaded entry, account code) of an account device."""
    device = dr.async_get(hass).async_get(device_id)
    if device is not None:
        for entry_id in device.config_entries:
            entry = hass.config_entries.async_get_entry(entry_id)
            if entry is None or entry.domain != DOMAIN:
                continue
            if entry.state is not ConfigEntryState.LOADED:
                raise _invalid("gateway_not_loaded", gateway=entry.title)
            accounts = entry.runtime_data.coordinator.accounts
            for domain, identifier in device.identifiers:
                code = identifier.removeprefix(f"{entry.entry_id}_")
                if domain == DOMAIN and code in accounts:
                    return entry, code
    raise _invalid("unknown_account", account=device_id)


async def _async_recharge(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    order_id = str(call.data[ATTR_ORDER_ID]).strip()
    if not _ORDER_ID.match(order_id):
        raise _invalid("invalid_order_id", value=order_id[:80])
    entry, code = _account_of(hass, call.data[ATTR_DEVICE_ID])
    exponent = currency_exponent(hass.config.currency)
    minor = _amount_minor(call.data[ATTR_AMOUNT], exponent)
    runtime = entry.runtime_data
    actor = call.context.user_id or "system"
    try:
        result = await runtime.ledger.recharge(
            code, minor, f"order:{order_id}", method=call.data[ATTR_METHOD], actor=actor
        )
    except PrepaidError as err:
        raise _from_ledger(err) from err
    balance = await runtime.coordinator.async_refresh_balances()
    account = runtime.coordinator.accounts[code]
    if not result.replayed:
        hass.bus.async_fire(
            EVENT_RECHARGED,
            Recharged(
                account_id=code,
                account_name=account.tenant,
                room=account.room,
                balance=str(format_money(balance.get(code, 0), exponent)),
                currency=hass.config.currency,
                amount=str(format_money(minor, exponent)),
                order_id=order_id,
                entry_id=str(result.entry_id),
                method=call.data[ATTR_METHOD],
            ).as_data(),
            context=call.context,
        )
    return {
        "account_id": code,
        "entry_id": result.entry_id,
        "replayed": result.replayed,
        "amount": str(format_money(result.amount, exponent)),
        "balance": str(format_money(balance.get(code, 0), exponent)),
        "currency": hass.config.currency,
    }


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the services once (in async_setup, never per entry)."""
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_RECHARGE,
        _async_recharge,
        schema=RECHARGE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
