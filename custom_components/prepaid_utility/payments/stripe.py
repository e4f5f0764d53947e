"""Stripe: Checkout Sessions (a hosted payment page) and the ``checkout.session.*`` webhooks.

As Stripe specifies it (docs.stripe.com):
- ``POST /v1/checkout/sessions`` (form-encoded, ``Authorization: Bearer <secret key>``,
  ``Idempotency-Key`` so a retried create makes one session) in ``mode=payment`` with one
  ``price_data`` line; our order id travels as ``client_reference_id`` and in ``metadata``;
- a webhook carries ``Stripe-Signature: t=<unix>,v1=<hex>[,v1=...]``: HMAC-SHA256 with the
  endpoint's signing secret over ``"<t>.<raw body>"``; any one ``v1`` may match (secrets roll);
  events older than 300 s are refused (Stripe's default tolerance);
- ``checkout.session.completed`` with ``payment_status == "paid"`` is money; so is
  ``checkout.session.async_payment_succeeded`` (delayed methods). The credit is keyed by the
  session id, so the two events of one session, and every retry, credit once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from .provider import (
    MAX_NOTIFICATION_BYTES,
    CredentialsInvalid,
    HttpRequest,
    NotificationRefused,
    OrderCreated,
    Payment,
    PaymentState,
    ProviderError,
    Refusal,
)

PROVIDER = "stripe"
API_BASE = "https://api.stripe.com"
TOLERANCE_S = 300
_PAID_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
_CLOSED_EVENTS = {"checkout.session.expired", "checkout.session.async_payment_failed"}


@dataclass(frozen=True, slots=True)
class StripeCredentials:
    """A Stripe account's secret API key and one webhook endpoint's signing secret."""

    secret_key: str
    webhook_secret: str
    api_base: str = API_BASE


def load_credentials(
    *, secret_key: str, webhook_secret: str, api_base: str = API_BASE
) -> StripeCredentials:
    """Check the shapes Stripe issues; raise CredentialsInvalid naming the field."""
    if not secret_key.startswith(("sk_live_", "sk_test_", "rk_live_", "rk_test_")):
        raise CredentialsInvalid("secret_key", "a secret or restricted key (sk_... / rk_...)")
    if not webhook_secret.startswith("whsec_") or len(webhook_secret) < 16:
        raise CredentialsInvalid("webhook_secret", "the endpoint's signing secret (whsec_...)")
    return StripeCredentials(secret_key.strip(), webhook_secret.strip(), api_base)


def signature_header(secret: str, timestamp: int, payload: bytes) -> str:
    """Return the ``Stripe-Signature`` Stripe would send for ``payload`` (for relays and tests)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    secret: str, header: str | None, payload: bytes, now: int, tolerance_s: int = TOLERANCE_S
) -> None:
    """Check ``Stripe-Signature`` on the raw body; raise NotificationRefused."""
    if len(payload) > MAX_NOTIFICATION_BYTES:
        raise NotificationRefused(Refusal.TOO_LARGE)
    if not header:
        raise NotificationRefused(Refusal.SIGNATURE_MISSING)
    stamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t" and value.isdigit() and len(value) <= 12:
            stamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if stamp is None or not candidates:
        raise NotificationRefused(Refusal.SIGNATURE_MALFORMED)
    if abs(now - stamp) > tolerance_s:
        raise NotificationRefused(Refusal.SIGNATURE_STALE, str(stamp))
    expected = signature_header(secret, stamp, payload).split("v1=", 1)[1]
    # Every candidate is compared (no early exit), each in constant time.
    matched = [hmac.compare_digest(expected, c) for c in candidates]
    if not any(matched):
        raise NotificationRefused(Refusal.SIGNATURE_MISMATCH)


def _object(data: Any, name: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise NotificationRefused(Refusal.MALFORMED, name)
    return data


def _session(session: Mapping[str, Any], paid: bool | None = None) -> Payment:
    session_id = session.get("id")
    order_id = session.get("client_reference_id")
    if not isinstance(session_id, str) or not session_id.startswith("cs_"):
        raise NotificationRefused(Refusal.MALFORMED, "session id")
    if not isinstance(order_id, str) or not order_id:
        raise NotificationRefused(Refusal.MALFORMED, "client_reference_id")
    amount = session.get("amount_total")
    currency = str(session.get("currency") or "").upper()
    if paid is None:
        paid = session.get("payment_status") == "paid"
    if paid:
        if session.get("payment_status") != "paid" or type(amount) is not int or amount <= 0:
            raise NotificationRefused(Refusal.MALFORMED, "payment_status/amount_total")
        state = PaymentState.PAID
    elif session.get("status") == "expired":
        state = PaymentState.CLOSED
    else:
        state = PaymentState.PENDING
    return Payment(
        PROVIDER,
        order_id,
        state,
        session_id,
        amount if type(amount) is int else None,
        currency,
        dict(session),
    )


def parse_event(creds: StripeCredentials, header: str | None, payload: bytes, now: int) -> Payment:
    """Verify a webhook and read the Checkout Session it is about."""
    verify_signature(creds.webhook_secret, header, payload, now)
    try:
        event = _object(json.loads(payload), "event")
    except ValueError as err:
        raise NotificationRefused(Refusal.MALFORMED, "not JSON") from err
    kind = event.get("type")
    session = _object(_object(event.get("data"), "data").get("object"), "object")
    if kind in _PAID_EVENTS:
        # completed with payment_status "unpaid" is a delayed method still under way.
        if session.get("payment_status") != "paid":
            return _session(session, paid=False)
        return _session(session, paid=True)
    if kind in _CLOSED_EVENTS:
        payment = _session(session, paid=False)
        return Payment(PROVIDER, payment.order_id, PaymentState.CLOSED, payment.provider_id)
    raise NotificationRefused(Refusal.IGNORED_EVENT, str(kind))


def _raise_for_error(status: int, body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if 200 <= status < 300 and isinstance(data, dict):
        return data
    error = data.get("error") if isinstance(data, dict) else None
    error = error if isinstance(error, dict) else {}
    code = str(error.get("code") or error.get("type") or status)
    # Stripe's rule: 409 (idempotency in flight), 429 and 5xx may be retried.
    retryable = status in (409, 429) or status >= 500
    raise ProviderError(code, str(error.get("message", "")), retryable=retryable)


def checkout_session_request(
    creds: StripeCredentials,
    *,
    order_id: str,
    account_name: str,
    amount_minor: int,
    currency: str,
    product_name: str,
    success_url: str,
    expires_at: int | None = None,
) -> HttpRequest:
    """``POST /v1/checkout/sessions``: a hosted page for one fixed amount."""
    fields: list[tuple[str, str]] = [
        ("mode", "payment"),
        ("client_reference_id", order_id),
        ("metadata[order_id]", order_id),
        ("metadata[account]", account_name),
        ("line_items[0][quantity]", "1"),
        ("line_items[0][price_data][currency]", currency.lower()),
        ("line_items[0][price_data][unit_amount]", str(amount_minor)),
        ("line_items[0][price_data][product_data][name]", product_name),
        ("success_url", success_url),
    ]
    if expires_at is not None:
        fields.append(("expires_at", str(expires_at)))
    return HttpRequest(
        "POST",
        f"{creds.api_base}/v1/checkout/sessions",
        {
            "Authorization": f"Bearer {creds.secret_key}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Idempotency-Key": f"prepaid-utility-{order_id}",
        },
        urlencode(fields).encode(),
    )


def parse_session_response(order_id: str, status: int, body: bytes) -> OrderCreated:
    """Read a created session: its hosted page's URL and id."""
    data = _raise_for_error(status, body)
    url, session_id = data.get("url"), data.get("id")
    if data.get("client_reference_id") != order_id or not isinstance(url, str):
        raise NotificationRefused(Refusal.MALFORMED, "session")
    if not isinstance(session_id, str) or not url.startswith("https://"):
        raise NotificationRefused(Refusal.MALFORMED, "session url")
    return OrderCreated(PROVIDER, order_id, pay_url=url, provider_ref=session_id)


def session_query_request(creds: StripeCredentials, session_id: str) -> HttpRequest:
    """``GET /v1/checkout/sessions/{id}``: the fallback when no webhook came."""
    return HttpRequest(
        "GET",
        f"{creds.api_base}/v1/checkout/sessions/{quote(session_id, safe='')}",
        {"Authorization": f"Bearer {creds.secret_key}"},
    )


def parse_session_query(order_id: str, status: int, body: bytes) -> Payment:
    """Read a session fetched with our secret key over TLS (Stripe signs no API answers)."""
    payment = _session(_raise_for_error(status, body))
    if payment.order_id != order_id:
        raise NotificationRefused(Refusal.MALFORMED, "another order")
    return payment
