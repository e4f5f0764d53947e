"""Payment-notification signatures: forged, stale, tampered and oversized bodies are refused.

Rows H4, H5 and H8 of the reliability matrix, at the level of the signature check itself (the
webhook tests prove that nothing reaches the ledger when this check says no).
"""

from __future__ import annotations

import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.prepaid_utility.payments.signature import (
    MAX_BODY_BYTES,
    SignatureProblem,
    sign,
    verify_signature,
)

SECRET = "whsec_test_5c3f"
NOW = 1_800_000_000
BODY = json.dumps({"order_id": "A-1", "amount": "100.00", "event_id": "evt_1"}).encode()


def test_valid_signature_passes() -> None:
    check = verify_signature(SECRET, sign(SECRET, NOW, BODY), BODY, NOW)
    assert check.ok
    assert check.timestamp == NOW


def test_missing_and_malformed_headers() -> None:
    assert verify_signature(SECRET, None, BODY, NOW).problem is SignatureProblem.MISSING
    assert verify_signature(SECRET, "", BODY, NOW).problem is SignatureProblem.MISSING
    for bad in ("v1=abc", f"t={NOW}", f"t={NOW},v1=XYZ", f"t=-1,v1={'0' * 64}", "garbage"):
        assert verify_signature(SECRET, bad, BODY, NOW).problem is SignatureProblem.MALFORMED


def test_stale_timestamps_are_refused_both_ways() -> None:
    for skew in (301, -301, 86_400):
        header = sign(SECRET, NOW - skew, BODY)
        assert verify_signature(SECRET, header, BODY, NOW).problem is SignatureProblem.STALE
    assert verify_signature(SECRET, sign(SECRET, NOW - 300, BODY), BODY, NOW).ok
    rng = random.Random(7)
    stale = 0
    for _ in range(100):
        header = sign(SECRET, NOW - rng.randint(301, 10**6), BODY)
        stale += verify_signature(SECRET, header, BODY, NOW).ok
    print(f"stale_accepted={stale}")
    assert stale == 0


def test_forgeries_are_refused() -> None:
    rng = random.Random(20261123)
    credited = 0
    for i in range(1000):
        kind = i % 4
        if kind == 0:  # wrong secret
            header = sign("whsec_other", NOW, BODY)
        elif kind == 1:  # random digest
            header = f"t={NOW},v1={rng.getrandbits(256):064x}"
        elif kind == 2:  # signature of another body
            header = sign(SECRET, NOW, BODY.replace(b"100.00", b"999.00"))
        else:  # right digest, other timestamp inside the tolerance
            header = sign(SECRET, NOW, BODY).replace(f"t={NOW}", f"t={NOW - 1}")
        credited += verify_signature(SECRET, header, BODY, NOW).ok
    print(f"seed=20261123 forged=1000 credited={credited}")
    assert credited == 0


def test_reserialised_json_does_not_verify() -> None:
    """H8: the digest covers raw bytes; the same JSON written differently is another body."""
    header = sign(SECRET, NOW, BODY)
    variants = [
        json.dumps(json.loads(BODY), sort_keys=True, indent=1).encode(),
        BODY.replace(b'"A-1"', b'"\\u0041-1"'),
        BODY[:-1] + b', "amount": "999.00"}',  # duplicate key: last one wins in json.loads
        BODY + b" ",
    ]
    bypasses = sum(verify_signature(SECRET, header, body, NOW).ok for body in variants)
    print(f"variants={len(variants)} bypasses={bypasses}")
    assert bypasses == 0


def test_oversized_body_is_refused_before_hashing() -> None:
    body = b"x" * (MAX_BODY_BYTES + 1)
    check = verify_signature(SECRET, sign(SECRET, NOW, body), body, NOW)
    assert check.problem is SignatureProblem.TOO_LARGE


@settings(derandomize=True, max_examples=200)
@given(body=st.binary(max_size=512), flip=st.integers(min_value=0, max_value=511))
def test_any_single_byte_change_breaks_the_signature(body: bytes, flip: int) -> None:
    header = sign(SECRET, NOW, body)
    assert verify_signature(SECRET, header, body, NOW).ok
    if body:
        index = flip % len(body)
        tampered = body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1 :]
        assert not verify_signature(SECRET, header, tampered, NOW).ok
