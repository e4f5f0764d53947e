r"""WeChat Pay API v3: Native orders (a ``code_url`` to show as a QR code) and their notifications.

As WeChat Pay specifies it (pay.weixin.qq.com, API v3):
- requests carry ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=..,nonce_str=..,signature=..,
  timestamp=..,serial_no=..``: SHA256withRSA with the merchant's private key over
  ``METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n``;
- answers and notifications carry ``Wechatpay-Signature/-Timestamp/-Nonce/-Serial``:
  SHA256withRSA with WeChat Pay's key over ``TIMESTAMP\nNONCE\nBODY\n``; the key is the
  "WeChat Pay public key" (serial ``PUB_KEY_ID_...``) or a platform certificate (its serial);
- a notification's ``resource`` is AEAD_AES_256_GCM encrypted with the merchant's APIv3 key;
- WeChat Pay leaves the freshness check to the merchant: we refuse a timestamp more than 300 s
  away from our clock, so a captured notification cannot be replayed later (replays inside the
  window credit nothing either: the credit is keyed by ``transaction_id``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

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
)

PROVIDER = "wechat"
API_BASE = "https://api.mch.weixin.qq.com"
TOLERANCE_S = 300
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
# trade_state values (Native): only SUCCESS is money; these will never become money.
_CLOSED_STATES = {"CLOSED", "REVOKED", "PAYERROR", "REFUND"}
_HEX_OR_ID = re.compile(r"^[A-Za-z0-9_]{1,64}$")


@dataclass(frozen=True, slots=True)
class WechatCredentials:
    """A merchant's API v3 credentials, loaded and checked."""

    mchid: str
    appid: str
    merchant_serial_no: str  # the serial of the merchant's API certificate
    private_key: rsa.RSAPrivateKey
    apiv3_key: bytes  # 32 bytes
    platform_key: rsa.RSAPublicKey
    platform_key_id: str  # PUB_KEY_ID_... or the platform certificate's serial
    api_base: str = API_BASE


def load_credentials(
    *,
    mchid: str,
    appid: str,
    merchant_serial_no: str,
    private_key: str,
    apiv3_key: str,
    platform_public_key: str,
    platform_key_id: str = "",
    api_base: str = API_BASE,
) -> WechatCredentials:
    """Check every field the way WeChat Pay will use it; raise CredentialsInvalid naming one."""
    if not mchid.isdigit() or not 6 <= len(mchid) <= 32:
        raise CredentialsInvalid("mchid", "digits only")
    if not appid or not _HEX_OR_ID.match(appid):
        raise CredentialsInvalid("appid", "letters and digits")
    if not _HEX_OR_ID.match(merchant_serial_no):
        raise CredentialsInvalid("merchant_serial_no", "the merchant certificate's serial")
    key_bytes = apiv3_key.encode()
    if len(key_bytes) != 32 or not apiv3_key.isascii():
        raise CredentialsInvalid("apiv3_key", "32 characters")
    key = load_private_key(private_key, "private_key")
    public, cert_serial = load_public_key(platform_public_key, "platform_public_key")
    key_id = platform_key_id.strip() or cert_serial
    if not key_id:
        raise CredentialsInvalid("platform_key_id", "the public key id (PUB_KEY_ID_...)")
    if cert_serial and key_id.upper() != cert_serial:
        raise CredentialsInvalid("platform_key_id", "not the certificate's serial")
    return WechatCredentials(
        mchid, appid, merchant_serial_no, key, key_bytes, public, key_id, api_base
    )


def _sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def authorization(
    creds: WechatCredentials,
    method: str,
    path: str,
    body: bytes,
    *,
    timestamp: int,
    nonce: str,
) -> str:
    """Return the ``Authorization`` header of a request to WeChat Pay."""
    message = f"{method}\n{path}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"
    return (
        f'{SIGNATURE_TYPE} mchid="{creds.mchid}",nonce_str="{nonce}",'
        f'signature="{_sign(creds.private_key, message)}",timestamp="{timestamp}",'
        f'serial_no="{creds.merchant_serial_no}"'
    )


def _request(
    creds: WechatCredentials, method: str, path: str, payload: Any, timestamp: int
) -> HttpRequest:
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    headers = {
        "Authorization": authorization(
            creds, method, path, body, timestamp=timestamp, nonce=secrets.token_hex(16).upper()
        ),
        "Accept": "application/json",
        "User-Agent": "prepaid_utility (Home Assistant)",
    }
    if payload is not None:
        headers["Content-Type"] = "application/json"
    return HttpRequest(method, creds.api_base + path, headers, body)


def native_order_request(
    creds: WechatCredentials,
    *,
    order_id: str,
    description: str,
    amount_minor: int,
    currency: str,
    notify_url: str,
    timestamp: int,
    expires_rfc3339: str = "",
) -> HttpRequest:
    """``POST /v3/pay/transactions/native``: an order whose answer is a ``code_url``."""
    payload: dict[str, Any] = {
        "appid": creds.appid,
        "mchid": creds.mchid,
        "description": description[:127],
        "out_trade_no": order_id,
        "notify_url": notify_url,
        "amount": {"total": amount_minor, "currency": currency},
    }
    if expires_rfc3339:
        payload["time_expire"] = expires_rfc3339
    return _request(creds, "POST", "/v3/pay/transactions/native", payload, timestamp)


def query_order_request(creds: WechatCredentials, order_id: str, timestamp: int) -> HttpRequest:
    """``GET /v3/pay/transactions/out-trade-no/{id}``: the fallback when no notification came."""
    path = f"/v3/pay/transactions/out-trade-no/{quote(order_id, safe='')}?mchid={creds.mchid}"
    return _request(creds, "GET", path, None, timestamp)


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:  # plain dicts in tests; aiohttp's headers are case-insensitive already
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), "")
    return value.strip()


def verify_signed(
    creds: WechatCredentials, headers: Mapping[str, str], body: bytes, now: int
) -> None:
    """Check WeChat Pay's signature on an answer or a notification; raise NotificationRefused."""
    if len(body) > MAX_NOTIFICATION_BYTES:
        raise NotificationRefused(Refusal.TOO_LARGE)
    signature = _header(headers, "Wechatpay-Signature")
    stamp = _header(headers, "Wechatpay-Timestamp")
    nonce = _header(headers, "Wechatpay-Nonce")
    serial = _header(headers, "Wechatpay-Serial")
    if not (signature and stamp and nonce and serial):
        raise NotificationRefused(Refusal.SIGNATURE_MISSING)
    kind = _header(headers, "Wechatpay-Signature-Type")
    if kind and kind != SIGNATURE_TYPE:
        raise NotificationRefused(Refusal.SIGNATURE_MALFORMED, kind)
    if not stamp.isdigit() or len(stamp) > 12 or "\n" in nonce:
        raise NotificationRefused(Refusal.SIGNATURE_MALFORMED)
    if abs(now - int(stamp)) > TOLERANCE_S:
        raise NotificationRefused(Refusal.SIGNATURE_STALE, stamp)
    if serial.upper() != creds.platform_key_id.upper():
        # Also WeChat's "WECHATPAY/SIGNTEST/" probes: a key we were not given is no key.
        raise NotificationRefused(Refusal.UNKNOWN_KEY, serial)
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError) as err:
        raise NotificationRefused(Refusal.SIGNATURE_MALFORMED) from err
    message = f"{stamp}\n{nonce}\n".encode() + body + b"\n"
    try:
        creds.platform_key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as err:
        raise NotificationRefused(Refusal.SIGNATURE_MISMATCH) from err


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as err:
        raise NotificationRefused(Refusal.MALFORMED, "not JSON") from err
    if not isinstance(data, dict):
        raise NotificationRefused(Refusal.MALFORMED, "not an object")
    return data


def decrypt_resource(apiv3_key: bytes, resource: Mapping[str, Any]) -> bytes:
    """Open a notification's ``resource`` (AEAD_AES_256_GCM with the APIv3 key)."""
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise NotificationRefused(Refusal.MALFORMED, "algorithm")
    try:
        nonce = str(resource["nonce"]).encode()
        aad = str(resource.get("associated_data") or "").encode()
        ciphertext = base64.b64decode(str(resource["ciphertext"]), validate=True)
        return AESGCM(apiv3_key).decrypt(nonce, ciphertext, aad)
    except (KeyError, binascii.Error, ValueError, InvalidTag) as err:
        raise NotificationRefused(Refusal.UNDECRYPTABLE) from err


def _transaction(creds: WechatCredentials, data: Mapping[str, Any]) -> Payment:
    """Read a transaction object (a notification's resource or a query's answer)."""
    try:
        order_id = str(data["out_trade_no"])
        trade_state = str(data["trade_state"])
        mchid = str(data["mchid"])
        appid = str(data["appid"])
        amount = data.get("amount") or {}
        total = amount.get("total")
        currency = str(amount.get("currency", ""))
    except (KeyError, TypeError, AttributeError) as err:
        raise NotificationRefused(Refusal.MALFORMED, "transaction") from err
    if mchid != creds.mchid or appid != creds.appid:
        raise NotificationRefused(Refusal.OTHER_MERCHANT, mchid)
    if trade_state == "SUCCESS":
        transaction_id = data.get("transaction_id")
        if not isinstance(transaction_id, str) or not transaction_id:
            raise NotificationRefused(Refusal.MALFORMED, "transaction_id")
        if type(total) is not int or total <= 0 or not currency:
            raise NotificationRefused(Refusal.MALFORMED, "amount")
        state = PaymentState.PAID
    else:
        transaction_id = str(data.get("transaction_id") or "")
        state = PaymentState.CLOSED if trade_state in _CLOSED_STATES else PaymentState.PENDING
    return Payment(
        PROVIDER,
        order_id,
        state,
        transaction_id,
        total if type(total) is int else None,
        currency.upper(),
        dict(data),
    )


def parse_notification(
    creds: WechatCredentials, headers: Mapping[str, str], body: bytes, now: int
) -> Payment:
    """Verify and open a payment notification; the payment it reports, or NotificationRefused."""
    verify_signed(creds, headers, body, now)
    outer = _json_object(body)
    if outer.get("resource_type") != "encrypt-resource" or not isinstance(
        outer.get("resource"), dict
    ):
        raise NotificationRefused(Refusal.MALFORMED, "resource")
    if outer.get("event_type") != "TRANSACTION.SUCCESS":
        raise NotificationRefused(Refusal.IGNORED_EVENT, str(outer.get("event_type")))
    inner = _json_object(decrypt_resource(creds.apiv3_key, outer["resource"]))
    return _transaction(creds, inner)


def _raise_for_error(status: int, body: bytes) -> None:
    if 200 <= status < 300:
        return
    try:
        data = json.loads(body)
        code, message = str(data.get("code", status)), str(data.get("message", ""))
    except ValueError, AttributeError:
        code, message = str(status), body[:200].decode(errors="replace")
    # WeChat's documented rule: 5xx and SYSTEM_ERROR/FREQUENCY_LIMITED may be retried.
    retryable = status >= 500 or status == 429 or code in {"SYSTEM_ERROR", "FREQUENCY_LIMITED"}
    raise ProviderError(code, message, retryable=retryable)


def parse_order_response(
    creds: WechatCredentials,
    order_id: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: int,
) -> OrderCreated:
    """Read the answer to a Native order: the ``code_url`` to show (signature checked)."""
    _raise_for_error(status, body)
    verify_signed(creds, headers, body, now)
    code_url = _json_object(body).get("code_url")
    if not isinstance(code_url, str) or not code_url.startswith("weixin://"):
        raise NotificationRefused(Refusal.MALFORMED, "code_url")
    return OrderCreated(PROVIDER, order_id, qr_payload=code_url)


def parse_query_response(
    creds: WechatCredentials,
    order_id: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: int,
) -> Payment:
    """Read the answer to an order query (signature checked: it can credit money)."""
    if status == 404:
        try:
            code = json.loads(body).get("code")
        except ValueError, AttributeError:
            code = None
        if code == "ORDER_NOT_EXIST":
            return Payment(PROVIDER, order_id, PaymentState.CLOSED)
    _raise_for_error(status, body)
    verify_signed(creds, headers, body, now)
    payment = _transaction(creds, _json_object(body))
    if payment.order_id != order_id:
        raise NotificationRefused(Refusal.MALFORMED, "another order")
    return payment
