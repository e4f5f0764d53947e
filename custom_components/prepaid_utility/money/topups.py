"""A resident's top-up through a payment provider, from the order to the credit.

One gateway's :class:`TopUps` makes orders at the providers, settles what a provider says about
them (a notification or the answer to a query: :meth:`TopUps.async_settle` is the one path to
money for both) and keeps asking the provider about pending orders, so a payment completes even
when notifications cannot reach Home Assistant. Every change of an order is announced on the
dispatcher (``signal_order``), which the card's websocket subscription forwards.

The credit is a ``recharge`` keyed by the provider's payment id (``wechat:<transaction_id>``,
``alipay:<trade_no>``, ``stripe:<session id>``): a provider's retries, duplicates, the query and
the notification of one payment all credit it once.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import replace
from datetime import timedelta
from enum import StrEnum
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval

from ..accounts.setup import is_closed
from ..billing.errors import AccountClosedError, LedgerConflict, Refused
from ..const import DOMAIN
from ..payments import stripe
from ..payments.orders import ExpectedOrder, OrderMismatch, check_payment
from ..payments.provider import Payment, PaymentState
from . import provider_http
from .addresses import notification_url
from .payments import Order, OrderState, PaymentOrders
from .providers import configured, credentials, limits
from .recharges import async_after_recharge

_LOGGER = logging.getLogger(__name__)

# How long a resident has to pay (Stripe refuses a Checkout Session shorter than 30 minutes).
ORDER_TTL_S = {"wechat": 15 * 60, "alipay": 15 * 60, stripe.PROVIDER: 30 * 60}
# A pending order is asked about this often; tests shorten it.
QUERY_INTERVAL = timedelta(seconds=20)
# After it expires, an order is asked about for this long (a payment made in the last second
# may take a while to be confirmed) before it is given up as expired.
EXPIRY_GRACE_S = 10 * 60
MAX_PENDING_PER_ACCOUNT = 5
CNY_ONLY = frozenset({"wechat", "alipay"})  # Native and precreate charge in yuan
# ".invalid" never resolves (RFC 2606): a notification address for a Home Assistant without one.
_NO_PUBLIC_ADDRESS = "https://home-assistant.invalid"
_NO_RETURN_URL = "https://www.home-assistant.io/"


def signal_order(order_id: str) -> str:
    """Return the dispatcher signal of one order's changes."""
    return f"{DOMAIN}_order_{order_id}"


class Outcome(StrEnum):
    """What settling a provider's word did (stable: the notification views log these)."""

    CREDITED = "credited"
    DUPLICATE = "duplicate"
    NOTED = "noted"  # a state change that moves no money (pending, closed)


class SettleRefused(Exception):
    """A verified payment that still credits nothing."""

    def __init__(self, reason: OrderMismatch | str) -> None:
        """Keep the stable reason."""
        super().__init__(str(reason))
        self.reason = str(reason)


class TopUps:
    """The provider orders of one gateway."""

    def __init__(self, hass: HomeAssistant, entry: Any, orders: PaymentOrders) -> None:
        """Bind to the gateway and its order book."""
        self.hass = hass
        self.entry = entry
        self.orders = orders
        self._lock = asyncio.Lock()
        self._unsub: CALLBACK_TYPE | None = None
        self._checking = False

    # -- what a resident may do -----------------------------------------------------------

    def providers(self) -> list[str]:
        """Return the providers a resident can pay with on this gateway."""
        cny = self.hass.config.currency.upper() == "CNY"
        return [p for p in configured(self.entry.options) if cny or p not in CNY_ONLY]

    async def async_start(
        self, account: str, provider: str, amount_minor: int, *, user_id: str, base_url: str
    ) -> Order:
        """Make an order at the provider; raise Refused with a translation key."""
        if provider not in self.providers():
            raise Refused("topup_provider_unavailable", provider=provider)
        if is_closed(self.entry, account):
            raise Refused("account_closed_topup")
        low, high = limits(self.entry.options)
        if not low <= amount_minor <= high:
            raise Refused("topup_out_of_range")
        pending = [
            o
            for o in self.orders.all()
            if o.account == account and o.provider and o.state == OrderState.PENDING
        ]
        if len(pending) >= MAX_PENDING_PER_ACCOUNT:
            raise Refused("topup_too_many")
        creds = credentials(self.entry.options, provider)
        assert creds is not None  # providers() lists configured ones only
        now = time.time()
        order = Order(
            order_id=f"PU{int(now)}{secrets.token_hex(6).upper()}",
            account=account,
            amount_minor=amount_minor,
            provider=provider,
            currency=self.hass.config.currency.upper(),
            created=now,
            expires=now + ORDER_TTL_S[provider],
            user_id=user_id,
        )
        # Saved before the provider hears of it: a payment for an order we forgot is lost.
        await self.orders.async_put(order)
        try:
            made = await provider_http.async_create(
                self.hass,
                creds,
                order,
                subject=self._subject(account),
                notify_url=self._notify_url(base_url, provider),
                return_url=base_url if base_url.startswith("https://") else _NO_RETURN_URL,
            )
        except Exception as err:  # any failure: the resident is told, not stuck
            _LOGGER.warning("Order %s not created at %s: %s", order.order_id, provider, err)
            await self._change(replace(order, state=OrderState.FAILED))
            raise Refused("topup_provider_failed", provider=provider) from err
        order = replace(
            order,
            qr_payload=made.qr_payload,
            pay_url=made.pay_url,
            provider_ref=made.provider_ref,
        )
        await self._change(order)
        return order

    def _notify_url(self, base_url: str, provider: str) -> str:
        """Return where the provider should notify; without HTTPS, nowhere the provider reaches.

        Providers notify only HTTPS addresses (WeChat Pay refuses an order without one). Without
        a public HTTPS address the order is still made, and the queries complete the payment.
        """
        if base_url.startswith("https://"):
            return notification_url(base_url, self.entry.entry_id, provider)
        if provider == "alipay":
            return ""  # optional at Alipay: left out
        return notification_url(_NO_PUBLIC_ADDRESS, self.entry.entry_id, provider)

    def _subject(self, account: str) -> str:
        """Name the payment as the payer's app shows it: building and room."""
        setup = self.entry.runtime_data.coordinator.accounts.get(account)
        room = getattr(setup, "room", "") or ""
        return f"{self.entry.title} {room}".strip()

    # -- what a provider says --------------------------------------------------------------

    async def async_settle(self, payment: Payment) -> Outcome:
        """Credit a verified payment once, or note a closed/pending order; raise SettleRefused."""
        async with self._lock:
            return await self._settle(payment)

    async def _settle(self, payment: Payment) -> Outcome:
        order = self.orders.get(payment.order_id)
        if order is None and self.orders.dropped(payment.order_id):
            raise SettleRefused(OrderMismatch.ACCOUNT_CLOSED)
        if order is None or not order.provider:
            raise SettleRefused(OrderMismatch.UNKNOWN_ORDER)
        if payment.state is not PaymentState.PAID:
            if payment.state is PaymentState.CLOSED and order.state == OrderState.PENDING:
                await self._change(replace(order, state=OrderState.CLOSED))
            return Outcome.NOTED
        expected = ExpectedOrder(
            order.order_id, order.account, order.amount_minor, order.currency, order.provider
        )
        mismatch = check_payment(
            expected, payment, account_open=not is_closed(self.entry, order.account)
        )
        if mismatch is not None:
            raise SettleRefused(mismatch)
        key = payment.idempotency_key
        if order.paid_key and order.paid_key != key:
            # One order, two payments: the second is the provider's to refund, not ours to keep.
            raise SettleRefused("already_paid")
        try:
            result = await self.entry.runtime_data.ledger.recharge(
                order.account, order.amount_minor, key, method="online", actor=order.provider
            )
        except AccountClosedError as err:
            raise SettleRefused(OrderMismatch.ACCOUNT_CLOSED) from err
        except LedgerConflict as err:
            raise SettleRefused("conflict") from err
        await async_after_recharge(
            self.hass,
            self.entry,
            order.account,
            result,
            order_id=order.order_id,
            method="online",
            context=None,
        )
        if order.state != OrderState.PAID:
            await self._change(
                replace(
                    order,
                    state=OrderState.PAID,
                    paid_key=key,
                    balance_minor=await self.entry.runtime_data.ledger.balance(order.account),
                )
            )
        return Outcome.DUPLICATE if result.replayed else Outcome.CREDITED

    async def _change(self, order: Order) -> None:
        await self.orders.async_put(order)
        async_dispatcher_send(self.hass, signal_order(order.order_id), order)

    # -- asking the provider ---------------------------------------------------------------

    @callback
    def start(self) -> None:
        """Ask about pending orders every QUERY_INTERVAL until the gateway unloads."""
        self._unsub = async_track_time_interval(
            self.hass, self._tick, QUERY_INTERVAL, name="prepaid_utility order queries"
        )

    @callback
    def stop(self) -> None:
        """Stop asking."""
        if self._unsub is not None:
            self._unsub()
            self._unsub = None

    async def _tick(self, _now: Any) -> None:
        if self._checking:  # a slow provider: never two rounds at once
            return
        self._checking = True
        try:
            await self.async_check_pending()
        finally:
            self._checking = False

    async def async_check_pending(self) -> int:
        """Ask about every pending provider order once; return how many were asked."""
        asked = 0
        for order in self.orders.all():
            if order.provider and order.state == OrderState.PENDING:
                asked += 1
                await self.async_check(order)
        return asked

    async def async_check(self, order: Order) -> None:
        """Ask the provider about one order and settle its answer; give up after the grace."""
        now = time.time()
        creds = credentials(self.entry.options, order.provider)
        if creds is None or (order.provider == stripe.PROVIDER and not order.provider_ref):
            if now > order.expires:
                await self._change(replace(order, state=OrderState.EXPIRED))
            return
        try:
            payment = await provider_http.async_query(self.hass, creds, order)
            await self.async_settle(payment)
        except SettleRefused as err:
            _LOGGER.warning(
                "Order %s: the provider's answer not credited (%s)", order.order_id, err
            )
        except Exception as err:  # the next round asks again
            _LOGGER.debug("Order %s: query failed: %s", order.order_id, err)
        current = self.orders.get(order.order_id)
        if (
            current is not None
            and current.state == OrderState.PENDING
            and now > order.expires + EXPIRY_GRACE_S
        ):
            await self._change(replace(current, state=OrderState.EXPIRED))
