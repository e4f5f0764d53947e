"""WeChat Pay API v3: our verification against notifications signed with keys made here.

Every notification is also handed to ``wechatpayv3`` (WeChat Pay's community SDK on PyPI, in the
tests only) as an oracle: what we accept it accepts and opens to the same transaction, what it
refuses we refuse. It does not check the timestamp (WeChat Pay leaves that to the merchant), so
stale notifications are the one place where we refuse and it accepts.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import build_authorization

from custom_components.prepaid_utility.payments import wechat
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

from .keys import private_pem, public_pem, rsa_key

MCHID = "1900009191"
APPID = "wxd678efh567hg6787"
SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
KEY_ID = "PUB_KEY_ID_0114232134912410000000000011"
APIV3 = "a12d3924fd499edac8a5efc23f6a5cba"  # 32 characters, as the merchant console sets


def creds(**over: str) -> wechat.WechatCredentials:
    fields = {
        "mchid": MCHID,
        "appid": APPID,
        "merchant_serial_no": SERIAL,
        "private_key": private_pem(rsa_key("merchant")),
        "apiv3_key": APIV3,
        "platform_public_key": public_pem(rsa_key("wechatpay")),
        "platform_key_id": KEY_ID,
    } | over
    return wechat.load_credentials(**fields)


def oracle() -> WeChatPay:
    return WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=MCHID,
        private_key=private_pem(rsa_key("merchant")),
        cert_serial_no=SERIAL,
        appid=APPID,
        apiv3_key=APIV3,
        public_key=public_pem(rsa_key("wechatpay")),
        public_key_id=KEY_ID,
    )


def transaction(order_id: str = "PU-000001", total: int = 10000, **over: Any) -> dict[str, Any]:
    return {
        "mchid": MCHID,
        "appid": APPID,
        "out_trade_no": order_id,
        "transaction_id": "4200000000202612011234567890",
        "trade_type": "NATIVE",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "success_time": "2026-12-01T10:00:00+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {
            "total": total,
            "payer_total": total,
            "currency": "CNY",
            "payer_currency": "CNY",
        },
    } | over


def sign_headers(
    body: bytes,
    stamp: int,
    key: rsa.RSAPrivateKey | None = None,
    serial: str = KEY_ID,
) -> dict[str, str]:
    nonce = secrets.token_hex(16)
    message = f"{stamp}\n{nonce}\n".encode() + body + b"\n"
    signature = (key or rsa_key("wechatpay")).sign(message, padding.PKCS1v15(), hashes.SHA256())
    return {
        "Wechatpay-Signature": base64.b64encode(signature).decode(),
        "Wechatpay-Timestamp": str(stamp),
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }


def notification(tx: dict[str, Any], apiv3: str = APIV3) -> bytes:
    nonce = secrets.token_hex(6)  # 12 characters, as WeChat Pay sends
    sealed = AESGCM(apiv3.encode()).encrypt(
        nonce.encode(), json.dumps(tx, ensure_ascii=False).encode(), b"transaction"
    )
    return json.dumps(
        {
            "id": "EV-2018022511223320873",
            "create_time": "2026-12-01T10:00:01+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(sealed).decode(),
                "associated_data": "transaction",
                "nonce": nonce,
            },
        },
        ensure_ascii=False,
    ).encode()


def ours(headers: dict[str, str], body: bytes, now: int) -> Any:
    try:
        return wechat.parse_notification(creds(), headers, body, now)
    except NotificationRefused as err:
        return err.reason


def theirs(headers: dict[str, str], body: bytes) -> Any:
    return oracle().callback(headers, body)


def test_a_paid_notification_is_read_as_the_oracle_reads_it() -> None:
    now = int(time.time())
    body = notification(transaction())
    headers = sign_headers(body, now)
    payment = ours(headers, body, now)
    assert payment.state is PaymentState.PAID
    assert (payment.order_id, payment.amount_minor, payment.currency) == ("PU-000001", 10000, "CNY")
    assert payment.idempotency_key == "wechat:4200000000202612011234567890"
    opened = theirs(headers, body)
    assert opened["resource"]["out_trade_no"] == payment.order_id
    assert opened["resource"]["amount"]["total"] == payment.amount_minor
    assert opened["resource"]["transaction_id"] == payment.provider_id
    order = ExpectedOrder("PU-000001", "acct", 10000, "CNY", "wechat")
    assert check_payment(order, payment) is None


def test_a_platform_certificate_works_like_the_public_key() -> None:
    key = rsa_key("wechatpay")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x5157F09EFDC096DE15EBE81A47057A7232F1B8E2)
        .not_valid_before(datetime.now(UTC) - timedelta(days=1))
        .not_valid_after(datetime.now(UTC) + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    with_cert = creds(platform_public_key=pem, platform_key_id="")
    assert with_cert.platform_key_id == "5157F09EFDC096DE15EBE81A47057A7232F1B8E2"
    now = int(time.time())
    body = notification(transaction())
    headers = sign_headers(body, now, serial=with_cert.platform_key_id)
    assert wechat.parse_notification(with_cert, headers, body, now).state is PaymentState.PAID
    with pytest.raises(CredentialsInvalid):
        creds(platform_public_key=pem, platform_key_id="ABC")


def test_refusals_agree_with_the_oracle() -> None:
    now = int(time.time())
    body = notification(transaction())
    good = sign_headers(body, now)
    tampered = body.replace(b'"TRANSACTION.SUCCESS"', b'"TRANSACTION.SUCCESS" ')
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    wrong_apiv3 = notification(transaction(), apiv3="b" * 32)
    cases: list[tuple[str, dict[str, str], bytes, Refusal]] = [
        ("tampered_body", good, tampered, Refusal.SIGNATURE_MISMATCH),
        ("wrong_key", sign_headers(body, now, key=other_key), body, Refusal.SIGNATURE_MISMATCH),
        (
            "nonce_changed",
            good | {"Wechatpay-Nonce": "x" + good["Wechatpay-Nonce"]},
            body,
            Refusal.SIGNATURE_MISMATCH,
        ),
        (
            "signature_not_base64",
            good | {"Wechatpay-Signature": "%%%"},
            body,
            Refusal.SIGNATURE_MALFORMED,
        ),
        ("wrong_apiv3_key", sign_headers(wrong_apiv3, now), wrong_apiv3, Refusal.UNDECRYPTABLE),
    ]
    refused = 0
    for name, headers, raw, reason in cases:
        assert ours(headers, raw, now) is reason, name
        assert not theirs(headers, raw), name  # the oracle refuses the same notification
        refused += 1
    # Ours only: WeChat Pay leaves freshness and the serial's meaning to the merchant.
    stale = sign_headers(body, now - 301)
    assert ours(stale, body, now) is Refusal.SIGNATURE_STALE
    assert theirs(stale, body)  # the oracle has no clock: this is why we check it
    future = sign_headers(body, now + 301)
    assert ours(future, body, now) is Refusal.SIGNATURE_STALE
    assert ours(sign_headers(body, now - 300), body, now).state is PaymentState.PAID
    probe = sign_headers(body, now, serial="WECHATPAY/SIGNTEST/" + KEY_ID)
    assert ours(probe, body, now) is Refusal.UNKNOWN_KEY
    assert ours({k: v for k, v in good.items() if k != "Wechatpay-Nonce"}, body, now) is (
        Refusal.SIGNATURE_MISSING
    )
    other = notification(transaction(mchid="1900000001"))
    assert ours(sign_headers(other, now), other, now) is Refusal.OTHER_MERCHANT
    big = b" " * (wechat.MAX_NOTIFICATION_BYTES + 1)
    assert ours(sign_headers(big, now), big, now) is Refusal.TOO_LARGE
    print(f"refusals_agreeing_with_oracle={refused}/{len(cases)} stale_accepted=0")


def test_a_valid_payment_that_is_not_our_order_credits_nothing() -> None:
    now = int(time.time())
    order = ExpectedOrder("PU-000001", "acct", 10000, "CNY", "wechat")

    def verdict(tx: dict[str, Any], *, open_: bool = True) -> OrderMismatch | None:
        body = notification(tx)
        return check_payment(order, ours(sign_headers(body, now), body, now), account_open=open_)

    assert verdict(transaction(total=9999)) is OrderMismatch.AMOUNT_MISMATCH
    tx_usd = transaction()
    tx_usd["amount"] = tx_usd["amount"] | {"currency": "USD"}
    assert verdict(tx_usd) is OrderMismatch.CURRENCY_MISMATCH
    assert verdict(transaction(order_id="PU-999999")) is OrderMismatch.OTHER_PROVIDER
    assert verdict(transaction(), open_=False) is OrderMismatch.ACCOUNT_CLOSED
    body = notification(transaction())
    assert check_payment(None, ours(sign_headers(body, now), body, now)) is (
        OrderMismatch.UNKNOWN_ORDER
    )
    # A replay (same notification again, fresh or re-signed) is the same ledger key: one credit.
    first = ours(sign_headers(body, now), body, now)
    again = ours(sign_headers(body, now + 5), body, now + 5)
    assert first.idempotency_key == again.idempotency_key


def test_order_request_is_signed_as_the_sdk_signs_it() -> None:
    c = creds()
    for _ in range(3):  # the SDK reads the clock itself; retry across a second boundary
        stamp = int(time.time())
        request = wechat.native_order_request(
            c,
            order_id="PU-000002",
            description="Room 301 electricity",
            amount_minor=5000,
            currency="CNY",
            notify_url="https://ha.example.com/api/prepaid_utility/pay/wechat/abc",
            timestamp=stamp,
        )
        auth = request.headers["Authorization"]
        nonce = auth.split('nonce_str="', 1)[1].split('"', 1)[0]
        expected = build_authorization(
            "/v3/pay/transactions/native",
            "POST",
            MCHID,
            SERIAL,
            oracle()._core._private_key,  # the SDK's own loaded key
            data=request.body.decode(),
            nonce_str=nonce,
        )
        if f'timestamp="{stamp}"' in expected:
            break
    assert auth == expected
    sent = json.loads(request.body)
    assert sent["amount"] == {"total": 5000, "currency": "CNY"}
    assert (sent["mchid"], sent["appid"], sent["out_trade_no"]) == (MCHID, APPID, "PU-000002")


def test_order_and_query_answers_are_verified() -> None:
    c = creds()
    now = int(time.time())
    body = json.dumps({"code_url": "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}).encode()
    made = wechat.parse_order_response(c, "PU-000003", 200, sign_headers(body, now), body, now=now)
    assert made.qr_payload == "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"
    forged = sign_headers(
        body, now, key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    with pytest.raises(NotificationRefused):
        wechat.parse_order_response(c, "PU-000003", 200, forged, body, now=now)
    error = json.dumps({"code": "SYSTEM_ERROR", "message": "系统错误"}).encode()
    with pytest.raises(ProviderError) as err:
        wechat.parse_order_response(c, "PU-000003", 500, {}, error, now=now)
    assert err.value.retryable
    bad = json.dumps({"code": "PARAM_ERROR", "message": "out_trade_no"}).encode()
    with pytest.raises(ProviderError) as err:
        wechat.parse_order_response(c, "PU-000003", 400, {}, bad, now=now)
    assert not err.value.retryable
    paid = json.dumps(transaction("PU-000003")).encode()
    state = wechat.parse_query_response(c, "PU-000003", 200, sign_headers(paid, now), paid, now=now)
    assert state.state is PaymentState.PAID
    with pytest.raises(NotificationRefused):  # a query answer can credit: unsigned is refused
        wechat.parse_query_response(c, "PU-000003", 200, {}, paid, now=now)
    waiting = transaction("PU-000003", trade_state="NOTPAY")
    del waiting["transaction_id"]
    raw = json.dumps(waiting).encode()
    state = wechat.parse_query_response(c, "PU-000003", 200, sign_headers(raw, now), raw, now=now)
    assert state.state is PaymentState.PENDING
    closed = json.dumps(transaction("PU-000003", trade_state="CLOSED")).encode()
    state = wechat.parse_query_response(
        c, "PU-000003", 200, sign_headers(closed, now), closed, now=now
    )
    assert state.state is PaymentState.CLOSED
    missing = json.dumps({"code": "ORDER_NOT_EXIST", "message": "订单不存在"}).encode()
    state = wechat.parse_query_response(c, "PU-000003", 404, {}, missing, now=now)
    assert state.state is PaymentState.CLOSED


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mchid", "abc"),
        ("apiv3_key", "short"),
        ("private_key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"),
        ("platform_public_key", "not a key"),
        ("platform_key_id", ""),
    ],
)
def test_bad_credentials_name_their_field(field: str, value: str) -> None:
    with pytest.raises(CredentialsInvalid) as err:
        creds(**{field: value})
    assert err.value.field == field
