"""Service actions: the money operations a landlord (or a payment automation) calls.

Every service that moves money is admin-only when a person calls it, carries an idempotency
key (the order id) and returns what it did. The same key with the same payload returns the
first result (``replayed: true``) and moves nothing; the same key with another payload is
refused. Bad input gets a translated error and leaves the ledger as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import probatio as vol
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_register_admin_service

from .actions.helpers import account_of as _account_of
from .actions.tariffs import async_setup_tariff_services
from .billing.errors import InvalidAmount, LedgerConflict, LedgerUnavailable, PrepaidError
from .billing.money import format_money, parse_money
from .const import DOMAIN
from .money.ledger_runtime import currency_exponent
from .money.payments import CONF_WEBHOOK_ID, Order
from .money.recharges import async_after_recharge, async_money_response

SERVICE_RECHARGE = "recharge"
SERVICE_REFUND = "refund"
SERVICE_ADJUST = "adjust_balance"
SERVICE_ORDER = "create_payment_order"
ATTR_DEVICE_ID = "device_id"
ATTR_AMOUNT = "amount"
ATTR_ORDER_ID = "order_id"
ATTR_REFUND_ID = "refund_id"
ATTR_ADJUSTMENT_ID = "adjustment_id"
ATTR_REASON = "reason"
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


REFUND_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_AMOUNT): vol.Any(cv.string, vol.Coerce(str)),
        vol.Required(ATTR_REFUND_ID): cv.string,
    }
)

ADJUST_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_AMOUNT): vol.Any(cv.string, vol.Coerce(str)),
        vol.Required(ATTR_ADJUSTMENT_ID): cv.string,
        vol.Required(ATTR_REASON): vol.All(cv.string, vol.Length(min=3, max=200)),
    }
)


ORDER_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_AMOUNT): vol.Any(cv.string, vol.Coerce(str)),
        vol.Required(ATTR_ORDER_ID): cv.string,
    }
)


def _invalid(translation_key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )


# A reused idempotency key says something different per kind of entry: an order id of a
# payment, a split of a pool and period, a fee of a period; anything else is one request.
CONFLICT_KEYS = {
    "recharge": "idempotency_conflict",
    "refund": "idempotency_conflict",
    "apportion": "apportion_conflict",
    "fee": "fee_conflict",
}


def _from_ledger(err: PrepaidError) -> HomeAssistantError:
    """Map a refused ledger operation to a translated error."""
    placeholders = {k: str(v) for k, v in err.placeholders.items()}
    translation_key = err.translation_key
    if isinstance(err, LedgerConflict):
        translation_key = CONFLICT_KEYS.get(placeholders.get("source", ""), "request_conflict")
    if isinstance(err, LedgerUnavailable):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=translation_key,
            translation_placeholders=placeholders,
        )
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )


def _amount_minor(raw: Any, exponent: int, *, signed: bool = False) -> int:
    """Return minor units of a positive amount (or a non-zero signed one) typed by a person."""
    text = str(raw).strip()
    try:
        number = Decimal(text)
    except InvalidOperation as err:
        raise _invalid("invalid_amount", value=text) from err
    if not number.is_finite() or abs(number) > MAX_RECHARGE:
        raise _invalid("invalid_amount", value=text)
    try:
        if signed and number < 0:
            return -parse_money(-number, exponent)
        return parse_money(number, exponent)
    except InvalidAmount as err:
        raise _invalid("invalid_amount", value=text) from err


def _key(raw: Any) -> str:
    key = str(raw).strip()
    if not _ORDER_ID.match(key):
        raise _invalid("invalid_order_id", value=key[:80])
    return key


async def _async_recharge(call: ServiceCall) -> ServiceResponse:
    """Credit a payment once per order id; supply comes back at once when it can."""
    hass = call.hass
    order_id = _key(call.data[ATTR_ORDER_ID])
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
    return await async_after_recharge(
        hass,
        entry,
        code,
        result,
        order_id=order_id,
        method=call.data[ATTR_METHOD],
        context=call.context,
    )


async def _async_refund(call: ServiceCall) -> ServiceResponse:
    """Pay money back to a tenant, never more than the account's positive balance."""
    key = _key(call.data[ATTR_REFUND_ID])
    entry, code = _account_of(call.hass, call.data[ATTR_DEVICE_ID])
    exponent = currency_exponent(call.hass.config.currency)
    minor = _amount_minor(call.data[ATTR_AMOUNT], exponent)
    actor = call.context.user_id or "system"
    try:
        result = await entry.runtime_data.ledger.refund(code, minor, f"refund:{key}", actor=actor)
    except PrepaidError as err:
        raise _from_ledger(err) from err
    return await async_money_response(call.hass, entry, code, result)


async def _async_adjust(call: ServiceCall) -> ServiceResponse:
    """Correct a balance up (positive) or down (negative) with a written reason."""
    key = _key(call.data[ATTR_ADJUSTMENT_ID])
    entry, code = _account_of(call.hass, call.data[ATTR_DEVICE_ID])
    exponent = currency_exponent(call.hass.config.currency)
    minor = _amount_minor(call.data[ATTR_AMOUNT], exponent, signed=True)
    actor = call.context.user_id or "system"
    try:
        result = await entry.runtime_data.ledger.adjust(
            code, minor, f"adjust:{key}", str(call.data[ATTR_REASON]).strip(), actor=actor
        )
    except PrepaidError as err:
        raise _from_ledger(err) from err
    return await async_money_response(call.hass, entry, code, result)


async def _async_create_order(call: ServiceCall) -> ServiceResponse:
    """Expect an online payment, for the payment webhook to check the notification against."""
    order_id = _key(call.data[ATTR_ORDER_ID])
    entry, code = _account_of(call.hass, call.data[ATTR_DEVICE_ID])
    exponent = currency_exponent(call.hass.config.currency)
    minor = _amount_minor(call.data[ATTR_AMOUNT], exponent)
    try:
        created = await entry.runtime_data.orders.async_expect(Order(order_id, code, minor))
    except PrepaidError as err:
        raise _from_ledger(err) from err
    return {
        "order_id": order_id,
        "account_id": code,
        "amount": str(format_money(minor, exponent)),
        "currency": call.hass.config.currency,
        "created": created,
        "webhook_path": webhook.async_generate_path(entry.data[CONF_WEBHOOK_ID]),
    }


type AdminService = tuple[
    str, Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]], vol.Schema
]


def register_admin_services(hass: HomeAssistant, services: Iterable[AdminService]) -> None:
    """Register admin-only services that answer with response data when asked."""
    for name, handler, schema in services:
        async_register_admin_service(
            hass,
            DOMAIN,
            name,
            handler,
            schema=schema,
            supports_response=SupportsResponse.OPTIONAL,
        )


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the services once (in async_setup, never per entry)."""
    async_setup_tariff_services(hass)
    register_admin_services(
        hass,
        (
            (SERVICE_RECHARGE, _async_recharge, RECHARGE_SCHEMA),
            (SERVICE_REFUND, _async_refund, REFUND_SCHEMA),
            (SERVICE_ADJUST, _async_adjust, ADJUST_SCHEMA),
            (SERVICE_ORDER, _async_create_order, ORDER_SCHEMA),
        ),
    )
