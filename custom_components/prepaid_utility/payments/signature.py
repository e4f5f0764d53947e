"""Signatures on payment notifications: who may tell us that a resident has paid.

A payment provider (or the integrator's relay in front of one) signs each notification with the
gateway entry's secret: ``HMAC-SHA256(secret, f"{timestamp}.{raw_body}")``, sent as the header
``X-Prepaid-Signature: t=<unix seconds>,v1=<hex digest>``. The scheme is Stripe's: the timestamp
is inside the signed bytes, so a captured request cannot be replayed after the tolerance, and the
digest covers the raw bytes, so re-serialising the JSON (key order, unicode escapes, duplicate
keys) can never produce a body that verifies differently from what was signed.

No Home Assistant import: the HTTP handler calls :func:`verify_signature` before it parses a
single byte of the body.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

SIGNATURE_HEADER = "X-Prepaid-Signature"
DEFAULT_TOLERANCE_S = 300
MAX_BODY_BYTES = 16 * 1024
_HEADER_RE = re.compile(r"^t=(?P<t>\d{1,12}),v1=(?P<v1>[0-9a-f]{64})$")


class SignatureProblem(StrEnum):
    """Why a notification was refused (also the HTTP error text, so it is stable)."""

    MISSING = "signature_missing"
    MALFORMED = "signature_malformed"
    STALE = "signature_stale"
    MISMATCH = "signature_mismatch"
    TOO_LARGE = "body_too_large"


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """The outcome of checking one notification."""

    problem: SignatureProblem | None
    timestamp: int | None = None

    @property
    def ok(self) -> bool:
        """True when the notification may be processed."""
        return self.problem is None


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the header value a sender puts on ``body`` (used by providers' relays and tests)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes,
    now: int,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> SignatureCheck:
    """Check a notification's signature header against its raw body at time ``now``.

    The digest is compared in constant time, and only after the cheap checks, so the time an
    answer takes says nothing about how much of a forged digest was right.
    """
    if len(body) > MAX_BODY_BYTES:
        return SignatureCheck(SignatureProblem.TOO_LARGE)
    if not header:
        return SignatureCheck(SignatureProblem.MISSING)
    match = _HEADER_RE.match(header.strip())
    if match is None:
        return SignatureCheck(SignatureProblem.MALFORMED)
    timestamp = int(match["t"])
    if abs(now - timestamp) > tolerance_s:
        return SignatureCheck(SignatureProblem.STALE, timestamp)
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, match["v1"]):
        return SignatureCheck(SignatureProblem.MISMATCH, timestamp)
    return SignatureCheck(None, timestamp)
