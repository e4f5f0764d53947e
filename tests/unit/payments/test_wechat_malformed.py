"""WeChat Pay: well-signed but malformed notifications and answers credit nothing.

The signature holds in every case here (signed with the platform key made in the test), so what
is checked is what comes after it: the envelope, the sealed resource and the transaction inside.
Each is refused with its own reason rather than read as a payment.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from wechatpayv3.utils import build_authorization

from custom_components.prepaid_utility.payments import wechat
from custom_components.prepaid_utility.payments.provider import (
    CredentialsInvalid,
    NotificationRefused,
    PaymentState,
    ProviderError,
    Refusal,
)

from .test_wechat import (
    MCHID,
    SERIAL,
    creds,
    notification,
    oracle,
    sign_headers,
    transaction,
)


def _envelope(outer: dict[str, Any], resource: dict[str, Any] | None = None) -> bytes:
    """A notification with outer keys replaced (None: removed) and resource keys replaced."""
    data = json.loads(notification(transaction()))
    data["resource"] |= resource or {}
    for key, value in outer.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return json.dumps(data).encode()


def _refusal(body: bytes, now: int, headers: dict[str, str] | None = None) -> Refusal:
    with pytest.raises(NotificationRefused) as err:
        wechat.parse_notification(creds(), headers or sign_headers(body, now), body, now)
    return err.value.reason


def _sealed_tx(tx: dict[str, Any]) -> bytes:
    return notification(tx)


@pytest.mark.parametrize(
    ("name", "body", "reason"),
    [
        ("not_json", b"<xml>SUCCESS</xml>", Refusal.MALFORMED),
        ("json_list", b"[1, 2]", Refusal.MALFORMED),
        ("plain_resource", _envelope({"resource_type": "plain"}), Refusal.MALFORMED),
        ("no_resource", _envelope({"resource": None}), Refusal.MALFORMED),
        ("refund_event", _envelope({"event_type": "REFUND.SUCCESS"}), Refusal.IGNORED_EVENT),
        ("other_cipher", _envelope({}, {"algorithm": "AEAD_AES_128_GCM"}), Refusal.MALFORMED),
        ("no_ciphertext", _envelope({}, {"ciphertext": "%%%"}), Refusal.UNDECRYPTABLE),
    ],
    # Named ids: the bodies carry random nonces, and pytest-xdist's workers must agree on ids.
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_signed_but_malformed_envelope_is_refused(
    name: str, body: bytes, reason: Refusal
) -> None:
    now = int(time.time())
    assert _refusal(body, now) is reason, name


def test_a_sealed_transaction_missing_what_a_payment_needs_is_refused() -> None:
    now = int(time.time())
    no_state = transaction()
    del no_state["trade_state"]
    no_id = transaction()
    del no_id["transaction_id"]
    amount_as_text = transaction()
    amount_as_text["amount"] = amount_as_text["amount"] | {"total": "10000"}
    cases = {
        "no_trade_state": (no_state, Refusal.MALFORMED),
        "paid_without_transaction_id": (no_id, Refusal.MALFORMED),
        "amount_as_text": (amount_as_text, Refusal.MALFORMED),
        "zero_amount": (transaction(total=0), Refusal.MALFORMED),
        "not_an_object": ([transaction()], Refusal.MALFORMED),
    }
    for name, (tx, reason) in cases.items():
        body = _sealed_tx(tx)  # type: ignore[arg-type]
        assert _refusal(body, now) is reason, name
    print(f"wechat_malformed_transactions_refused={len(cases)}")


def test_signature_headers_of_another_scheme_or_a_bad_timestamp_are_refused() -> None:
    now = int(time.time())
    body = notification(transaction())
    good = sign_headers(body, now)
    hmac = good | {"Wechatpay-Signature-Type": "WECHATPAY2-SHA256-HMAC"}
    assert _refusal(body, now, hmac) is Refusal.SIGNATURE_MALFORMED
    assert _refusal(body, now, good | {"Wechatpay-Timestamp": "12e9"}) is (
        Refusal.SIGNATURE_MALFORMED
    )
    assert _refusal(body, now, good | {"Wechatpay-Nonce": "a\nb"}) is Refusal.SIGNATURE_MALFORMED


@pytest.mark.parametrize(
    ("field", "value"),
    [("appid", ""), ("appid", "wx 123"), ("merchant_serial_no", "serial!")],
)
def test_bad_app_id_or_serial_names_its_field(field: str, value: str) -> None:
    with pytest.raises(CredentialsInvalid) as err:
        creds(**{field: value})
    assert err.value.field == field


def test_query_and_expiring_order_requests_are_signed_as_the_sdk_signs_them() -> None:
    c = creds()
    for _ in range(3):  # the SDK reads the clock itself; retry across a second boundary
        stamp = int(time.time())
        request = wechat.query_order_request(c, "PU/0001 x", stamp)
        path = request.url.removeprefix(wechat.API_BASE)
        auth = request.headers["Authorization"]
        nonce = auth.split('nonce_str="', 1)[1].split('"', 1)[0]
        expected = build_authorization(
            path, "GET", MCHID, SERIAL, oracle()._core._private_key, nonce_str=nonce
        )
        if f'timestamp="{stamp}"' in expected:
            break
    assert auth == expected
    # The order id is escaped: it cannot reach another path of the API.
    assert path == f"/v3/pay/transactions/out-trade-no/PU%2F0001%20x?mchid={MCHID}"
    assert (request.method, request.body) == ("GET", b"")
    order = wechat.native_order_request(
        c,
        order_id="PU-000004",
        description="Room 302 water",
        amount_minor=1,
        currency="CNY",
        notify_url="https://ha.example.com/api/prepaid_utility/pay/wechat/abc",
        timestamp=stamp,
        expires_rfc3339="2026-12-01T10:30:00+08:00",
    )
    assert json.loads(order.body)["time_expire"] == "2026-12-01T10:30:00+08:00"


def test_answers_that_are_errors_pages_or_about_another_order_credit_nothing() -> None:
    c = creds()
    now = int(time.time())
    page = b"<html><body>502 Bad Gateway</body></html>"
    with pytest.raises(ProviderError) as err:
        wechat.parse_order_response(c, "PU-000005", 502, {}, page, now=now)
    assert (err.value.code, err.value.retryable) == ("502", True)
    no_url = json.dumps({"prepay_id": "wx201410272009395522657a690389285100"}).encode()
    with pytest.raises(NotificationRefused) as refused:
        wechat.parse_order_response(c, "PU-000005", 200, sign_headers(no_url, now), no_url, now=now)
    assert refused.value.reason is Refusal.MALFORMED
    # A 404 that is not WeChat's "no such order" is an error, not a closed order.
    with pytest.raises(ProviderError) as err:
        wechat.parse_query_response(c, "PU-000005", 404, {}, page, now=now)
    assert (err.value.code, err.value.retryable) == ("404", False)
    other = json.dumps(transaction("PU-000006")).encode()
    with pytest.raises(NotificationRefused) as refused:
        wechat.parse_query_response(c, "PU-000005", 200, sign_headers(other, now), other, now=now)
    assert refused.value.reason is Refusal.MALFORMED
    paid = json.dumps(transaction("PU-000005")).encode()
    answer = wechat.parse_query_response(
        c, "PU-000005", 200, sign_headers(paid, now), paid, now=now
    )
    assert answer.state is PaymentState.PAID
