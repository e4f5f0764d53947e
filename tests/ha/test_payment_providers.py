"""WeChat Pay, Alipay and Stripe inside Home Assistant: options, orders, notifications, queries.

The providers cannot be reached from here: ``tests/payment_standin.py`` is a local server on
127.0.0.1 that stands in for them, speaking their documented request and response shapes;
notifications are signed with keys generated in the test and delivered through Home
Assistant's own HTTP server over a real socket.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from homeassistant.auth.const import GROUP_ID_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.prepaid_utility.billing.errors import Refused
from custom_components.prepaid_utility.billing.money import format_money
from custom_components.prepaid_utility.diagnostics import async_get_config_entry_diagnostics
from custom_components.prepaid_utility.money import provider_http, providers, topups
from custom_components.prepaid_utility.money.payments import CONF_WEBHOOK_SECRET, OrderState
from tests import payment_standin as standin
from tests.payment_standin import Standin

from .conftest import add_simulated_building, poll
from .test_payment_webhook import _chunked, _split
from .test_tariffs_ha import _meter, _open_account

pytestmark = pytest.mark.usefixtures("sockets")
CLIENT_ID = "https://example.com/app"


@pytest.fixture
async def provider(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Standin]:
    """The stand-in provider on 127.0.0.1, and the integration pointed at it."""
    state = Standin()
    server = TestServer(state.app(), host="127.0.0.1")
    await server.start_server()
    base = f"http://127.0.0.1:{server.port}"
    monkeypatch.setitem(providers.API_BASES, "wechat", base)
    monkeypatch.setitem(providers.API_BASES, "alipay", base + "/gateway.do")
    monkeypatch.setitem(providers.API_BASES, "stripe", base)
    monkeypatch.setattr(provider_http, "TIMEOUT_S", 0.5)
    monkeypatch.setattr(provider_http, "BACKOFF_S", 0.01)
    state.hang_s = 2.0
    yield state
    await server.close()


@pytest.fixture
async def gateway(hass: HomeAssistant, sockets: None) -> AsyncIterator[Any]:
    """A simulated building in yuan, with two accounts; every provider configured."""
    hass.config.currency = "CNY"
    entry = await add_simulated_building(hass, "mixed")
    payments: dict[str, Any] = {
        name: providers.clean_fields(name, fields) for name, fields in standin.credentials().items()
    }
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "payments": {**payments, "min_amount": 100}}
    )
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


async def _accounts(hass: HomeAssistant, entry: Any, viewer: str = "") -> tuple[str, str, str]:
    """Accounts A and B (B listing ``viewer``); return A, B and A's device."""
    a, a_dev = await _open_account(hass, entry, "Li Wei", [_meter(entry, 1)])
    b, _ = await _open_account(
        hass, entry, "Zhang Min", [_meter(entry, 2)], **({"viewers": [viewer]} if viewer else {})
    )
    await poll(hass, entry)
    return a, b, a_dev


async def _raw(port: int, path: str, head: list[str], pieces: list[bytes]) -> tuple[int, bytes]:
    """POST over a plain socket, each piece its own TCP write; return status and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close", *head]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        for piece in pieces:
            await writer.drain()
            await asyncio.sleep(0.02)
            writer.write(piece)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()
    head_raw, _, body = raw.partition(b"\r\n\r\n")
    return int(head_raw.split(b" ", 2)[1]), body


def _path(entry: Any, provider: str) -> str:
    return f"/api/prepaid_utility/pay/{entry.entry_id}/{provider}"


async def test_options_check_credentials_and_never_send_secrets_back(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    entry = mixed_building
    creds = standin.credentials()
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    flow = await hass.config_entries.options.async_configure(
        flow["flow_id"], {"next_step_id": "payments"}
    )
    assert flow["type"] is FlowResultType.MENU
    # Administrators read what they enter at the providers, and the generic webhook's secret.
    shown = flow["description_placeholders"]
    assert shown["webhook_secret"] == entry.data[CONF_WEBHOOK_SECRET]
    assert shown["wechat_url"].endswith(f"/api/prepaid_utility/pay/{entry.entry_id}/wechat")
    flow = await hass.config_entries.options.async_configure(
        flow["flow_id"], {"next_step_id": "payment_wechat"}
    )
    bad_inputs = [
        (
            {"private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"},
            "private_key",
            "invalid_private_key",
        ),
        ({"apiv3_key": "short"}, "apiv3_key", "invalid_apiv3_key"),
        ({"mchid": "12ab"}, "mchid", "invalid_provider_id"),
        ({"platform_public_key": "not a key"}, "platform_public_key", "invalid_public_key"),
        ({"platform_key_id": ""}, "platform_key_id", "invalid_public_key_id"),
        ({"private_key": "x" * 20_000}, "private_key", "invalid_private_key"),
        ({"private_key": ""}, "private_key", "credential_required"),
    ]
    refused = 0
    for change, field, error in bad_inputs:
        flow = await hass.config_entries.options.async_configure(
            flow["flow_id"], {**creds["wechat"], **change}
        )
        assert flow["type"] is FlowResultType.FORM, field
        assert flow["errors"] == {field: error}, (field, flow["errors"])
        refused += 1
        assert "payments" not in entry.options
    # A PEM pasted into a password field arrives without its line breaks: still a key.
    flat = {**creds["wechat"], "private_key": creds["wechat"]["private_key"].replace("\n", " ")}
    flow = await hass.config_entries.options.async_configure(flow["flow_id"], flat)
    assert flow["type"] is FlowResultType.CREATE_ENTRY
    saved = entry.options["payments"]["wechat"]
    assert saved["private_key"].startswith("-----BEGIN PRIVATE KEY-----\n")

    # Opened again: no secret goes back to the browser; left empty, the saved ones stay.
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    flow = await hass.config_entries.options.async_configure(
        flow["flow_id"], {"next_step_id": "payments"}
    )
    flow = await hass.config_entries.options.async_configure(
        flow["flow_id"], {"next_step_id": "payment_wechat"}
    )
    form = repr(flow["data_schema"].schema) + json.dumps(
        [str(k.description) for k in flow["data_schema"].schema]
    )
    assert creds["wechat"]["apiv3_key"] not in form
    assert "PRIVATE KEY" not in form
    keep = {k: v for k, v in creds["wechat"].items() if k not in ("private_key", "apiv3_key")}
    flow = await hass.config_entries.options.async_configure(flow["flow_id"], keep)
    assert flow["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["payments"]["wechat"] == saved

    for provider, bad, field, error in (
        ("stripe", {"secret_key": "pk_test_x"}, "secret_key", "invalid_stripe_secret_key"),
        ("stripe", {"webhook_secret": "nope"}, "webhook_secret", "invalid_stripe_webhook_secret"),
        ("alipay", {"app_id": "abc"}, "app_id", "invalid_provider_id"),
        ("alipay", {"alipay_public_key": "MIIB"}, "alipay_public_key", "invalid_public_key"),
    ):
        flow = await hass.config_entries.options.async_init(entry.entry_id)
        flow = await hass.config_entries.options.async_configure(
            flow["flow_id"], {"next_step_id": "payments"}
        )
        flow = await hass.config_entries.options.async_configure(
            flow["flow_id"], {"next_step_id": f"payment_{provider}"}
        )
        flow = await hass.config_entries.options.async_configure(
            flow["flow_id"], {**creds[provider], **bad}
        )
        assert flow["errors"] == {field: error}
        refused += 1
        flow = await hass.config_entries.options.async_configure(flow["flow_id"], creds[provider])
        assert flow["type"] is FlowResultType.CREATE_ENTRY
    assert set(entry.options["payments"]) == {"wechat", "alipay", "stripe"}

    # Limits: refused when not two positive amounts in order; saved in minor units.
    for low, high in (
        ("0", "10"),
        ("50", "10"),
        ("abc", "10"),
        ("1", "1e999999999"),
        ("1", "2000000"),
    ):
        flow = await hass.config_entries.options.async_init(entry.entry_id)
        flow = await hass.config_entries.options.async_configure(
            flow["flow_id"], {"next_step_id": "payments"}
        )
        flow = await hass.config_entries.options.async_configure(
            flow["flow_id"], {"next_step_id": "payment_limits"}
        )
        flow = await hass.config_entries.options.async_configure(
            flow["flow_id"], {"min_amount": low, "max_amount": high}
        )
        assert flow["errors"] == {"base": "invalid_topup_limits"}, (low, high)
        refused += 1
    flow = await hass.config_entries.options.async_configure(
        flow["flow_id"], {"min_amount": "5", "max_amount": "300.50"}
    )
    assert flow["type"] is FlowResultType.CREATE_ENTRY
    assert providers.limits(entry.options) == (500, 30050)

    # Diagnostics: no key, secret or merchant id of any provider.
    diagnostics = json.dumps(await async_get_config_entry_diagnostics(hass, entry))
    leaked = [
        name
        for provider, fields in creds.items()
        for name, value in fields.items()
        if value and (value in diagnostics or json.dumps(value)[1:-1] in diagnostics)
    ]
    print(f"credential_refusals={refused} secrets_in_form=0 secrets_in_diagnostics={len(leaked)}")
    assert leaked == []

    # Removing a provider.
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    flow = await hass.config_entries.options.async_configure(
        flow["flow_id"], {"next_step_id": "payments"}
    )
    flow = await hass.config_entries.options.async_configure(
        flow["flow_id"], {"next_step_id": "payment_stripe"}
    )
    flow = await hass.config_entries.options.async_configure(flow["flow_id"], {"remove": True})
    assert set(entry.options["payments"]) == {"wechat", "alipay", "min_amount", "max_amount"}


async def test_wechat_notification_credits_once_whatever_the_delivery(
    hass: HomeAssistant, gateway: Any, provider: Standin, hass_client_no_auth: Any
) -> None:
    entry = gateway
    _, b, _ = await _accounts(hass, entry)
    ledger = entry.runtime_data.ledger
    tops = entry.runtime_data.topups
    order = await tops.async_start(b, "wechat", 5000, user_id="", base_url="http://x")
    assert order.qr_payload.startswith("weixin://wxpay/bizpayurl")
    provider.pay(order.order_id)
    before = await ledger.balance(b)
    client = await hass_client_no_auth()
    body = standin.wechat_notification(standin.wechat_transaction(order.order_id, 5000))

    async def deliver() -> int:
        resp = await client.post(
            _path(entry, "wechat"), data=body, headers=standin.wechat_headers(body)
        )
        return resp.status

    statuses = await asyncio.gather(*(deliver() for _ in range(500)))
    after = await ledger.balance(b)
    credits = (after - before) // 5000
    print(f"deliveries={len(statuses)} credits={credits} statuses={sorted(set(statuses))}")
    assert set(statuses) == {204}
    assert after == before + 5000
    assert tops.orders.get(order.order_id).state == OrderState.PAID

    # Over a plain socket: the body in 8 writes, then chunked (another order each).
    credited = 0
    for chunked in (False, True):
        other = await tops.async_start(b, "wechat", 1000, user_id="", base_url="")
        body = standin.wechat_notification(standin.wechat_transaction(other.order_id, 1000))
        head = [f"{k}: {v}" for k, v in standin.wechat_headers(body).items()]
        head.append("Content-Type: application/json")
        if chunked:
            head.append("Transfer-Encoding: chunked")
            pieces = _chunked(body, 8)
        else:
            head.append(f"Content-Length: {len(body)}")
            pieces = _split(body, 8)
        status, _ = await _raw(client.port, _path(entry, "wechat"), head, pieces)
        assert status == 204, chunked
        credited += 1
    print(f"split_writes=8 credited=1 chunked_writes=8 chunked_credited={credited - 1}")
    assert await ledger.balance(b) == before + 7000


async def test_refused_notifications_credit_nothing(
    hass: HomeAssistant, gateway: Any, provider: Standin, hass_client_no_auth: Any
) -> None:
    entry = gateway
    a, b, a_dev = await _accounts(hass, entry)
    ledger = entry.runtime_data.ledger
    tops = entry.runtime_data.topups
    client = await hass_client_no_auth()
    wx = await tops.async_start(b, "wechat", 2000, user_id="", base_url="")
    ali = await tops.async_start(b, "alipay", 3000, user_id="", base_url="")
    assert ali.qr_payload.startswith("https://qr.alipay.com/")
    st = await tops.async_start(b, "stripe", 4000, user_id="", base_url="")
    assert st.pay_url.startswith("https://checkout.stripe.com/")
    before = {code: await ledger.balance(code) for code in (a, b)}
    now = int(time.time())
    good = standin.wechat_notification(standin.wechat_transaction(wx.order_id, 2000))

    async def post(provider_name: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        resp = await client.post(_path(entry, provider_name), data=body, headers=headers)
        return resp.status, await resp.text()

    def wx_case(body: bytes, **kw: Any) -> tuple[str, bytes, dict[str, str]]:
        return "wechat", body, standin.wechat_headers(body, **kw)

    session = standin.stripe_session(st.order_id, 4000, "CNY", True)
    stripe_body = standin.stripe_event(session)
    usd = standin.stripe_event(standin.stripe_session(st.order_id, 4000, "USD", True))
    usd = standin.stripe_event(standin.stripe_session(st.order_id, 4000, "USD", True))
    cases: list[tuple[str, tuple[str, bytes, dict[str, str]], int, str]] = [
        (
            "tampered_body",
            ("wechat", good + b" ", standin.wechat_headers(good)),
            401,
            "signature_mismatch",
        ),
        ("wrong_key", wx_case(good, key="someone-else"), 401, "signature_mismatch"),
        ("stale", wx_case(good, stamp=now - 301), 401, "signature_stale"),
        ("no_signature", ("wechat", good, {}), 401, "signature_missing"),
        (
            "other_amount",
            wx_case(standin.wechat_notification(standin.wechat_transaction(wx.order_id, 2001))),
            409,
            "amount_mismatch",
        ),
        (
            "unknown_order",
            wx_case(standin.wechat_notification(standin.wechat_transaction("PU-NOPE", 2000))),
            409,
            "unknown_order",
        ),
        (
            "wrong_apiv3",
            wx_case(
                standin.wechat_notification(
                    standin.wechat_transaction(wx.order_id, 2000), apiv3="b" * 32
                )
            ),
            400,
            "undecryptable",
        ),
        (
            "alipay_tampered",
            (
                "alipay",
                standin.alipay_notification(ali.order_id, "30.00").replace(b"30.00", b"300.00"),
                {"Content-Type": "application/x-www-form-urlencoded"},
            ),
            401,
            "fail",
        ),
        (
            "alipay_other_amount",
            (
                "alipay",
                standin.alipay_notification(ali.order_id, "30.01"),
                {"Content-Type": "application/x-www-form-urlencoded"},
            ),
            409,
            "fail",
        ),
        (
            "stripe_wrong_secret",
            (
                "stripe",
                stripe_body,
                {
                    "Stripe-Signature": standin.stripe_signature(
                        stripe_body, secret="whsec_other0123456789"
                    )
                },
            ),
            401,
            "signature_mismatch",
        ),
        (
            "stripe_stale",
            (
                "stripe",
                stripe_body,
                {"Stripe-Signature": standin.stripe_signature(stripe_body, stamp=now - 400)},
            ),
            401,
            "signature_stale",
        ),
        (
            "stripe_other_currency",
            (
                "stripe",
                usd,
                {"Stripe-Signature": standin.stripe_signature(usd)},
            ),
            409,
            "currency_mismatch",
        ),
        (
            "too_large",
            ("wechat", b"x" * 70_000, standin.wechat_headers(b"x")),
            413,
            "body_too_large",
        ),
    ]
    for name, (provider_name, body, headers), status, text in cases:
        got = await post(provider_name, body, headers)
        assert got[0] == status, (name, got)
        assert text in got[1], (name, got)
    # Unknown gateway, unknown provider: 404.
    resp = await client.post("/api/prepaid_utility/pay/nope/wechat", data=good)
    assert resp.status == 404
    resp = await client.post(f"/api/prepaid_utility/pay/{entry.entry_id}/paypal", data=good)
    assert resp.status == 404
    assert {code: await ledger.balance(code) for code in (a, b)} == before

    # The right ones credit, once each; a replay of each credits nothing more.
    ali_body = standin.alipay_notification(ali.order_id, "30.00")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    stripe_headers = {"Stripe-Signature": standin.stripe_signature(stripe_body)}
    for _ in range(2):
        assert (await post("wechat", good, standin.wechat_headers(good)))[0] == 204
        assert await post("alipay", ali_body, form) == (200, "success")
        assert (await post("stripe", stripe_body, stripe_headers))[0] == 200
    assert await ledger.balance(b) == before[b] + 9000
    assert await ledger.balance(a) == before[a]

    # A closed account: an order paid after move-out is refused.
    late = await tops.async_start(a, "wechat", 1500, user_id="", base_url="")
    await hass.services.async_call(
        "prepaid_utility",
        "close_account",
        {"device_id": a_dev, "settlement_id": "OUT-1"},
        blocking=True,
        return_response=True,
    )
    await hass.async_block_till_done()  # closing reloads the gateway
    tops, ledger = entry.runtime_data.topups, entry.runtime_data.ledger
    closed_balance = await ledger.balance(a)
    body = standin.wechat_notification(standin.wechat_transaction(late.order_id, 1500))
    status, text = await post("wechat", body, standin.wechat_headers(body))
    assert (status, "account_closed" in text) == (409, True)
    assert await ledger.balance(a) == closed_balance
    with pytest.raises(Refused):
        await tops.async_start(a, "wechat", 1500, user_id="", base_url="")
    print(f"refusal_cases={len(cases) + 3} credited_by_refused=0 replays_credited=0")


async def test_a_crash_between_credit_and_answer_and_unexpected_errors(
    hass: HomeAssistant,
    gateway: Any,
    provider: Standin,
    hass_client_no_auth: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = gateway
    _, b, _ = await _accounts(hass, entry)
    ledger = entry.runtime_data.ledger
    tops = entry.runtime_data.topups
    client = await hass_client_no_auth()
    order = await tops.async_start(b, "wechat", 2500, user_id="", base_url="")
    body = standin.wechat_notification(standin.wechat_transaction(order.order_id, 2500))
    before = await ledger.balance(b)
    real_put = tops.orders.async_put
    crashes = 0

    async def crash_once(changed: Any) -> None:
        nonlocal crashes
        if changed.state == OrderState.PAID and crashes == 0:
            crashes += 1  # the credit is in the ledger; the process dies before answering
            raise RuntimeError("power cut")
        await real_put(changed)

    monkeypatch.setattr(tops.orders, "async_put", crash_once)
    first = await client.post(
        _path(entry, "wechat"), data=body, headers=standin.wechat_headers(body)
    )
    assert first.status == 500
    assert (await first.json())["code"] == "FAIL"
    retry = await client.post(
        _path(entry, "wechat"), data=body, headers=standin.wechat_headers(body)
    )
    assert retry.status == 204
    assert await ledger.balance(b) == before + 2500
    credits = (await ledger.balance(b) - before) // 2500
    print(f"crash_between_credit_and_answer=1 retry_credits={credits}")

    # Any unexpected error answers 5xx JSON (never a 2xx the provider takes as done).
    async def broken(*_: Any, **__: Any) -> Any:
        raise ValueError("a bug nobody foresaw")

    monkeypatch.setattr(tops, "async_settle", broken)
    answered = 0
    event = standin.stripe_event(standin.stripe_session("PU-X", 100, "CNY", True))
    for provider_name, payload, headers in (
        ("wechat", body, standin.wechat_headers(body)),
        ("alipay", standin.alipay_notification("PU-X", "1.00"), {}),
        ("stripe", event, {"Stripe-Signature": standin.stripe_signature(event)}),
    ):
        resp = await client.post(_path(entry, provider_name), data=payload, headers=headers)
        answered += resp.status >= 500 and resp.content_type == "application/json"
    print(f"unexpected_errors=3 answered_5xx={answered}")
    assert answered == 3
    assert await ledger.balance(b) == before + 2500


async def test_queries_alone_complete_payments_and_survive_provider_errors(
    hass: HomeAssistant, gateway: Any, provider: Standin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No notification ever arrives (no public address): the order queries pay the resident."""
    entry = gateway
    _, b, _ = await _accounts(hass, entry)
    ledger = entry.runtime_data.ledger
    tops = entry.runtime_data.topups
    before = await ledger.balance(b)
    orders = {
        p: await tops.async_start(b, p, 1000, user_id="", base_url="")
        for p in ("wechat", "alipay", "stripe")
    }
    assert await tops.async_check_pending() == 3
    assert all(tops.orders.get(o.order_id).state == OrderState.PENDING for o in orders.values())
    for order in orders.values():
        provider.pay(order.order_id)
    # The provider is busy, then slow: retried within bounds, then asked again next round.
    provider.fail_next = ["500", "timeout", "timeout", "timeout"]
    await tops.async_check_pending()
    await tops.async_check_pending()
    states = {p: tops.orders.get(o.order_id).state for p, o in orders.items()}
    paid = sum(s == OrderState.PAID for s in states.values())
    print(f"query_only_paid={paid}/3 bad_auth={provider.bad_auth}")
    assert states == dict.fromkeys(orders, OrderState.PAID)
    assert await ledger.balance(b) == before + 3000
    assert provider.bad_auth == 0
    # Asking again after payment credits nothing more (paid orders are no longer asked).
    assert await tops.async_check_pending() == 0
    for order in orders.values():
        await tops.async_check(order)
    assert await ledger.balance(b) == before + 3000

    # Creation errors: the resident is told, the order is marked failed, nothing is owed.
    provider.fail_next = ["refuse"]
    with pytest.raises(Refused) as err:
        await tops.async_start(b, "wechat", 1000, user_id="", base_url="")
    assert err.value.translation_key == "topup_provider_failed"
    provider.fail_next = ["timeout", "timeout", "timeout"]
    with pytest.raises(Refused):
        await tops.async_start(b, "stripe", 1000, user_id="", base_url="")
    assert sum(o.state == OrderState.FAILED for o in tops.orders.all()) == 2
    for bad in (99, 100_001):
        with pytest.raises(Refused) as err:
            await tops.async_start(b, "wechat", bad, user_id="", base_url="")
        assert err.value.translation_key == "topup_out_of_range"
    with pytest.raises(Refused):
        await tops.async_start(b, "paypal", 1000, user_id="", base_url="")

    # The timer alone: a paid order is found by the next round of queries.
    by_timer = await tops.async_start(b, "wechat", 1200, user_id="", base_url="")
    provider.pay(by_timer.order_id)
    async_fire_time_changed(hass, dt_util.utcnow() + topups.QUERY_INTERVAL * 2)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert tops.orders.get(by_timer.order_id).state == OrderState.PAID
    assert await ledger.balance(b) == before + 4200
    # Without a public HTTPS address WeChat Pay is given one that never resolves; with one, ours.
    await tops.async_start(b, "wechat", 1000, user_id="", base_url="https://ha.example.com")
    assert provider.notify_urls[-2].startswith(
        "https://home-assistant.invalid/api/prepaid_utility/"
    )
    assert provider.notify_urls[-1] == (
        f"https://ha.example.com/api/prepaid_utility/pay/{entry.entry_id}/wechat"
    )

    # Nobody pays: asked until the grace after expiry, then expired.
    unpaid = await tops.async_start(b, "alipay", 1000, user_id="", base_url="")
    monkeypatch.setattr(topups.time, "time", lambda: unpaid.expires + topups.EXPIRY_GRACE_S + 1)
    await tops.async_check_pending()
    assert tops.orders.get(unpaid.order_id).state == OrderState.EXPIRED
    assert await ledger.balance(b) == before + 4200


async def test_the_card_commands_check_who_may_see_the_account_and_push_the_payment(
    hass: HomeAssistant,
    gateway: Any,
    provider: Standin,
    hass_ws_client: Any,
    hass_client_no_auth: Any,
) -> None:
    entry = gateway
    resident = await hass.auth.async_create_user("Resident of B", group_ids=[GROUP_ID_USER])
    assert not resident.is_admin
    a, b, a_dev = await _accounts(hass, entry, viewer=resident.id)
    refresh = await hass.auth.async_create_refresh_token(resident, CLIENT_ID)
    ws = await hass_ws_client(hass, access_token=hass.auth.async_create_access_token(refresh))

    async def cmd(msg: dict[str, Any]) -> dict[str, Any]:
        await ws.send_json_auto_id(msg)
        return await ws.receive_json()

    got = await cmd({"type": "prepaid_utility/topup/options", "account_id": b})
    assert got["success"], got
    assert got["result"]["providers"] == ["wechat", "alipay", "stripe"]
    assert got["result"]["min"] == "1.00"
    refusals = 0
    for msg in (
        {"type": "prepaid_utility/topup/options", "account_id": a},
        {
            "type": "prepaid_utility/topup/start",
            "account_id": a,
            "provider": "wechat",
            "amount": "10",
        },
        {
            "type": "prepaid_utility/topup/start",
            "account_id": "nope",
            "provider": "wechat",
            "amount": "10",
        },
    ):
        got = await cmd(msg)
        assert got["error"]["code"] == "not_found", got
        refusals += 1
    for amount, code in (
        ("-5", "invalid_amount"),
        ("1e999999999", "invalid_amount"),
        ("0.5", "topup_out_of_range"),
        ("abc", "invalid_amount"),
        ("10.001", "invalid_amount"),
    ):
        got = await cmd(
            {
                "type": "prepaid_utility/topup/start",
                "account_id": b,
                "provider": "wechat",
                "amount": amount,
            }
        )
        assert got["error"]["code"] == code, (amount, got)
        refusals += 1
    got = await cmd(
        {
            "type": "prepaid_utility/topup/start",
            "account_id": b,
            "provider": "wechat",
            "amount": "25",
        }
    )
    assert got["success"], got
    order = got["result"]
    assert order["qr"].startswith("weixin://")
    assert order["state"] == "pending"
    # Another resident's order cannot be followed.
    admin_order = await entry.runtime_data.topups.async_start(
        a, "wechat", 1000, user_id="", base_url=""
    )
    got = await cmd({"type": "prepaid_utility/topup/subscribe", "order_id": admin_order.order_id})
    assert got["error"]["code"] == "not_found"
    refusals += 1
    await ws.send_json_auto_id(
        {"type": "prepaid_utility/topup/subscribe", "order_id": order["order_id"]}
    )
    assert (await ws.receive_json())["success"]
    first = await ws.receive_json()
    assert first["event"]["state"] == "pending"
    before = await entry.runtime_data.ledger.balance(b)
    client = await hass_client_no_auth()
    body = standin.wechat_notification(standin.wechat_transaction(order["order_id"], 2500))
    resp = await client.post(
        _path(entry, "wechat"), data=body, headers=standin.wechat_headers(body)
    )
    assert resp.status == 204
    pushed = await asyncio.wait_for(ws.receive_json(), timeout=5)
    assert pushed["event"]["state"] == "paid"
    assert pushed["event"]["balance"] == str(format_money(before + 2500, 2))
    print(f"ws_refusals={refusals} pushed_states=pending,paid")

    # A closed account offers no Top up on its card.
    admin = await hass_ws_client(hass)
    await admin.send_json_auto_id({"type": "prepaid_utility/topup/options", "account_id": a})
    assert (await admin.receive_json())["result"]["providers"] == ["wechat", "alipay", "stripe"]
    await hass.services.async_call(
        "prepaid_utility",
        "close_account",
        {"device_id": a_dev, "settlement_id": "OUT-A"},
        blocking=True,
        return_response=True,
    )
    await hass.async_block_till_done()
    await admin.send_json_auto_id({"type": "prepaid_utility/topup/options", "account_id": a})
    assert (await admin.receive_json())["result"]["providers"] == []


async def test_closed_and_ignored_events_and_too_many_unpaid(
    hass: HomeAssistant, gateway: Any, provider: Standin, hass_client_no_auth: Any
) -> None:
    entry = gateway
    _, b, _ = await _accounts(hass, entry)
    tops = entry.runtime_data.topups
    ledger = entry.runtime_data.ledger
    client = await hass_client_no_auth()
    before = await ledger.balance(b)
    order = await tops.async_start(b, "stripe", 1000, user_id="", base_url="")
    session = standin.stripe_session(order.order_id, 1000, "CNY", False) | {"status": "expired"}
    for kind, state in (
        ("payment_intent.created", OrderState.PENDING),  # signed, not ours to act on: 200
        ("checkout.session.expired", OrderState.CLOSED),
    ):
        body = standin.stripe_event(session, kind)
        resp = await client.post(
            _path(entry, "stripe"),
            data=body,
            headers={"Stripe-Signature": standin.stripe_signature(body)},
        )
        assert resp.status == 200, kind
        assert tops.orders.get(order.order_id).state == state, kind
    # Five unpaid top-ups at once, then refused until one is settled.
    for _ in range(topups.MAX_PENDING_PER_ACCOUNT):
        await tops.async_start(b, "wechat", 1000, user_id="", base_url="")
    with pytest.raises(Refused) as err:
        await tops.async_start(b, "wechat", 1000, user_id="", base_url="")
    assert err.value.translation_key == "topup_too_many"
    assert await ledger.balance(b) == before
    print(f"closed_by_provider=1 ignored_events=1 unpaid_cap={topups.MAX_PENDING_PER_ACCOUNT}")
