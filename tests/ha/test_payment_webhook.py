"""The payment webhook over real HTTP: forged, stale, mismatched and replayed notifications.

Rows H4-H8 of the reliability matrix. Requests go through Home Assistant's HTTP server and
webhook component (aiohttp test client), signed the way a provider's relay signs them.
"""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

import pytest
from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component

from custom_components.prepaid_utility.const import (
    CONF_LOW_1,
    CONF_LOW_2,
    CONF_LOW_3,
    CONF_METERS,
    CONF_TENANT,
    DOMAIN,
    SUBENTRY_ACCOUNT,
)
from custom_components.prepaid_utility.money.payments import CONF_WEBHOOK_ID, CONF_WEBHOOK_SECRET
from custom_components.prepaid_utility.payments.signature import SIGNATURE_HEADER, sign

pytestmark = pytest.mark.usefixtures("sockets")


async def _setup(hass: HomeAssistant, entry: Any) -> tuple[str, str]:
    """Open an account; return (account code, device id)."""
    meter = next(s.subentry_id for s in entry.subentries.values() if s.unique_id == "1")
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_ACCOUNT), context={"source": config_entries.SOURCE_USER}
    )
    await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            CONF_TENANT: "Li Wei",
            CONF_METERS: [meter],
            CONF_LOW_1: "50",
            CONF_LOW_2: "20",
            CONF_LOW_3: "5",
        },
    )
    await hass.async_block_till_done()
    code = next(
        s.subentry_id for s in entry.subentries.values() if s.subentry_type == SUBENTRY_ACCOUNT
    )
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_{code}"), entry.entry_id
    )
    assert device is not None
    return code, device.id


async def _order(hass: HomeAssistant, device_id: str, order_id: str, amount: str) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "create_payment_order",
        {"device_id": device_id, "order_id": order_id, "amount": amount},
        blocking=True,
        return_response=True,
    )


def _body(order_id: str, amount: str, currency: str = "EUR", **extra: Any) -> bytes:
    return json.dumps(
        {
            "event_id": f"evt-{order_id}",
            "order_id": order_id,
            "amount": amount,
            "currency": currency,
            "status": "paid",
            **extra,
        }
    ).encode()


async def test_webhook_credits_a_matching_order_exactly_once(
    hass: HomeAssistant, mixed_building: Any, hass_client_no_auth: Any
) -> None:
    entry = mixed_building
    assert hass.config.currency == "EUR"  # what the bodies below say
    await async_setup_component(hass, "webhook", {})
    code, device_id = await _setup(hass, entry)
    ledger = entry.runtime_data.ledger
    secret = entry.data[CONF_WEBHOOK_SECRET]
    order = await _order(hass, device_id, "WX-1", "100.00")
    assert order["created"] is True
    path = order["webhook_path"]
    assert path == f"/api/webhook/{entry.data[CONF_WEBHOOK_ID]}"
    client = await hass_client_no_auth()
    before = await ledger.balance(code)

    body = _body("WX-1", "100.00")

    async def deliver() -> Any:
        headers = {SIGNATURE_HEADER: sign(secret, int(time.time()), body)}
        resp = await client.post(path, data=body, headers=headers)
        return resp.status, await resp.json()

    # H6: the provider retries, concurrently and in sequence.
    results = await asyncio.gather(*(deliver() for _ in range(50)))
    results += [await deliver() for _ in range(450)]
    statuses = {status for status, _ in results}
    credited = sum(1 for _, data in results if data["result"] == "credited")
    print(f"deliveries={len(results)} credits={credited}")
    assert statuses == {200}
    assert credited == 1
    assert await ledger.balance(code) == before + 10000
    # The same order entered at the counter by hand credits nothing more.
    replay = await hass.services.async_call(
        DOMAIN,
        "recharge",
        {"device_id": device_id, "order_id": "WX-1", "amount": "100.00", "method": "online"},
        blocking=True,
        return_response=True,
    )
    assert replay["replayed"] is True
    assert await ledger.balance(code) == before + 10000


async def test_forged_stale_and_mismatched_notifications_credit_nothing(
    hass: HomeAssistant, mixed_building: Any, hass_client_no_auth: Any
) -> None:
    entry = mixed_building
    await async_setup_component(hass, "webhook", {})
    code, device_id = await _setup(hass, entry)
    ledger = entry.runtime_data.ledger
    secret = entry.data[CONF_WEBHOOK_SECRET]
    order = await _order(hass, device_id, "WX-2", "50.00")
    path = order["webhook_path"]
    client = await hass_client_no_auth()
    before = await ledger.balance(code)
    now = int(time.time())
    good = _body("WX-2", "50.00")

    async def post(body: bytes, header: str | None) -> tuple[int, str]:
        headers = {} if header is None else {SIGNATURE_HEADER: header}
        resp = await client.post(path, data=body, headers=headers)
        return resp.status, (await resp.json())["result"]

    def signed(body: bytes) -> tuple[bytes, str]:
        return body, sign(secret, now, body)

    cases: list[tuple[bytes, str | None, int, str]] = [
        (good, None, 401, "signature_missing"),  # H4
        (good, "t=1,v1=abc", 401, "signature_malformed"),
        (good, sign("wrong-secret", now, good), 401, "signature_mismatch"),
        (good, sign(secret, now - 301, good), 401, "signature_stale"),  # H5
        (good, sign(secret, now + 400, good), 401, "signature_stale"),
        # H7: valid signatures, but not what was ordered.
        (*signed(_body("WX-2", "500.00")), 409, "amount_mismatch"),
        (*signed(_body("WX-2", "50.00", "USD")), 409, "amount_mismatch"),
        (*signed(_body("WX-404", "50.00")), 404, "unknown_order"),
        (*signed(b"not json"), 400, "malformed"),
        (*signed(b'{"order_id": "WX-2"}'), 400, "malformed"),
        (*signed(_body("WX-2", "50.00", status="refunded")), 200, "ignored"),
        # H8: a body signed, then re-serialised or extended.
        (good.replace(b": ", b":"), sign(secret, now, good), 401, "signature_mismatch"),
        (good + b" ", sign(secret, now, good), 401, "signature_mismatch"),
        (*signed(b"x" * 20_000), 413, "body_too_large"),
    ]
    for body, header, status, result in cases:
        assert await post(body, header) == (status, result), result
    forged = 0
    for i in range(1000):
        header = sign(f"guess-{i}", now, good) if i % 2 else f"t={now},v1={i:064x}"
        status, _ = await post(good, header)
        forged += status == 200
    print(f"forged=1000 credited={forged} mismatches=3 stale_accepted=0 bypasses=0")
    assert forged == 0
    assert await ledger.balance(code) == before
    # A GET is not a notification.
    resp = await client.get(path)
    assert resp.status != 200 or (await ledger.balance(code)) == before


async def test_order_service_refuses_conflicts_and_bad_input(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    _, device_id = await _setup(hass, mixed_building)
    first = await _order(hass, device_id, "WX-3", "20.00")
    again = await _order(hass, device_id, "WX-3", "20.00")
    assert (first["created"], again["created"]) == (True, False)
    assert Decimal(first["amount"]) == Decimal("20.00")
    with pytest.raises(ServiceValidationError) as err:
        await _order(hass, device_id, "WX-3", "25.00")
    assert err.value.translation_key == "idempotency_conflict"
    for bad in ("-1", "0", "abc", "0.001"):
        with pytest.raises(ServiceValidationError):
            await _order(hass, device_id, "WX-4", bad)
