"""Stripe: ``Stripe-Signature`` verification and Checkout Session shapes.

The ``stripe`` library (PyPI, tests only) is the oracle: every header we accept it accepts,
every one it refuses we refuse, and our form encoding of a Checkout Session is the one it makes
from the same parameters.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl

import pytest
import stripe
from stripe._encode import _api_encode

from custom_components.prepaid_utility.payments import stripe as ours_stripe
from custom_components.prepaid_utility.payments.orders import (
    ExpectedOrder,
    OrderMismatch,
    check_payment,
)
from custom_components.prepaid_utility.payments.provider import (
    CredentialsInvalid,
    NotificationRefused,
    PaymentState,
    ProviderError,
    Refusal,
)

SECRET = "whsec_test_9d3c1f0e2b7a4c58"
CREDS = ours_stripe.load_credentials(secret_key="sk_test_51abc", webhook_secret=SECRET)


def session(order_id: str = "PU-000001", amount: int = 10000, **over: Any) -> dict[str, Any]:
    return {
        "id": "cs_test_a1b2c3",
        "object": "checkout.session",
        "client_reference_id": order_id,
        "amount_total": amount,
        "currency": "eur",
        "mode": "payment",
        "payment_status": "paid",
        "status": "complete",
        "metadata": {"order_id": order_id},
    } | over


def event(obj: dict[str, Any], kind: str = "checkout.session.completed") -> bytes:
    return json.dumps(
        {"id": "evt_1", "object": "event", "type": kind, "data": {"object": obj}}
    ).encode()


def ours(header: str | None, body: bytes, now: int) -> Any:
    try:
        return ours_stripe.parse_event(CREDS, header, body, now)
    except NotificationRefused as err:
        return err.reason


def theirs(header: str, body: bytes) -> bool:
    try:
        stripe.WebhookSignature.verify_header(body, header, SECRET, 300)
    except stripe.SignatureVerificationError:
        return False
    return True


def test_a_completed_session_verifies_here_and_in_the_library() -> None:
    now = int(time.time())
    body = event(session())
    header = ours_stripe.signature_header(SECRET, now, body)
    payment = ours(header, body, now)
    assert payment.state is PaymentState.PAID
    assert (payment.order_id, payment.amount_minor, payment.currency) == ("PU-000001", 10000, "EUR")
    assert payment.idempotency_key == "stripe:cs_test_a1b2c3"
    assert theirs(header, body)
    built = stripe.Webhook.construct_event(body, header, SECRET)
    assert built["data"]["object"]["client_reference_id"] == payment.order_id
    # Secrets roll: a header with two v1 signatures passes when either matches.
    rolled = f"t={now},v1={'0' * 64},v1={header.split('v1=')[1]}"
    assert ours(rolled, body, now).state is PaymentState.PAID
    assert theirs(rolled, body)


def test_refusals_agree_with_the_library() -> None:
    now = int(time.time())
    body = event(session())
    header = ours_stripe.signature_header(SECRET, now, body)
    cases = [
        ("tampered_body", header, body.replace(b"10000", b"90000"), Refusal.SIGNATURE_MISMATCH),
        (
            "wrong_secret",
            ours_stripe.signature_header("whsec_other_000000", now, body),
            body,
            Refusal.SIGNATURE_MISMATCH,
        ),
        (
            "stale",
            ours_stripe.signature_header(SECRET, now - 301, body),
            body,
            Refusal.SIGNATURE_STALE,
        ),
        ("no_v1", f"t={now},v0=abc", body, Refusal.SIGNATURE_MALFORMED),
        ("no_t", "v1=" + header.split("v1=")[1], body, Refusal.SIGNATURE_MALFORMED),
    ]
    for name, head, raw, reason in cases:
        assert ours(head, raw, now) is reason, name
        assert not theirs(head, raw), name
    # Ours only: the library accepts timestamps from the future; a clock 301 s ahead is not
    # Stripe's, so we refuse it.
    future = ours_stripe.signature_header(SECRET, now + 301, body)
    assert ours(future, body, now) is Refusal.SIGNATURE_STALE
    assert ours(None, body, now) is Refusal.SIGNATURE_MISSING
    ignored = event(session(), kind="payment_intent.created")
    assert ours(ours_stripe.signature_header(SECRET, now, ignored), ignored, now) is (
        Refusal.IGNORED_EVENT
    )
    print(f"refusals_agreeing_with_oracle={len(cases)}/{len(cases)}")


def test_states_and_order_checks() -> None:
    now = int(time.time())
    order = ExpectedOrder("PU-000001", "acct", 10000, "EUR", "stripe")

    def read(obj: dict[str, Any], kind: str = "checkout.session.completed") -> Any:
        body = event(obj, kind)
        return ours(ours_stripe.signature_header(SECRET, now, body), body, now)

    assert check_payment(order, read(session())) is None
    assert check_payment(order, read(session(amount=9999))) is OrderMismatch.AMOUNT_MISMATCH
    assert check_payment(order, read(session(currency="usd"))) is OrderMismatch.CURRENCY_MISMATCH
    assert check_payment(order, read(session(order_id="PU-000009"))) is (
        OrderMismatch.OTHER_PROVIDER
    )
    assert check_payment(None, read(session())) is OrderMismatch.UNKNOWN_ORDER
    delayed = read(session(payment_status="unpaid"))
    assert delayed.state is PaymentState.PENDING
    late = read(session(), "checkout.session.async_payment_succeeded")
    assert late.idempotency_key == read(session()).idempotency_key  # one credit per session
    expired = read(session(status="expired", payment_status="unpaid"), "checkout.session.expired")
    assert expired.state is PaymentState.CLOSED


def test_checkout_session_request_encodes_as_the_library_does() -> None:
    request = ours_stripe.checkout_session_request(
        CREDS,
        order_id="PU-000002",
        account_name="Room 301",
        amount_minor=5000,
        currency="EUR",
        product_name="Prepaid top-up",
        success_url="https://ha.example.com/",
    )
    sent = parse_qsl(request.body.decode())
    params = {
        "mode": "payment",
        "client_reference_id": "PU-000002",
        "metadata": {"order_id": "PU-000002", "account": "Room 301"},
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 5000,
                    "product_data": {"name": "Prepaid top-up"},
                },
            }
        ],
        "success_url": "https://ha.example.com/",
    }
    assert sorted(sent) == sorted((k, str(v)) for k, v in _api_encode(params))
    assert request.headers["Idempotency-Key"] == "prepaid-utility-PU-000002"
    made = ours_stripe.parse_session_response(
        "PU-000002",
        200,
        json.dumps(
            {
                "id": "cs_test_x",
                "url": "https://checkout.stripe.com/c/pay/cs_test_x",
                "client_reference_id": "PU-000002",
            }
        ).encode(),
    )
    assert (made.pay_url, made.provider_ref) == (
        "https://checkout.stripe.com/c/pay/cs_test_x",
        "cs_test_x",
    )
    error = json.dumps({"error": {"type": "api_error", "message": "boom"}}).encode()
    with pytest.raises(ProviderError) as err:
        ours_stripe.parse_session_response("PU-000002", 500, error)
    assert err.value.retryable
    invalid = json.dumps(
        {"error": {"type": "invalid_request_error", "code": "parameter_invalid_integer"}}
    ).encode()
    with pytest.raises(ProviderError) as err:
        ours_stripe.parse_session_response("PU-000002", 400, invalid)
    assert not err.value.retryable
    queried = ours_stripe.parse_session_query(
        "PU-000002", 200, json.dumps(session("PU-000002")).encode()
    )
    assert queried.state is PaymentState.PAID


def test_bad_credentials_name_their_field() -> None:
    with pytest.raises(CredentialsInvalid) as err:
        ours_stripe.load_credentials(secret_key="pk_test_1", webhook_secret=SECRET)
    assert err.value.field == "secret_key"
    with pytest.raises(CredentialsInvalid) as err:
        ours_stripe.load_credentials(secret_key="sk_test_1", webhook_secret="secret")
    assert err.value.field == "webhook_secret"
