"""Online payments: expected orders, and the webhook a payment provider notifies.

A resident's online payment starts as an *order* the integration expects (``create_payment_order``:
account, amount, order id). The provider (or the integrator's relay in front of it) then calls
the gateway's webhook with a signed notification; the credit happens only when the signature is
valid and fresh, the order is known, and amount and currency are exactly what was expected
(the rule WeChat Pay and Alipay give their merchants). The credit is a ``recharge`` keyed by the
order id, so a provider's retries, a duplicate delivery or the same order entered by hand at
the counter credit it once.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from ..accounts.setup import is_closed
from ..billing.errors import AccountClosedError, InvalidAmount, LedgerConflict, PrepaidError
from ..billing.money import parse_money
from ..const import DOMAIN
from ..payments.signature import (
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    SignatureProblem,
    verify_signature,
)
from .recharges import async_after_recharge

_LOGGER = logging.getLogger(__name__)

CONF_WEBHOOK_ID = "webhook_id"
CONF_WEBHOOK_SECRET = "webhook_secret"  # noqa: S105  # the option key, not a secret
STORAGE_VERSION = 1
# A finished order (paid, closed, expired, failed) stays this long: longer than any provider
# retries its notification (WeChat Pay and Alipay about a day, Stripe three days), so a late
# duplicate still finds its order. Then it goes; the ledger's keyed entry is the record of the
# money, and the storage file (rewritten at every order) stays the size of a month's top-ups.
FINISHED_ORDER_KEPT_S = 30 * 86400


class OrderState:
    """Where one of our orders is (stable: the card shows these)."""

    PENDING = "pending"
    PAID = "paid"
    CLOSED = "closed"  # the provider closed it or says the payment failed
    EXPIRED = "expired"  # nobody paid in time
    FAILED = "failed"  # the provider refused to create it


@dataclass(frozen=True, slots=True)
class Order:
    """A payment the integration expects.

    Orders of the generic webhook carry only the first three fields; a top-up made through a
    provider also carries what the provider answered and where it stands.
    """

    order_id: str
    account: str
    amount_minor: int
    provider: str = ""
    currency: str = ""
    state: str = OrderState.PENDING
    created: float = 0.0
    expires: float = 0.0
    provider_ref: str = ""  # Stripe's session id (the query needs it)
    qr_payload: str = ""
    pay_url: str = ""
    paid_key: str = ""  # the ledger key of the credit that paid it
    balance_minor: int | None = None  # the account's balance just after that credit
    user_id: str = ""  # who started it (a resident's top-up)
    finished: float = 0.0  # when it left PENDING (the storage forgets it a while after)

    def as_data(self) -> dict[str, Any]:
        """Return what the storage file keeps (defaults left out)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "order_id" and getattr(self, f.name) != f.default
        } | {"account": self.account, "amount_minor": self.amount_minor}

    @classmethod
    def from_data(cls, order_id: str, data: dict[str, Any]) -> Order:
        """Read one order back (older files have account and amount only)."""
        known = {f.name for f in fields(cls)} - {"order_id"}
        return cls(order_id=order_id, **{k: v for k, v in data.items() if k in known})


def new_webhook_credentials() -> dict[str, str]:
    """Return a fresh webhook id and signing secret for a gateway."""
    return {
        CONF_WEBHOOK_ID: webhook.async_generate_id(),
        CONF_WEBHOOK_SECRET: secrets.token_hex(32),
    }


class PaymentOrders:
    """The expected orders of one gateway, kept in Home Assistant's storage."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Bind to the gateway's storage file."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.orders.{entry_id}"
        )
        self._orders: dict[str, Order] = {}
        self._dropped: dict[str, str] = {}  # order id -> account closed before it was paid
        self.clock: Callable[[], float] = time.time  # when orders finish and are forgotten

    async def async_load(self) -> None:
        """Read the expected orders."""
        data = await self._store.async_load() or {}
        self._orders = {
            key: Order.from_data(key, value) for key, value in data.get("orders", {}).items()
        }
        self._dropped = {str(k): str(v) for k, v in data.get("dropped", {}).items()}
        now = self.clock()
        for key, order in self._orders.items():
            if order.state != OrderState.PENDING and not order.finished:
                # Finished before orders said when: counted from now, so none goes at once.
                self._orders[key] = replace(order, finished=now)

    def dropped(self, order_id: str) -> bool:
        """Return True for an order dropped when its account closed (to be refunded)."""
        return order_id in self._dropped

    async def async_drop_account(self, account: str) -> int:
        """Stop expecting the orders of a closed account; return how many were dropped."""
        # Finished orders stay until pruned: a late duplicate of a paid one is refused as closed.
        gone = [
            o.order_id
            for o in self._orders.values()
            if o.account == account and o.state == OrderState.PENDING
        ]
        for order_id in gone:
            del self._orders[order_id]
            self._dropped[order_id] = account
        if gone:
            await self._save()
        return len(gone)

    def get(self, order_id: str) -> Order | None:
        """Return an expected order."""
        return self._orders.get(order_id)

    def all(self) -> list[Order]:
        """Return every order this gateway keeps."""
        return list(self._orders.values())

    async def async_put(self, order: Order) -> None:
        """Save a new order or a changed one (state, what the provider answered)."""
        if order.state != OrderState.PENDING and not order.finished:
            order = replace(order, finished=self.clock())
        self._orders[order.order_id] = order
        await self._save()

    async def async_mark_paid(self, order_id: str, paid_key: str) -> None:
        """Note that an order was credited (a replayed credit changes nothing)."""
        order = self._orders.get(order_id)
        if order is not None and order.state == OrderState.PENDING:
            await self.async_put(replace(order, state=OrderState.PAID, paid_key=paid_key))

    async def async_expect(self, order: Order) -> bool:
        """Expect a payment; False if the order id exists (same data: fine; other: conflict)."""
        existing = self._orders.get(order.order_id)
        if existing is not None:
            if (existing.account, existing.amount_minor, existing.provider) != (
                order.account,
                order.amount_minor,
                order.provider,
            ):
                raise LedgerConflict(
                    "order id already expects another payment",
                    key=order.order_id,
                    source="recharge",
                )
            return False
        self._orders[order.order_id] = order
        # Saved at once: an order must not be forgotten between creation and payment.
        await self._save()
        return True

    def _prune(self, now: float) -> None:
        old = [
            o.order_id
            for o in self._orders.values()
            if o.state != OrderState.PENDING and now - o.finished > FINISHED_ORDER_KEPT_S
        ]
        for order_id in old:
            del self._orders[order_id]

    async def _save(self) -> None:
        self._prune(self.clock())
        await self._store.async_save(
            {
                "orders": {o.order_id: o.as_data() for o in self._orders.values()},
                "dropped": dict(self._dropped),
            }
        )


async def read_body(request: web.Request, cap: int) -> bytes | None:
    """Return the whole body, or None when it is larger than ``cap`` (answer 413).

    ``request.content.read(n)`` returns what has arrived so far, not the body: a notification
    split over two TCP writes then fails its signature. The declared length is checked before
    a byte is read; a chunked body (no length) is read to its end and stopped past the cap.
    """
    declared = request.content_length
    if declared is not None:
        return None if declared > cap else await request.read()
    body = bytearray()
    async for chunk in request.content.iter_chunked(16 * 1024):
        body += chunk
        if len(body) > cap:
            return None
    return bytes(body)


def _reply(result: str, status: int, **extra: Any) -> web.Response:
    return web.json_response({"result": result, **extra}, status=status)


class PaymentWebhook:
    """The webhook of one gateway."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: Any,
        orders: PaymentOrders,
        exponent: int,
        tolerance_s: int = 300,
    ) -> None:
        """Bind the webhook to its gateway entry."""
        self.hass = hass
        self.entry = entry
        self.orders = orders
        self.exponent = exponent
        self.tolerance_s = tolerance_s

    def register(self) -> None:
        """Register with Home Assistant's webhook component (POST only)."""
        webhook.async_register(
            self.hass,
            DOMAIN,
            f"Prepaid Utility payments ({self.entry.title})",
            self.entry.data[CONF_WEBHOOK_ID],
            self.handle,
            allowed_methods=["POST"],
        )

    def unregister(self) -> None:
        """Stop answering."""
        webhook.async_unregister(self.hass, self.entry.data[CONF_WEBHOOK_ID])

    async def handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Verify, check against the expected order, credit once; never 2xx without an outcome.

        A provider trusts the status code: a 2xx it takes as "done", anything else it retries.
        So an error nobody foresaw (a ledger closed by a reload, a bug) answers 500, never the
        200 Home Assistant's webhook component would send for an exception.
        """
        try:
            return await self._handle(request)
        except Exception:
            _LOGGER.exception("Payment notification not processed; the sender will retry")
            return _reply("internal_error", 500)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await read_body(request, MAX_BODY_BYTES)
        if body is None:
            return _reply(str(SignatureProblem.TOO_LARGE), 413)
        check = verify_signature(
            self.entry.data[CONF_WEBHOOK_SECRET],
            request.headers.get(SIGNATURE_HEADER),
            body,
            now=int(time.time()),
            tolerance_s=self.tolerance_s,
        )
        if not check.ok:
            status = 413 if check.problem is SignatureProblem.TOO_LARGE else 401
            return _reply(str(check.problem), status)
        try:
            payload = json.loads(body)
            order_id = str(payload["order_id"])
            amount = parse_money(str(payload["amount"]), self.exponent)
            currency = str(payload["currency"]).upper()
            # Required: a notification that does not say "paid" is not a payment.
            status_text = str(payload["status"])
        except ValueError, KeyError, TypeError, ArithmeticError, InvalidAmount:
            # ArithmeticError: "1e999999999" overflows Decimal; a malformed amount, not a crash.
            return _reply("malformed", 400)
        if status_text != "paid":
            return _reply("ignored", 200)
        order = self.orders.get(order_id)
        if order is None and self.orders.dropped(order_id):
            # Paid after move-out: a definite refusal, so the provider refunds the payer.
            _LOGGER.warning("Payment for order %s refused: its account is closed", order_id)
            return _reply("account_closed", 410)
        if order is None:
            _LOGGER.warning("Payment for unknown order %s ignored", order_id)
            return _reply("unknown_order", 404)
        if order.provider:
            # A provider's order is paid only by that provider's own signed word.
            _LOGGER.warning(
                "Generic notification for %s order %s ignored", order.provider, order_id
            )
            return _reply("other_provider", 409)
        if amount != order.amount_minor or currency != self.hass.config.currency.upper():
            _LOGGER.warning(
                "Payment for order %s does not match the order (amount or currency); not credited",
                order_id,
            )
            return _reply("amount_mismatch", 409)
        if is_closed(self.entry, order.account):
            _LOGGER.warning("Payment for order %s refused: the account is closed", order_id)
            return _reply("account_closed", 410)
        return await self._credit(order)

    async def _credit(self, order: Order) -> web.Response:
        runtime = self.entry.runtime_data
        try:
            result = await runtime.ledger.recharge(
                order.account,
                order.amount_minor,
                f"order:{order.order_id}",
                method="online",
                actor="webhook",
            )
        except LedgerConflict:
            return _reply("conflict", 409)
        except AccountClosedError:
            return _reply("account_closed", 410)
        except PrepaidError as err:
            _LOGGER.error("Payment for order %s not credited: %s", order.order_id, err)  # noqa: TRY400
            return _reply("unavailable", 503)
        await self.orders.async_mark_paid(order.order_id, f"order:{order.order_id}")
        # Shared with the service: balances, supply restore and the recharged event.
        await async_after_recharge(
            self.hass,
            self.entry,
            order.account,
            result,
            order_id=order.order_id,
            method="online",
            context=None,
        )
        return _reply("duplicate" if result.replayed else "credited", 200, entry_id=result.entry_id)
