"""Stripe: webhooks that are signed but malformed, and API answers that are not what we asked.

Every webhook here carries a good ``Stripe-Signature`` (the ``stripe`` library agrees), so what
is checked is the event inside; each is refused with its reason, or read as not paid.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qsl

import pytest
import stripe

from custom_components.prepaid_utility.payments import stripe as ours_stripe
from custom_components.prepaid_utility.payments.provider import (
    NotificationRefused,
    PaymentState,
    ProviderError,
    Refusal,
)

from .test_stripe import CREDS, SECRET, event, session


def _signed(body: bytes, now: int) -> str:
    header = ours_stripe.signature_header(SECRET, now, body)
    stripe.WebhookSignature.verify_header(body, header, SECRET, 300)  # the library agrees
    return header


def _refusal(body: bytes, now: int) -> Refusal:
    with pytest.raises(NotificationRefused) as err:
        ours_stripe.parse_event(CREDS, _signed(body, now), body, now)
    return err.value.reason


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("not_json", b"event=checkout.session.completed"),
        ("json_list", b"[]"),
        ("object_not_a_dict", json.dumps({"type": "checkout.session.completed",
                                          "data": {"object": "cs_test_a1b2c3"}}).encode()),
        ("no_data", json.dumps({"type": "checkout.session.completed"}).encode()),
        ("not_a_session_id", event(session(id="pi_3Mtw"))),
        ("no_order", event(session(client_reference_id=None))),
        ("amount_as_text", event(session(amount_total="10000"))),
        ("zero_amount", event(session(amount=0))),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)  # fmt: skip
def test_a_signed_but_malformed_event_is_refused(name: str, body: bytes) -> None:
    assert _refusal(body, int(time.time())) is Refusal.MALFORMED, name


def test_an_oversized_body_is_refused_before_anything_is_read() -> None:
    now = int(time.time())
    big = b" " * (ours_stripe.MAX_NOTIFICATION_BYTES + 1)
    with pytest.raises(NotificationRefused) as err:
        ours_stripe.parse_event(CREDS, ours_stripe.signature_header(SECRET, now, big), big, now)
    assert err.value.reason is Refusal.TOO_LARGE


def test_an_expired_or_failed_session_closes_the_order() -> None:
    now = int(time.time())
    for kind in ("checkout.session.expired", "checkout.session.async_payment_failed"):
        body = event(session(payment_status="unpaid", status="expired"), kind)
        payment = ours_stripe.parse_event(CREDS, _signed(body, now), body, now)
        assert (payment.state, payment.order_id, payment.amount_minor) == (
            PaymentState.CLOSED,
            "PU-000001",
            None,
        ), kind
    # A session still open and unpaid, read by query, is pending.
    open_ = json.dumps(session(payment_status="unpaid", status="open")).encode()
    assert ours_stripe.parse_session_query("PU-000001", 200, open_).state is PaymentState.PENDING


def test_api_answers_that_are_errors_pages_or_about_another_order_credit_nothing() -> None:
    page = b"<html>502 Bad Gateway</html>"
    with pytest.raises(ProviderError) as err:
        ours_stripe.parse_session_response("PU-000002", 502, page)
    assert (err.value.code, err.value.retryable) == ("502", True)
    created = {"id": "cs_test_b2", "url": "https://checkout.stripe.com/c/pay/cs_test_b2"}
    other = json.dumps(created | {"client_reference_id": "PU-000003"}).encode()
    with pytest.raises(NotificationRefused):
        ours_stripe.parse_session_response("PU-000002", 200, other)
    plain = json.dumps(
        created | {"client_reference_id": "PU-000002", "url": "http://checkout.example/x"}
    ).encode()
    with pytest.raises(NotificationRefused):  # never send a tenant to a page without TLS
        ours_stripe.parse_session_response("PU-000002", 200, plain)
    paid_other = json.dumps(session("PU-000003")).encode()
    with pytest.raises(NotificationRefused) as refused:
        ours_stripe.parse_session_query("PU-000002", 200, paid_other)
    assert refused.value.reason is Refusal.MALFORMED


def test_the_session_query_escapes_the_id() -> None:
    request = ours_stripe.session_query_request(CREDS, "cs_test_x/../../v1/charges")
    assert request.method == "GET"
    assert request.url == (
        f"{ours_stripe.API_BASE}/v1/checkout/sessions/cs_test_x%2F..%2F..%2Fv1%2Fcharges"
    )
    assert request.headers == {"Authorization": "Bearer sk_test_51abc"}


def test_a_checkout_session_can_expire() -> None:
    request = ours_stripe.checkout_session_request(
        CREDS,
        order_id="PU-000004",
        account_name="Room 302",
        amount_minor=1500,
        currency="EUR",
        product_name="Top-up",
        success_url="https://ha.example.com/ok",
        expires_at=1_767_225_600,
    )
    fields = dict(parse_qsl(request.body.decode()))
    assert fields["expires_at"] == "1767225600"
    assert fields["line_items[0][price_data][currency]"] == "eur"
