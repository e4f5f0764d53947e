"""Alipay: our RSA2 verification against notifications and answers signed with keys made here.

``python-alipay-sdk`` (on PyPI, tests only; written on pycryptodome, not our cryptography) is
the oracle: what we accept it verifies, what it refuses we refuse, and the request signatures
we make are byte for byte the ones it makes.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode

import pytest
from alipay import AliPay
from alipay.exceptions import AliPayValidationError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from custom_components.prepaid_utility.payments import alipay
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

from .keys import bare_base64, private_pem, public_pem, rsa_key

APP_ID = "2021000117690000"
SELLER = "2088101117955611"
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def creds() -> alipay.AlipayCredentials:
    # Alipay's console hands keys out as bare base64: accept them that way.
    return alipay.load_credentials(
        app_id=APP_ID,
        private_key=bare_base64(private_pem(rsa_key("alipay-app"))),
        alipay_public_key=bare_base64(public_pem(rsa_key("alipay"))),
        seller_id=SELLER,
    )


def oracle() -> AliPay:
    return AliPay(
        appid=APP_ID,
        app_private_key_string=private_pem(rsa_key("alipay-app")),
        alipay_public_key_string=public_pem(rsa_key("alipay")),
        sign_type="RSA2",
    )


def rsa2(key: rsa.RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def notify_params(
    order_id: str = "PU-000001", amount: str = "100.00", **over: str
) -> dict[str, str]:
    return {
        "notify_time": "2026-12-01 10:00:05",
        "notify_type": "trade_status_sync",
        "notify_id": "ac05099524730693a8b330c5ecf72da9786",
        "charset": "utf-8",
        "version": "1.0",
        "app_id": APP_ID,
        "seller_id": SELLER,
        "trade_no": "2026120122001411111111111111",
        "out_trade_no": order_id,
        "trade_status": "TRADE_SUCCESS",
        "total_amount": amount,
        "receipt_amount": amount,
        "subject": "301 电费",
        "buyer_logon_id": "159****5620",
        "gmt_payment": "2026-12-01 10:00:04",
        "fund_bill_list": '[{"amount":"100.00","fundChannel":"ALIPAYACCOUNT"}]',
    } | over


def signed_form(params: dict[str, str], key: rsa.RSAPrivateKey | None = None) -> bytes:
    sign = rsa2(key or rsa_key("alipay"), alipay.signing_string(params.items()))
    return urlencode({**params, "sign_type": "RSA2", "sign": sign}).encode()


def ours(body: bytes) -> Any:
    try:
        return alipay.parse_notification(creds(), body)
    except NotificationRefused as err:
        return err.reason


def theirs(body: bytes) -> bool:
    data = dict(parse_qsl(body.decode(), keep_blank_values=True))
    sign = data.pop("sign", "")
    try:
        return bool(oracle().verify(data, sign))
    except ValueError, TypeError:  # binascii.Error is a ValueError
        return False


def test_a_paid_notification_verifies_here_and_in_the_sdk() -> None:
    body = signed_form(notify_params())
    payment = ours(body)
    assert payment.state is PaymentState.PAID
    assert (payment.order_id, payment.amount_minor, payment.currency) == ("PU-000001", 10000, "CNY")
    assert payment.idempotency_key == "alipay:2026120122001411111111111111"
    assert theirs(body)
    assert alipay.SUCCESS_REPLY == "success"
    order = ExpectedOrder("PU-000001", "acct", 10000, "CNY", "alipay")
    assert check_payment(order, payment) is None


def test_refusals_agree_with_the_sdk() -> None:
    good = signed_form(notify_params())
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cases = [
        (
            "tampered_amount",
            good.replace(b"total_amount=100.00", b"total_amount=900.00"),
            Refusal.SIGNATURE_MISMATCH,
        ),
        ("wrong_key", signed_form(notify_params(), key=other_key), Refusal.SIGNATURE_MISMATCH),
        (
            "signed_by_the_app_key",
            signed_form(notify_params(), key=rsa_key("alipay-app")),
            Refusal.SIGNATURE_MISMATCH,
        ),
        ("parameter_added", good + b"&extra=1", Refusal.SIGNATURE_MISMATCH),
    ]
    agreed = 0
    for name, body, reason in cases:
        assert ours(body) is reason, name
        assert not theirs(body), name
        agreed += 1
    assert ours(good + b"&total_amount=1.00") is Refusal.MALFORMED  # duplicate parameter
    assert ours(good.replace(b"sign_type=RSA2", b"sign_type=RSA")) is Refusal.SIGNATURE_MALFORMED
    no_sign = urlencode(notify_params()).encode()
    assert ours(no_sign) is Refusal.SIGNATURE_MISSING
    assert ours(signed_form(notify_params(app_id="2021000000000001"))) is Refusal.OTHER_MERCHANT
    assert ours(signed_form(notify_params(seller_id="2088000000000001"))) is Refusal.OTHER_MERCHANT
    assert ours(b"\xff\xfe") is Refusal.MALFORMED
    assert ours(signed_form(notify_params(amount="1e9"))) is Refusal.MALFORMED
    assert ours(signed_form(notify_params(amount="100.001"))) is Refusal.MALFORMED
    print(f"refusals_agreeing_with_oracle={agreed}/{len(cases)}")


def test_verified_but_not_our_order() -> None:
    order = ExpectedOrder("PU-000001", "acct", 10000, "CNY", "alipay")
    assert check_payment(order, ours(signed_form(notify_params(amount="99.99")))) is (
        OrderMismatch.AMOUNT_MISMATCH
    )
    assert check_payment(None, ours(signed_form(notify_params()))) is OrderMismatch.UNKNOWN_ORDER
    waiting = ours(signed_form(notify_params(trade_status="WAIT_BUYER_PAY")))
    assert waiting.state is PaymentState.PENDING
    assert check_payment(order, waiting) is OrderMismatch.NOT_PAID
    closed = ours(signed_form(notify_params(trade_status="TRADE_CLOSED")))
    assert closed.state is PaymentState.CLOSED
    # A replay is the same trade_no, the same ledger key.
    assert (
        ours(signed_form(notify_params())).idempotency_key
        == ours(signed_form(notify_params(notify_time="2026-12-01 10:04:05"))).idempotency_key
    )


def test_precreate_request_is_signed_as_the_sdk_signs_it() -> None:
    request = alipay.precreate_request(
        creds(),
        order_id="PU-000002",
        subject="301 电费",
        amount_minor=5000,
        notify_url="https://ha.example.com/api/prepaid_utility/pay/alipay/abc",
        now=NOW,
    )
    params = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
    sign = params.pop("sign")
    assert params["timestamp"] == "2026-12-01 10:00:00"  # Beijing time
    assert json.loads(params["biz_content"])["total_amount"] == "50.00"
    expected = oracle().sign_data(dict(params)).rsplit("&sign=", 1)[1]
    assert unquote_plus(expected) == sign


def response(name: str, content: dict[str, Any], key: rsa.RSAPrivateKey | None = None) -> bytes:
    # Alipay's own spacing is kept in what is signed: the substring, not a re-serialisation.
    inner = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    sign = rsa2(key or rsa_key("alipay"), inner)
    return f'{{"{name}_response":{inner},"sign":"{sign}"}}'.encode()


def test_answers_are_verified_on_their_raw_text() -> None:
    c = creds()
    ok = {
        "code": "10000",
        "msg": "Success",
        "out_trade_no": "PU-000002",
        "qr_code": "https://qr.alipay.com/bax03431ljhokirwl38f00a7",
    }
    body = response("alipay_trade_precreate", ok)
    made = alipay.parse_precreate_response(c, "PU-000002", 200, body)
    assert made.qr_payload == ok["qr_code"]
    assert (
        oracle()._verify_and_return_sync_response(  # the SDK's checker
            body.decode(), "alipay_trade_precreate_response"
        )["qr_code"]
        == ok["qr_code"]
    )
    forged = body.replace(b"bax03431", b"bax99999")
    with pytest.raises(NotificationRefused):
        alipay.parse_precreate_response(c, "PU-000002", 200, forged)
    with pytest.raises(AliPayValidationError):
        oracle()._verify_and_return_sync_response(
            forged.decode(), "alipay_trade_precreate_response"
        )
    failed = {
        "code": "40004",
        "msg": "Business Failed",
        "sub_code": "ACQ.TOTAL_FEE_EXCEED",
        "sub_msg": "订单金额超过限额",
    }
    with pytest.raises(ProviderError) as err:
        alipay.parse_precreate_response(
            c, "PU-000002", 200, response("alipay_trade_precreate", failed)
        )
    assert (err.value.code, err.value.retryable) == ("ACQ.TOTAL_FEE_EXCEED", False)
    with pytest.raises(ProviderError) as err:
        alipay.parse_precreate_response(c, "PU-000002", 502, b"<html>bad gateway</html>")
    assert err.value.retryable
    paid = {
        "code": "10000",
        "msg": "Success",
        "trade_no": "2026120122001411111111111111",
        "out_trade_no": "PU-000002",
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "50.00",
    }
    state = alipay.parse_query_response(c, "PU-000002", 200, response("alipay_trade_query", paid))
    assert (state.state, state.amount_minor) == (PaymentState.PAID, 5000)
    unsigned = json.dumps({"alipay_trade_query_response": paid}).encode()
    with pytest.raises(NotificationRefused):  # a query answer can credit: unsigned is refused
        alipay.parse_query_response(c, "PU-000002", 200, unsigned)
    absent = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST"}
    state = alipay.parse_query_response(c, "PU-000002", 200, response("alipay_trade_query", absent))
    assert state.state is PaymentState.PENDING


def test_bad_credentials_name_their_field() -> None:
    good = {
        "app_id": APP_ID,
        "private_key": private_pem(rsa_key("alipay-app")),
        "alipay_public_key": public_pem(rsa_key("alipay")),
    }
    for name, value in (
        ("app_id", "abc"),
        ("private_key", "AAAA"),
        ("alipay_public_key", "x"),
        ("seller_id", "12345"),
    ):
        with pytest.raises(CredentialsInvalid) as err:
            alipay.load_credentials(**(good | {name: value}))
        assert err.value.field == name
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(CredentialsInvalid):
        alipay.load_credentials(**(good | {"private_key": private_pem(small)}))
