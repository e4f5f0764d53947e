"""The account card's Top up: what a resident may pay with, start an order, follow it.

Every command checks, where it acts, that the user may see the account (an administrator, or a
user listed under the account's "Who may see it"); an account they may not see is answered
exactly like one that does not exist. The order's progress is pushed over the subscription
(``topup/subscribe``) the moment a notification or a query settles it: the card never polls.
"""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant.components import websocket_api
from homeassistant.components.websocket_api import const as ws_const
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.decorators import async_response, websocket_command
from homeassistant.components.websocket_api.messages import event_message
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from ..accounts.access import AccountRef, all_accounts, visible_account, visible_to
from ..accounts.setup import is_closed
from ..billing.errors import InvalidAmount, Refused
from ..billing.money import format_money, parse_money
from ..const import DOMAIN
from .addresses import public_base_url
from .ledger_runtime import currency_exponent
from .payments import Order
from .providers import limits
from .topups import signal_order

WS_TOPUP_OPTIONS = f"{DOMAIN}/topup/options"
WS_TOPUP_START = f"{DOMAIN}/topup/start"
WS_TOPUP_SUBSCRIBE = f"{DOMAIN}/topup/subscribe"
_MAX_AMOUNT_TEXT = 24


def _not_found(connection: ActiveConnection, msg_id: int) -> None:
    connection.send_error(msg_id, ws_const.ERR_NOT_FOUND, "Unknown account")


def order_data(hass: HomeAssistant, order: Order) -> dict[str, Any]:
    """Return what the card shows of an order (never the account of another resident)."""
    exponent = currency_exponent(order.currency or hass.config.currency)
    return {
        "order_id": order.order_id,
        "account_id": order.account,
        "provider": order.provider,
        "state": order.state,
        "amount": str(format_money(order.amount_minor, exponent)),
        "currency": order.currency,
        "qr": order.qr_payload,
        "url": order.pay_url,
        "expires": int(order.expires),
        "balance": None
        if order.balance_minor is None
        else str(format_money(order.balance_minor, exponent)),
    }


@websocket_command({vol.Required("type"): WS_TOPUP_OPTIONS, vol.Required("account_id"): str})
@callback
def ws_topup_options(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Answer the providers and limits of the account's gateway (none: the card hides Top up)."""
    acc = visible_account(hass, connection.user, msg["account_id"])
    if acc is None:
        _not_found(connection, msg["id"])
        return
    exponent = currency_exponent(hass.config.currency)
    low, high = limits(acc.entry.options)
    connection.send_result(
        msg["id"],
        {
            # A closed account takes no money: no provider, so the card shows no Top up.
            "providers": []
            if is_closed(acc.entry, acc.setup.code)
            else acc.entry.runtime_data.topups.providers(),
            "min": str(format_money(low, exponent)),
            "max": str(format_money(high, exponent)),
            "currency": hass.config.currency,
        },
    )


@websocket_command(
    {
        vol.Required("type"): WS_TOPUP_START,
        vol.Required("account_id"): str,
        vol.Required("provider"): str,
        vol.Required("amount"): vol.All(str, vol.Length(min=1, max=_MAX_AMOUNT_TEXT)),
    }
)
@async_response
async def ws_topup_start(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Make an order at the provider for the account; answer its QR payload or link."""
    acc = visible_account(hass, connection.user, msg["account_id"])
    if acc is None:
        _not_found(connection, msg["id"])
        return
    try:
        minor = parse_money(msg["amount"].strip(), currency_exponent(hass.config.currency))
    except InvalidAmount, ArithmeticError:
        connection.send_error(msg["id"], "invalid_amount", "Not an amount")
        return
    try:
        order = await acc.entry.runtime_data.topups.async_start(
            acc.setup.code,
            msg["provider"],
            minor,
            user_id=connection.user.id,
            base_url=public_base_url(hass),
        )
    except Refused as err:
        connection.send_error(msg["id"], err.translation_key, str(err))
        return
    connection.send_result(msg["id"], order_data(hass, order))


def _order_for(hass: HomeAssistant, accounts: dict[str, AccountRef], order_id: str) -> Any:
    for acc in accounts.values():
        order = acc.entry.runtime_data.orders.get(order_id)
        if order is not None and order.provider and order.account in accounts:
            return acc.entry, order
    return None


@websocket_command({vol.Required("type"): WS_TOPUP_SUBSCRIBE, vol.Required("order_id"): str})
@callback
def ws_topup_subscribe(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Send the order now and again at every change, until the card unsubscribes."""
    found = _order_for(hass, visible_to(connection.user, all_accounts(hass)), msg["order_id"])
    if found is None:
        connection.send_error(msg["id"], ws_const.ERR_NOT_FOUND, "Unknown order")
        return
    _, order = found
    msg_id = msg["id"]

    @callback
    def forward(changed: Order) -> None:
        connection.send_message(event_message(msg_id, order_data(hass, changed)))

    connection.subscriptions[msg_id] = async_dispatcher_connect(
        hass, signal_order(order.order_id), forward
    )
    connection.send_result(msg_id)
    forward(order)


def async_setup_topup_websocket(hass: HomeAssistant) -> None:
    """Register the Top up commands (once, from async_setup)."""
    for command in (ws_topup_options, ws_topup_start, ws_topup_subscribe):
        websocket_api.async_register_command(hass, command)
