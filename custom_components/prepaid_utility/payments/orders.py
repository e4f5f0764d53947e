"""The order we created is the only authority on what a payment must be.

WeChat Pay's and Alipay's merchant rules (and ours for Stripe): a notification, however well
signed, credits money only when it names an order we made, for exactly that order's amount and
currency, through the provider the order was made with. The account credited is the order's,
never one the notification names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .provider import Payment, PaymentState


class OrderMismatch(StrEnum):
    """Why a verified payment still credits nothing (stable: also the HTTP error text)."""

    UNKNOWN_ORDER = "unknown_order"
    OTHER_PROVIDER = "other_provider"
    AMOUNT_MISMATCH = "amount_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    ACCOUNT_CLOSED = "account_closed"
    NOT_PAID = "not_paid"


@dataclass(frozen=True, slots=True)
class ExpectedOrder:
    """A payment we asked a provider for."""

    order_id: str
    account: str
    amount_minor: int
    currency: str
    provider: str


def check_payment(
    order: ExpectedOrder | None, payment: Payment, *, account_open: bool = True
) -> OrderMismatch | None:
    """Return why ``payment`` must not credit ``order``, or None when it must, exactly once."""
    if order is None:
        return OrderMismatch.UNKNOWN_ORDER
    if order.provider != payment.provider or order.order_id != payment.order_id:
        return OrderMismatch.OTHER_PROVIDER
    if payment.state is not PaymentState.PAID:
        return OrderMismatch.NOT_PAID
    if payment.amount_minor != order.amount_minor:
        return OrderMismatch.AMOUNT_MISMATCH
    if payment.currency.upper() != order.currency.upper():
        return OrderMismatch.CURRENCY_MISMATCH
    if not account_open:
        return OrderMismatch.ACCOUNT_CLOSED
    return None
