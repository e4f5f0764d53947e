"""Money services: recharge, refund, adjust a balance, expect an online payment.

Every service that moves money carries an idempotency key (the order id) and returns what it
did. The same key with the same payload returns the first result (``replayed: true``) and moves
nothing; the same key with another payload is refused. Bad input gets a translated error and
leaves the ledger as it was.
"""

from __future__ import annotations

import probatio as vol
from homeassistant.components import webhook
from homeassistant.core import ServiceCall, ServiceResponse
from homeassistant.helpers import config_validation as cv

from ..billing.money import format_money
from ..money.ledger_runtime import currency_exponent
from ..money.payments import CONF_WEBHOOK_ID, Order
from ..money.recharges import async_after_recharge, async_money_response
from .helpers import account_of, amount_minor, open_account_of, request_key, translate_errors

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


@translate_errors
async def async_recharge(call: ServiceCall) -> ServiceResponse:
    """Credit a payment once per order id; supply comes back at once when it can."""
    hass = call.hass
    order_id = request_key(call.data[ATTR_ORDER_ID])
    entry, code = open_account_of(hass, call.data[ATTR_DEVICE_ID])
    exponent = currency_exponent(hass.config.currency)
    minor = amount_minor(call.data[ATTR_AMOUNT], exponent)
    runtime = entry.runtime_data
    actor = call.context.user_id or "system"
    result = await runtime.ledger.recharge(
        code,
        minor,
        f"order:{order_id}",
        method=call.data[ATTR_METHOD],
        actor=actor,
        # The gateway's time, like its readings: a simulated building may run behind the wall.
        at=runtime.coordinator.clock(),
    )
    return await async_after_recharge(
        hass,
        entry,
        code,
        result,
        order_id=order_id,
        method=call.data[ATTR_METHOD],
        context=call.context,
    )


@translate_errors
async def async_refund(call: ServiceCall) -> ServiceResponse:
    """Pay money back to a tenant, never more than the account's positive balance."""
    key = request_key(call.data[ATTR_REFUND_ID])
    entry, code = account_of(call.hass, call.data[ATTR_DEVICE_ID])
    exponent = currency_exponent(call.hass.config.currency)
    minor = amount_minor(call.data[ATTR_AMOUNT], exponent)
    actor = call.context.user_id or "system"
    result = await entry.runtime_data.ledger.refund(
        code, minor, f"refund:{key}", actor=actor, at=entry.runtime_data.coordinator.clock()
    )
    return await async_money_response(call.hass, entry, code, result)


@translate_errors
async def async_adjust(call: ServiceCall) -> ServiceResponse:
    """Correct a balance up (positive) or down (negative) with a written reason."""
    key = request_key(call.data[ATTR_ADJUSTMENT_ID])
    entry, code = account_of(call.hass, call.data[ATTR_DEVICE_ID])
    exponent = currency_exponent(call.hass.config.currency)
    minor = amount_minor(call.data[ATTR_AMOUNT], exponent, signed=True)
    actor = call.context.user_id or "system"
    result = await entry.runtime_data.ledger.adjust(
        code,
        minor,
        f"adjust:{key}",
        str(call.data[ATTR_REASON]).strip(),
        actor=actor,
        at=entry.runtime_data.coordinator.clock(),
    )
    return await async_money_response(call.hass, entry, code, result)


@translate_errors
async def async_create_order(call: ServiceCall) -> ServiceResponse:
    """Expect an online payment, for the payment webhook to check the notification against."""
    order_id = request_key(call.data[ATTR_ORDER_ID])
    entry, code = open_account_of(call.hass, call.data[ATTR_DEVICE_ID])
    exponent = currency_exponent(call.hass.config.currency)
    minor = amount_minor(call.data[ATTR_AMOUNT], exponent)
    created = await entry.runtime_data.orders.async_expect(Order(order_id, code, minor))
    return {
        "order_id": order_id,
        "account_id": code,
        "amount": str(format_money(minor, exponent)),
        "currency": call.hass.config.currency,
        "created": created,
        "webhook_path": webhook.async_generate_path(entry.data[CONF_WEBHOOK_ID]),
    }
