"""Alipay: ``alipay.trade.precreate`` (a ``qr_code`` to show) and its asynchronous notifications.

As Alipay's open platform specifies it (opendocs.alipay.com, RSA2 keys, not certificate mode):
- a request is a form of public parameters plus ``biz_content`` (JSON), signed with the app's
  private key: SHA256withRSA over the parameters sorted by name, ``k=v`` joined by ``&``,
  values not URL-encoded, ``sign`` left out;
- an answer is JSON ``{"<method>_response": {...}, "sign": "..."}``; the signature covers the
  raw text of the ``<method>_response`` value exactly as sent (so it is cut from the bytes,
  never re-serialised);
- an asynchronous notification is a form POST; its signature covers every parameter except
  ``sign`` and ``sign_type``, sorted, ``k=v`` joined by ``&``, URL-decoded; we answer the literal
  ``success`` (anything else and Alipay retries: 4m, 10m, 10m, 1h, 2h, 6h, 15h).
Alipay puts no freshness window on a notification (its retries span 25 hours); a replay credits
nothing because the credit is keyed by ``trade_no``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

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
    load_private_key,
    load_public_key,
    minor_from_text,
    text_from_minor,
)

PROVIDER = "alipay"
GATEWAY = "https://openapi.alipay.com/gateway.do"
SUCCESS_REPLY = "success"
CURRENCY = "CNY"  # precreate charges in yuan; total_amount is always CNY
_EXPONENT = 2
_PAID = {"TRADE_SUCCESS", "TRADE_FINISHED"}
_CHINA = timedelta(hours=8)  # Alipay's timestamps are Beijing time


@dataclass(frozen=True, slots=True)
class AlipayCredentials:
    """An Alipay app's keys, loaded and checked."""

    app_id: str
    private_key: rsa.RSAPrivateKey
    alipay_public_key: rsa.RSAPublicKey
    seller_id: str = ""  # the merchant's PID (2088...); checked on notifications when given
    gateway: str = GATEWAY


def load_credentials(
    *,
    app_id: str,
    private_key: str,
    alipay_public_key: str,
    seller_id: str = "",
    gateway: str = GATEWAY,
) -> AlipayCredentials:
    """Check every field the way Alipay will use it; raise CredentialsInvalid naming one."""
    if not app_id.isdigit() or not 8 <= len(app_id) <= 32:
        raise CredentialsInvalid("app_id", "digits only")
    if seller_id and (not seller_id.isdigit() or not seller_id.startswith("2088")):
        raise CredentialsInvalid("seller_id", "the 16-digit PID starting 2088")
    key = load_private_key(private_key, "private_key")
    public, _ = load_public_key(alipay_public_key, "alipay_public_key")
    return AlipayCredentials(app_id, key, public, seller_id, gateway)


def signing_string(params: Iterable[tuple[str, str]]) -> str:
    """Return what Alipay signs: sorted ``k=v`` joined by ``&`` (without sign and sign_type)."""
    return "&".join(f"{k}={v}" for k, v in sorted(params) if k not in ("sign", "sign_type"))


def _sign(key: rsa.RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def _verify(key: rsa.RSAPublicKey, text: str, signature: str) -> None:
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError) as err:
        raise NotificationRefused(Refusal.SIGNATURE_MALFORMED) from err
    try:
        key.verify(raw, text.encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as err:
        raise NotificationRefused(Refusal.SIGNATURE_MISMATCH) from err


def _request(
    creds: AlipayCredentials,
    method: str,
    biz_content: Mapping[str, Any],
    now: datetime,
    notify_url: str = "",
) -> HttpRequest:
    params = {
        "app_id": creds.app_id,
        "method": method,
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": (now.astimezone(UTC) + _CHINA).strftime("%Y-%m-%d %H:%M:%S"),
        "version": "1.0",
        "biz_content": json.dumps(biz_content, ensure_ascii=False, separators=(",", ":")),
    }
    if notify_url:
        params["notify_url"] = notify_url
    # sign_type is signed in requests (only notifications leave it out).
    text = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    params["sign"] = _sign(creds.private_key, text)
    return HttpRequest(
        "POST",
        creds.gateway,
        {"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
        urlencode(params).encode(),
    )


def precreate_request(
    creds: AlipayCredentials,
    *,
    order_id: str,
    subject: str,
    amount_minor: int,
    notify_url: str,
    now: datetime,
    timeout_express: str = "",
) -> HttpRequest:
    """``alipay.trade.precreate``: an order whose answer is a ``qr_code``."""
    biz: dict[str, Any] = {
        "out_trade_no": order_id,
        "total_amount": text_from_minor(amount_minor, _EXPONENT),
        "subject": subject[:256],
    }
    if timeout_express:
        biz["timeout_express"] = timeout_express
    return _request(creds, "alipay.trade.precreate", biz, now, notify_url)


def query_request(creds: AlipayCredentials, order_id: str, now: datetime) -> HttpRequest:
    """``alipay.trade.query``: the fallback when no notification came."""
    return _request(creds, "alipay.trade.query", {"out_trade_no": order_id}, now)


def _signed_response(creds: AlipayCredentials, body: bytes, method: str) -> dict[str, Any]:
    """Cut the ``<method>_response`` value from the raw text, verify it, return it parsed."""
    if len(body) > MAX_NOTIFICATION_BYTES:
        raise NotificationRefused(Refusal.TOO_LARGE)
    text = body.decode("utf-8", errors="strict")
    try:
        whole = json.loads(text)
    except ValueError as err:
        raise NotificationRefused(Refusal.MALFORMED, "not JSON") from err
    name = method.replace(".", "_") + "_response"
    if not isinstance(whole, dict) or not isinstance(whole.get(name), dict):
        error = whole.get("error_response") if isinstance(whole, dict) else None
        if isinstance(error, dict):
            raise ProviderError(
                str(error.get("code")), str(error.get("sub_msg", "")), retryable=False
            )
        raise NotificationRefused(Refusal.MALFORMED, name)
    key = f'"{name}"'
    start = text.find(key)
    start = text.index(":", start + len(key)) + 1
    while text[start] in " \t\r\n":
        start += 1
    _, end = json.JSONDecoder().raw_decode(text, start)
    content = whole[name]
    code = str(content.get("code", ""))
    sign = whole.get("sign")
    if not isinstance(sign, str) or not sign:
        # Alipay signs error answers too, except some gateway-level ones: never trusted as
        # a payment, only as a reason.
        if code != "10000":
            raise ProviderError(code, str(content.get("sub_msg", "")), retryable=code == "20000")
        raise NotificationRefused(Refusal.SIGNATURE_MISSING)
    _verify(creds.alipay_public_key, text[start:end], sign)
    return dict(content)


def _raise_for_code(content: Mapping[str, Any]) -> None:
    code = str(content.get("code", ""))
    if code != "10000":
        sub = str(content.get("sub_code", ""))
        # 20000 is "service unavailable"; ACQ.SYSTEM_ERROR may be retried per Alipay's docs.
        retryable = code == "20000" or sub == "ACQ.SYSTEM_ERROR"
        raise ProviderError(sub or code, str(content.get("sub_msg", "")), retryable=retryable)


def parse_precreate_response(
    creds: AlipayCredentials, order_id: str, status: int, body: bytes
) -> OrderCreated:
    """Read the answer to a precreate: the ``qr_code`` to show (signature checked)."""
    if status >= 500:
        raise ProviderError(str(status), "gateway error", retryable=True)
    content = _signed_response(creds, body, "alipay.trade.precreate")
    _raise_for_code(content)
    qr = content.get("qr_code")
    if content.get("out_trade_no") != order_id or not isinstance(qr, str) or not qr:
        raise NotificationRefused(Refusal.MALFORMED, "qr_code")
    return OrderCreated(PROVIDER, order_id, qr_payload=qr)


def _payment(creds: AlipayCredentials, data: Mapping[str, Any]) -> Payment:
    order_id = str(data.get("out_trade_no") or "")
    status = str(data.get("trade_status") or "")
    if not order_id or not status:
        raise NotificationRefused(Refusal.MALFORMED, "out_trade_no/trade_status")
    if status in _PAID:
        trade_no = str(data.get("trade_no") or "")
        try:
            amount = minor_from_text(str(data.get("total_amount")), _EXPONENT)
        except ValueError as err:
            raise NotificationRefused(Refusal.MALFORMED, "total_amount") from err
        if not trade_no or amount <= 0:
            raise NotificationRefused(Refusal.MALFORMED, "trade_no")
        return Payment(
            PROVIDER, order_id, PaymentState.PAID, trade_no, amount, CURRENCY, dict(data)
        )
    state = PaymentState.CLOSED if status == "TRADE_CLOSED" else PaymentState.PENDING
    return Payment(PROVIDER, order_id, state, str(data.get("trade_no") or ""), raw=dict(data))


def parse_query_response(
    creds: AlipayCredentials, order_id: str, status: int, body: bytes
) -> Payment:
    """Read the answer to ``alipay.trade.query`` (signature checked: it can credit money)."""
    if status >= 500:
        raise ProviderError(str(status), "gateway error", retryable=True)
    content = _signed_response(creds, body, "alipay.trade.query")
    if content.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
        # Before the resident scans, Alipay knows no trade: still pending on our side.
        return Payment(PROVIDER, order_id, PaymentState.PENDING)
    _raise_for_code(content)
    payment = _payment(creds, content)
    if payment.order_id != order_id:
        raise NotificationRefused(Refusal.MALFORMED, "another order")
    return payment


def parse_notification(creds: AlipayCredentials, body: bytes) -> Payment:
    """Verify an asynchronous notification (form POST); the payment it reports."""
    if len(body) > MAX_NOTIFICATION_BYTES:
        raise NotificationRefused(Refusal.TOO_LARGE)
    try:
        pairs = parse_qsl(
            body.decode("ascii"),
            keep_blank_values=True,
            strict_parsing=True,
            encoding="utf-8",
            errors="strict",
        )
    except (UnicodeDecodeError, ValueError) as err:
        raise NotificationRefused(Refusal.MALFORMED, "form") from err
    names = [k for k, _ in pairs]
    if len(set(names)) != len(names):
        # Which of two values would be "the" amount is exactly the ambiguity a forger wants.
        raise NotificationRefused(Refusal.MALFORMED, "duplicate parameter")
    form = dict(pairs)
    sign = form.get("sign")
    if not sign:
        raise NotificationRefused(Refusal.SIGNATURE_MISSING)
    if form.get("sign_type", "RSA2") != "RSA2":
        raise NotificationRefused(Refusal.SIGNATURE_MALFORMED, form["sign_type"])
    _verify(creds.alipay_public_key, signing_string(pairs), sign)
    if form.get("app_id") != creds.app_id or (
        creds.seller_id and form.get("seller_id") != creds.seller_id
    ):
        raise NotificationRefused(Refusal.OTHER_MERCHANT, form.get("app_id", ""))
    return _payment(creds, form)
