"""H10: every money service fed 10,000 malformed calls; not one posting may result.

Each call breaks exactly one thing (the amount, the id, the device, an extra key), the rest
being valid, so a refusal can only come from the broken part. Random but seeded
(PREPAID_UTILITY_SEED), so a failure can be replayed.
"""

from __future__ import annotations

import os
import random
from decimal import Decimal
from typing import Any

import probatio as vol
import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from sqlalchemy import func, select

from custom_components.prepaid_utility.const import DOMAIN
from custom_components.prepaid_utility.ledger import schema

from .test_accounts import _account

pytestmark = pytest.mark.usefixtures("sockets")

CALLS = 10_000
SEED = int(os.environ.get("PREPAID_UTILITY_SEED") or 20261123)


def _bad_amount(rng: random.Random) -> Any:
    return rng.choice(
        [
            lambda: str(-rng.randint(1, 10**6)),  # negative
            lambda: "0",
            lambda: f"{rng.randint(10**6 + 1, 10**30)}",  # absurd
            lambda: (
                f"{rng.randint(1, 999)}.{rng.randint(1, 9)}{rng.randint(0, 9)}{rng.randint(1, 9)}"
            ),
            lambda: rng.choice(["NaN", "inf", "-inf", "1e999", "", " ", "ten", "1,5", "0x10"]),
            lambda: 0.1 + rng.randint(1, 100) * 0.2,  # a float with binary noise
            lambda: "".join(rng.choice("0123456789.-e+ ") for _ in range(rng.randint(1, 12))),
            lambda: rng.choice([[], {}, None, True]),
        ]
    )()


def _bad_id(rng: random.Random) -> Any:
    return rng.choice(
        [
            lambda: "x" * rng.randint(65, 300),
            lambda: rng.choice(["", " ", "a b", "../etc", "id\n", "-lead", "ü-order", "a;b"]),
            lambda: "".join(chr(rng.randint(0x20, 0x2FF)) for _ in range(rng.randint(1, 20))),
            lambda: rng.choice([None, [], {}]),
        ]
    )()


def _is_valid(amount: Any, key: Any, *, signed: bool) -> bool:
    """Return True when a generated "bad" input happens to be a valid one (it is skipped).

    Ids are trimmed of surrounding whitespace before use (a pasted "A1\n" is "A1").
    """
    key = key.strip() if isinstance(key, str) else key
    try:
        value = Decimal(str(amount))
    except ArithmeticError:
        return False
    return (
        isinstance(amount, (str, int, float))
        and not isinstance(amount, bool)
        and value.is_finite()
        and 0 < (abs(value) if signed else value) <= 10**6
        and value == value.quantize(Decimal("0.01"))
        and isinstance(key, str)
        and key.isascii()
        and 0 < len(key) <= 64
        and key.replace("-", "").replace("_", "").replace(".", "").replace(":", "").isalnum()
        and key[0].isalnum()
    )


async def test_ten_thousand_malformed_money_calls_post_nothing(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    _code, device_id = await _account(hass, mixed_building)
    ledger = mixed_building.runtime_data.ledger

    def postings(store: Any) -> int:
        with store.reading() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.posting)).scalar_one())

    before = await ledger.run(postings)
    rng = random.Random(SEED)
    services = {"recharge": "order_id", "refund": "refund_id", "adjust_balance": "adjustment_id"}
    refused = skipped = 0
    for n in range(CALLS):
        service = rng.choice(list(services))
        data: dict[str, Any] = {
            "device_id": device_id,
            "amount": "10.00",
            services[service]: f"F{n}",
        }
        if service == "adjust_balance":
            data["reason"] = "fuzz"
        broken = rng.choice(["amount", "id", "device", "extra"])
        if broken == "amount":
            data["amount"] = _bad_amount(rng)
        elif broken == "id":
            data[services[service]] = _bad_id(rng)
        elif broken == "device":
            data["device_id"] = rng.choice(["", "nope", "x" * 40, device_id[::-1]])
        else:
            data[rng.choice(["amount_minor", "balance", "user", "force"])] = "1"
        if broken in ("amount", "id") and _is_valid(
            data["amount"], data[services[service]], signed=service == "adjust_balance"
        ):
            skipped += 1
            continue
        try:
            response = await hass.services.async_call(
                DOMAIN, service, data, blocking=True, return_response=True
            )
        except ServiceValidationError, vol.Invalid:
            pass
        else:
            pytest.fail(f"accepted {service} {data!r}: {response!r}")
        refused += 1
    after = await ledger.run(postings)
    print(f"invalid_inputs={refused} skipped_valid={skipped} postings={after - before} seed={SEED}")
    assert refused > CALLS * 0.95
    assert after == before
