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

    # H6: the provider retries, all 500 deliveries in parallel.
    results = await asyncio.gather(*(deliver() for _ in range(500)))
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


async def _raw_post(host: str, port: int, path: str, head: list[str], pieces: list[bytes]) -> Any:
    """POST over a plain socket, writing the body in the given pieces with pauses between.

    Each piece is its own TCP write (drained, then a pause), so the server sees the body arrive
    in parts, as over a real network or through a chunked relay.
    """
    reader, writer = await asyncio.open_connection(host, port)
    try:
        lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close", *head]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        for piece in pieces:
            await asyncio.sleep(0.02)
            writer.write(piece)
            await writer.drain()
        # Read the answer alone: after a 413 aiohttp lingers for the unsent body, so the
        # connection is not closed at once.
        head_raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        answer = {
            k.strip().lower(): v.strip()
            for k, _, v in (
                line.partition(":") for line in head_raw.decode().split("\r\n")[1:] if line
            )
        }
        if "content-length" in answer:
            body = await reader.readexactly(int(answer["content-length"]))
        else:
            body = b""
            while (size := int((await reader.readline()).strip(), 16)) > 0:
                body += await reader.readexactly(size)
                await reader.readline()
    finally:
        writer.close()
    status = int(head_raw.split(b" ", 2)[1])
    return status, json.loads(body)["result"]


def _split(body: bytes, parts: int) -> list[bytes]:
    size = -(-len(body) // parts)
    return [body[i : i + size] for i in range(0, len(body), size)]


def _chunked(body: bytes, parts: int) -> list[bytes]:
    return [b"%x\r\n%s\r\n" % (len(p), p) for p in _split(body, parts)] + [b"0\r\n\r\n"]


async def test_a_body_in_many_writes_or_chunks_is_read_whole(
    hass: HomeAssistant, mixed_building: Any, hass_client_no_auth: Any
) -> None:
    """Rule 13: a signed body that arrives in 8 TCP writes, or chunked, is credited."""
    entry = mixed_building
    await async_setup_component(hass, "webhook", {})
    code, device_id = await _setup(hass, entry)
    ledger = entry.runtime_data.ledger
    secret = entry.data[CONF_WEBHOOK_SECRET]
    client = await hass_client_no_auth()
    host, port = client.host, client.port
    before = await ledger.balance(code)
    credited = 0
    for order_id, chunked in (("SPLIT-1", False), ("SPLIT-2", True)):
        order = await _order(hass, device_id, order_id, "10.00")
        # Padding makes the body larger than one typical TCP segment (1.4 KB).
        body = _body(order_id, "10.00", note="x" * 3000)
        head = [
            f"{SIGNATURE_HEADER}: {sign(secret, int(time.time()), body)}",
            "Content-Type: application/json",
        ]
        if chunked:
            result = await _raw_post(
                host,
                port,
                order["webhook_path"],
                [*head, "Transfer-Encoding: chunked"],
                _chunked(body, 8),
            )
        else:
            result = await _raw_post(
                host,
                port,
                order["webhook_path"],
                [*head, f"Content-Length: {len(body)}"],
                _split(body, 8),
            )
        assert result == (200, "credited"), (order_id, result)
        credited += 1
    print(f"split_writes=8 credited={credited // 2} chunked_writes=8 chunked_credited=1")
    assert await ledger.balance(code) == before + 2000

    # Larger than the cap: refused by its declared length before a byte is read, or, chunked,
    # as soon as the cap is passed.
    path = (await _order(hass, device_id, "SPLIT-3", "10.00"))["webhook_path"]
    big = b"x" * 20_000
    declared = await _raw_post(
        host, port, path, [f"{SIGNATURE_HEADER}: t=1,v1=0", "Content-Length: 20000"], []
    )
    streamed = await _raw_post(
        host,
        port,
        path,
        [f"{SIGNATURE_HEADER}: t=1,v1=0", "Transfer-Encoding: chunked"],
        _chunked(big, 8),
    )
    assert declared == streamed == (413, "body_too_large")
    assert await ledger.balance(code) == before + 2000


async def test_every_unexpected_error_answers_5xx_and_a_retry_credits_once(
    hass: HomeAssistant,
    mixed_building: Any,
    hass_client_no_auth: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rule 14: never 2xx without a credit or a definite refusal; the retry then credits once."""
    entry = mixed_building
    await async_setup_component(hass, "webhook", {})
    code, device_id = await _setup(hass, entry)
    runtime = entry.runtime_data
    ledger = runtime.ledger
    secret = entry.data[CONF_WEBHOOK_SECRET]
    client = await hass_client_no_auth()
    before = await ledger.balance(code)

    async def deliver(order_id: str, amount: str = "10.00", **extra: Any) -> tuple[int, str]:
        body = _body(order_id, amount, **extra)
        headers = {SIGNATURE_HEADER: sign(secret, int(time.time()), body)}
        path = f"/api/webhook/{entry.data[CONF_WEBHOOK_ID]}"
        resp = await client.post(path, data=body, headers=headers)
        return resp.status, (await resp.json())["result"]

    def failing_once(target: Any, name: str, error: Exception) -> None:
        original = getattr(target, name)
        state = {"failed": False}

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not state["failed"]:
                state["failed"] = True
                raise error
            return original(*args, **kwargs)

        monkeypatch.setattr(target, name, wrapper)

    faults = [
        # A ledger closed by a reload, mid-request.
        ("ERR-1", runtime.ledger, "recharge", RuntimeError("ledger closed during a reload")),
        # The order store failing.
        ("ERR-2", runtime.orders, "get", OSError("storage unreadable")),
        # A crash between the credit and the answer: the balance refresh after the credit.
        ("ERR-3", runtime.coordinator, "async_refresh_balances", RuntimeError("crash")),
    ]
    answered_5xx = 0
    for order_id, target, name, error in faults:
        await _order(hass, device_id, order_id, "10.00")
        failing_once(target, name, error)
        status, result = await deliver(order_id)
        answered_5xx += status >= 500
        assert (status, result) == (500, "internal_error"), order_id
        # The provider retries: credited now (ERR-3: already credited, so a duplicate).
        retry = await deliver(order_id)
        assert retry[0] == 200
        assert retry[1] == ("duplicate" if order_id == "ERR-3" else "credited"), order_id
        assert (await deliver(order_id))[1] == "duplicate"
    print(f"unexpected_errors={len(faults)} answered_5xx={answered_5xx}")
    assert answered_5xx == len(faults)
    assert await ledger.balance(code) == before + 3000

    # Definite refusals: a huge exponent and a missing status are malformed, not paid.
    await _order(hass, device_id, "ERR-4", "10.00")
    assert await deliver("ERR-4", "1e999999999") == (400, "malformed")
    no_status = json.dumps({"order_id": "ERR-4", "amount": "10.00", "currency": "EUR"}).encode()
    headers = {SIGNATURE_HEADER: sign(secret, int(time.time()), no_status)}
    resp = await client.post(
        f"/api/webhook/{entry.data[CONF_WEBHOOK_ID]}", data=no_status, headers=headers
    )
    assert (resp.status, (await resp.json())["result"]) == (400, "malformed")
    assert await ledger.balance(code) == before + 3000


async def test_a_closed_accounts_order_credits_nothing(
    hass: HomeAssistant, mixed_building: Any, hass_client_no_auth: Any
) -> None:
    """Rule 16: an order made before the tenant moved out is refused once the account closed."""
    entry = mixed_building
    await async_setup_component(hass, "webhook", {})
    code, device_id = await _setup(hass, entry)
    order = await _order(hass, device_id, "GONE-1", "10.00")
    await hass.services.async_call(
        DOMAIN,
        "close_account",
        {"device_id": device_id, "settlement_id": "OUT-1"},
        blocking=True,
        return_response=True,
    )
    await hass.async_block_till_done()
    ledger = entry.runtime_data.ledger
    assert (await ledger.account(code)).closed
    before = await ledger.balance(code)
    secret = entry.data[CONF_WEBHOOK_SECRET]
    client = await hass_client_no_auth()
    body = _body("GONE-1", "10.00")
    results = []
    for _ in range(3):  # and its retries
        headers = {SIGNATURE_HEADER: sign(secret, int(time.time()), body)}
        resp = await client.post(order["webhook_path"], data=body, headers=headers)
        results.append((resp.status, (await resp.json())["result"]))
    print(f"closed_account_deliveries={len(results)} credited=0")
    assert results == [(410, "account_closed")] * 3
    assert await ledger.balance(code) == before


async def test_finished_orders_are_forgotten_after_a_month_pending_ones_never(
    hass: HomeAssistant, mixed_building: Any, hass_client_no_auth: Any
) -> None:
    """The orders file stays the size of a month's top-ups; the ledger keeps the money."""
    entry = mixed_building
    await async_setup_component(hass, "webhook", {})
    code, device_id = await _setup(hass, entry)
    orders = entry.runtime_data.orders
    ledger = entry.runtime_data.ledger
    secret = entry.data[CONF_WEBHOOK_SECRET]
    client = await hass_client_no_auth()
    paid = await _order(hass, device_id, "OLD-PAID", "10.00")
    await _order(hass, device_id, "STILL-OPEN", "20.00")

    async def deliver(order_id: str, amount: str) -> tuple[int, str]:
        body = _body(order_id, amount)
        headers = {SIGNATURE_HEADER: sign(secret, int(time.time()), body)}
        resp = await client.post(paid["webhook_path"], data=body, headers=headers)
        return resp.status, (await resp.json())["result"]

    assert await deliver("OLD-PAID", "10.00") == (200, "credited")
    order = orders.get("OLD-PAID")
    assert order is not None
    assert order.state == "paid"
    assert order.paid_key == "order:OLD-PAID"
    balance = await ledger.balance(code)
    # Asking again for a paid order with the same figures is no conflict; other figures are.
    assert (await _order(hass, device_id, "OLD-PAID", "10.00"))["created"] is False
    with pytest.raises(ServiceValidationError):
        await _order(hass, device_id, "OLD-PAID", "11.00")
    later = 0.0
    orders.clock = lambda: time.time() + later
    later = 29 * 86400
    assert await deliver("OLD-PAID", "10.00") == (200, "duplicate")  # a provider's late retry
    later = 31 * 86400
    await _order(hass, device_id, "NEW-1", "5.00")  # any save prunes
    kept = sorted(o.order_id for o in orders.all())
    print(f"orders_kept={kept} pruned=1")
    assert kept == ["NEW-1", "STILL-OPEN"]
    assert await deliver("OLD-PAID", "10.00") == (404, "unknown_order")
    assert await ledger.balance(code) == balance
    # What was saved is what a restart reads.
    await orders.async_load()
    assert sorted(o.order_id for o in orders.all()) == kept
