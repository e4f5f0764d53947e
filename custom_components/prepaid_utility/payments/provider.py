"""What every payment provider module shares: requests to send, payments read back, refusals.

The provider modules (``wechat``, ``alipay``, ``stripe``) build the bytes of an HTTP request and
judge the bytes of an answer or a notification; they never open a socket. Home Assistant's side
sends the requests through its shared aiohttp session, so this package stays free of Home
Assistant and testable with keys generated in the test.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# A notification larger than this is not a payment notification (WeChat's are about 1 KB,
# Alipay's about 1.5 KB, Stripe's checkout.session events about 3-6 KB).
MAX_NOTIFICATION_BYTES = 64 * 1024


class PaymentState(StrEnum):
    """Where a provider says a payment is."""

    PAID = "paid"
    PENDING = "pending"
    CLOSED = "closed"  # closed, expired, revoked or failed: no money will come for it


class Refusal(StrEnum):
    """Why a notification or an answer was not believed (stable: also the HTTP error text)."""

    TOO_LARGE = "body_too_large"
    SIGNATURE_MISSING = "signature_missing"
    SIGNATURE_MALFORMED = "signature_malformed"
    SIGNATURE_STALE = "signature_stale"
    SIGNATURE_MISMATCH = "signature_mismatch"
    UNKNOWN_KEY = "unknown_key"
    UNDECRYPTABLE = "undecryptable"
    MALFORMED = "malformed"
    OTHER_MERCHANT = "other_merchant"
    IGNORED_EVENT = "ignored_event"


class NotificationRefused(Exception):
    """A notification or provider answer that must not move money."""

    def __init__(self, reason: Refusal, detail: str = "") -> None:
        """Keep the stable reason and a human detail for the log."""
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason


class ProviderError(Exception):
    """The provider answered a request with an error (its own code and message)."""

    def __init__(self, code: str, message: str, *, retryable: bool) -> None:
        """Keep the provider's code; ``retryable`` when asking again later may succeed."""
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable


class CredentialsInvalid(ValueError):
    """A credential field cannot be used (which field, for the form's error)."""

    def __init__(self, field_name: str, detail: str) -> None:
        """Name the field."""
        super().__init__(f"{field_name}: {detail}")
        self.field = field_name


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One request to a provider, ready to send as is."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class Payment:
    """A provider's statement about one of our orders."""

    provider: str
    order_id: str  # ours (out_trade_no / client_reference_id)
    state: PaymentState
    provider_id: str = ""  # the provider's own id of the payment, once there is one
    amount_minor: int | None = None
    currency: str = ""
    raw: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def idempotency_key(self) -> str:
        """The ledger key of this payment: one credit per provider payment."""
        return f"{self.provider}:{self.provider_id}"


@dataclass(frozen=True, slots=True)
class OrderCreated:
    """What a resident needs to pay an order: a QR payload or a link."""

    provider: str
    order_id: str
    qr_payload: str = ""  # WeChat's code_url, Alipay's qr_code
    pay_url: str = ""  # Stripe's hosted Checkout page
    provider_ref: str = ""  # the provider's id of the order (Stripe session id) if any


def minor_from_text(text: str, exponent: int) -> int:
    """Turn a decimal amount such as ``"88.88"`` into minor units, exactly, or raise ValueError."""
    if not re.fullmatch(r"\d{1,15}(\.\d{1,6})?", text):
        raise ValueError(f"not an amount: {text!r}")
    try:
        scaled = Decimal(text).scaleb(exponent)
    except InvalidOperation as err:
        raise ValueError(f"not an amount: {text!r}") from err
    if scaled != scaled.to_integral_value():
        raise ValueError(f"more decimals than the currency has: {text!r}")
    return int(scaled)


def text_from_minor(amount_minor: int, exponent: int) -> str:
    """Turn minor units into the decimal text providers expect (``8888, 2 -> "88.88"``)."""
    if amount_minor <= 0:
        raise ValueError("an amount must be positive")
    return f"{Decimal(amount_minor).scaleb(-exponent):.{exponent}f}"


def _pem_body(text: str) -> bytes:
    """Accept what consoles hand out: a PEM, or its base64 body alone (Alipay's console)."""
    stripped = text.strip()
    if stripped.startswith("-----BEGIN"):
        return stripped.encode()
    try:
        der = base64.b64decode("".join(stripped.split()), validate=True)
    except (binascii.Error, ValueError) as err:
        raise ValueError("neither PEM nor base64") from err
    return der


def load_private_key(text: str, field_name: str) -> rsa.RSAPrivateKey:
    """Load an RSA private key (PKCS#8 or PKCS#1, PEM or bare base64) of at least 2048 bits."""
    try:
        data = _pem_body(text)
        key = (
            serialization.load_pem_private_key(data, password=None)
            if data.startswith(b"-----")
            else serialization.load_der_private_key(data, password=None)
        )
    except (ValueError, TypeError) as err:
        raise CredentialsInvalid(field_name, "not an unencrypted private key") from err
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
        raise CredentialsInvalid(field_name, "not an RSA key of 2048 bits or more")
    return key


def load_public_key(text: str, field_name: str) -> tuple[rsa.RSAPublicKey, str]:
    """Load an RSA public key or certificate; return it and a certificate's serial (hex) or ''."""
    try:
        data = _pem_body(text)
        serial = ""
        if b"CERTIFICATE" in data[:40]:
            cert = x509.load_pem_x509_certificate(data)
            key: object = cert.public_key()
            serial = format(cert.serial_number, "X")
        elif data.startswith(b"-----"):
            key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(data)
    except (ValueError, TypeError) as err:
        raise CredentialsInvalid(field_name, "not a public key or certificate") from err
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
        raise CredentialsInvalid(field_name, "not an RSA key of 2048 bits or more")
    return key, serial
