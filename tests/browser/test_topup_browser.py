"""The resident's Top up in a real browser: QR code, payment, new balance, supply back.

Home Assistant runs in its own process with a simulated building; WeChat Pay and Stripe are the
stand-in of ``tests/payment_standin.py`` (no provider can be reached from here), served from
this test process on 127.0.0.1. A tiny test-only integration in the test's config folder points
the integration's provider addresses at it; a user has no way to change them.

The resident (an ordinary user of group system-users, listed under "Who may see it" of one
account) opens the account card, tops up 50 with WeChat Pay and sees the QR code; the stand-in
provider then pays (a signed notification to the gateway's notification address) and the card
turns to "paid" with the new balance, pushed over the websocket, and supply comes back. The same
in Chinese. Screenshots go to test-output/topup/.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests import payment_standin as standin

from . import ha_instance
from .driver import DriverMismatch, launch, shot
from .ha_instance import DOMAIN, REPO, HaInstance, free_port
from .test_cards_browser import _amount, _chromium, _ledger_balances, _login, _run

playwright_api = pytest.importorskip("playwright.sync_api")

SHOTS = REPO / "test-output" / "topup"
DASHBOARD = "prepaid-topup"
RESIDENT = ("resident", "resident-pass")
pytestmark = pytest.mark.slow

# A test-only integration: points the provider addresses at the stand-in (configuration.yaml).
STANDIN_INIT = '''"""Test only: send the payment providers' requests to the local stand-in."""

from custom_components.prepaid_utility.money import providers


async def async_setup(hass, config):
    base = config["payment_standin"]["base"]
    providers.API_BASES.update(
        {"wechat": base, "alipay": base + "/gateway.do", "stripe": base}
    )
    return True
'''
STANDIN_MANIFEST = {
    "domain": "payment_standin",
    "name": "Payment stand-in (tests)",
    "after_dependencies": ["prepaid_utility"],
    "codeowners": [],
    "documentation": "https://example.invalid",
    "iot_class": "local_push",
    "version": "0.0.1",
}


class StandinThread:
    """The stand-in provider on its own event loop and thread."""

    def __init__(self) -> None:
        """Start serving on a free loopback port."""
        self.state = standin.Standin()
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self._runner = web.AppRunner(self.state.app())
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=10)

    async def _start(self) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def stop(self) -> None:
        """Stop serving and end the thread."""
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)


@pytest.fixture
def provider() -> Iterator[StandinThread]:
    """The stand-in provider for the test."""
    server = StandinThread()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def home_assistant(
    tmp_path: Path,
    socket_enabled: None,
    provider: StandinThread,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[HaInstance]:
    """Home Assistant with the integration, the stand-in's address and its test integration."""
    components = tmp_path / "custom_components"
    components.mkdir()
    (components / "prepaid_utility").symlink_to(
        REPO / "custom_components" / "prepaid_utility", target_is_directory=True
    )
    # A regular package, like the repository's: otherwise that one wins wherever it is on sys.path.
    (components / "__init__.py").write_text("", encoding="utf-8")
    own = components / "payment_standin"
    own.mkdir()
    (own / "__init__.py").write_text(STANDIN_INIT, encoding="utf-8")
    (own / "manifest.json").write_text(json.dumps(STANDIN_MANIFEST), encoding="utf-8")
    monkeypatch.setattr(
        ha_instance,
        "CONFIGURATION",
        ha_instance.CONFIGURATION + f"payment_standin:\n  base: http://127.0.0.1:{provider.port}\n",
    )
    ha = HaInstance(tmp_path)
    ha.start()
    try:
        yield ha
    finally:
        ha.stop()


async def _options(ha: HaInstance, entry_id: str, step: str, form: dict[str, Any]) -> None:
    api = "/api/config/config_entries/options/flow"
    flow = await ha.rest("POST", api, {"handler": entry_id})
    await ha.rest("POST", f"{api}/{flow['flow_id']}", {"next_step_id": "payments"})
    await ha.rest("POST", f"{api}/{flow['flow_id']}", {"next_step_id": step})
    result = await ha.rest("POST", f"{api}/{flow['flow_id']}", form)
    assert result["type"] == "create_entry", result


async def _set_up(ha: HaInstance) -> dict[str, Any]:
    await ha.wait_until_up()
    await ha.onboard_owner()
    resident_id = await ha.create_user("Resident Li", *RESIDENT)
    entry_id = await ha.add_simulated_building()
    meters = await ha.meters_by_unit(entry_id)
    await ha.open_account(
        entry_id,
        {"tenant": "Li Wei", "room": "101", "meters": [meters["1"]], "viewers": [resident_id]},
    )
    await ha.open_account(entry_id, {"tenant": "Zhang Min", "room": "102", "meters": [meters["2"]]})
    creds = standin.credentials()
    await _options(ha, entry_id, "payment_wechat", creds["wechat"])
    await _options(ha, entry_id, "payment_stripe", creds["stripe"])
    rooms = await ha.ws_result({"type": f"{DOMAIN}/rooms"})
    code_of = {r["name"]: r["account_id"] for r in rooms["accounts"]}
    await ha.ws_result(
        {
            "type": "lovelace/dashboards/create",
            "url_path": DASHBOARD,
            "title": "Top up",
            "mode": "storage",
            "require_admin": False,
            "show_in_sidebar": True,
        }
    )
    card = {"type": "custom:prepaid-utility-account-card", "account_id": code_of["Li Wei"]}
    views = [{"title": "Account", "path": "account", "cards": [card]}]
    await ha.ws_result(
        {"type": "lovelace/config/save", "url_path": DASHBOARD, "config": {"views": views}}
    )
    token = await ha.login(*RESIDENT)
    return {"entry_id": entry_id, "codes": code_of, "token": token}


# The pictures docs/payments.md shows (copied with PREPAID_DOCS_IMAGES=1).
DOC_SHOTS = {"1-topup-qr-en.png": "topup-qr.png", "4-topup-paid-zh.png": "topup-paid-zh.png"}


def _shot(page: Any, name: str) -> None:
    shot(page, SHOTS / name, doc_name=DOC_SHOTS.get(name))


def _balance(config_dir: Path, code: str) -> int:
    return _ledger_balances(config_dir)[code]


async def _pay_wechat(ha: HaInstance, entry_id: str, order_id: str, total: int) -> int:
    """What WeChat Pay does when the payer confirms: a signed notification to our address."""
    body = standin.wechat_notification(standin.wechat_transaction(order_id, total))
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{ha.base}/api/prepaid_utility/pay/{entry_id}/wechat",
            data=body,
            headers={**standin.wechat_headers(body), "Content-Type": "application/json"},
        ) as resp,
    ):
        return resp.status


def _top_up(page: Any, ha: HaInstance, card: Any, amount: str, shot: str) -> None:
    """Open Top up, pay with WeChat Pay; return the order id the QR code is for."""
    card.locator("ha-button.topup").click()
    dialog = card.locator("prepaid-utility-topup .panel")
    # Home Assistant's own controls (defined), not the browser's: the provider is an ha-select.
    tags = card.locator("prepaid-utility-topup").evaluate(
        "el => [...el.shadowRoot.querySelectorAll('ha-input, ha-select, ha-button, button, input')]"
        ".map(c => c.localName + (c.matches(':defined') ? '' : ':undefined'))"
    )
    assert set(tags) == {"ha-input", "ha-select", "ha-button"}, tags
    field = dialog.locator("ha-input[name=topup-amount]")
    field.locator("input").fill(amount)
    playwright_api.expect(field).to_have_js_property("value", amount)
    provider = dialog.locator("ha-select.provider")
    provider.click()
    index = provider.evaluate(
        "el => [...el.shadowRoot.querySelectorAll('ha-dropdown-item')]"
        ".findIndex(i => String(i.value) === 'wechat')"
    )
    provider.locator("ha-dropdown-item").nth(index).click()
    playwright_api.expect(provider).to_have_js_property("value", "wechat")
    playwright_api.expect(provider.locator("ha-dropdown-item").first).to_be_hidden()
    _shot(page, shot.replace("-qr-", "-form-"))
    dialog.locator("ha-button.topup-start").click()
    try:
        dialog.locator("svg.qr").wait_for(timeout=30000)
    except playwright_api.TimeoutError:
        ours = [
            line
            for line in ha.log_tail(2000).splitlines()
            if "prepaid_utility" in line or "payment_standin" in line
        ]
        pytest.fail(f"no QR code; the dialog says: {dialog.inner_text()}; log: {ours[-10:]}")
    _shot(page, shot)


def test_resident_tops_up_from_the_card(
    home_assistant: HaInstance, provider: StandinThread
) -> None:
    ha = home_assistant
    chromium = _chromium()
    setup = _run(_set_up(ha))
    if problems := ha.problems():
        pytest.fail(f"Home Assistant started with errors: {problems}", pytrace=False)
    entry_id, code = setup["entry_id"], setup["codes"]["Li Wei"]
    other = setup["codes"]["Zhang Min"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as pw:
        try:
            browser = launch(pw, chromium)
        except DriverMismatch as err:
            pytest.fail(str(err), pytrace=False)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 1000})
            _login(page, ha, *RESIDENT)
            rounds = (
                ("en", "50", ("1-topup-qr-en.png", "2-topup-paid-en.png")),
                ("zh-Hans", "30", ("3-topup-qr-zh.png", "4-topup-paid-zh.png")),
            )
            for language, amount, shots in rounds:
                if language != "en":
                    _run(
                        ha.ws_result(
                            {
                                "type": "frontend/set_user_data",
                                "key": "language",
                                "value": {"language": language, "number_format": "language"},
                            },
                            token=setup["token"],
                        )
                    )
                page.goto(f"{ha.base}/{DASHBOARD}/account")
                card = page.locator("prepaid-utility-account-card")
                card.locator(".big").wait_for(timeout=60000)
                before = _balance(ha.config_dir, code)
                if language == "en":
                    assert before == 0
                    assert card.locator(".pill.supply").inner_text().startswith("Supply off")
                    # Another tenant's account is refused, also from the page's own connection.
                    refused = page.evaluate(
                        """async (other) => {
                          const hass = document.querySelector('home-assistant').hass;
                          try {
                            await hass.callWS(
                              {type: 'prepaid_utility/topup/options', account_id: other});
                            return 'allowed';
                          } catch (e) { return e.code; }
                        }""",
                        other,
                    )
                    assert refused == "not_found"
                orders_before = set(provider.state.orders)
                _top_up(page, ha, card, amount, shots[0])
                (order_id,) = set(provider.state.orders) - orders_before
                total = int(amount) * 100
                assert provider.state.orders[order_id].amount == total
                started = time.monotonic()
                assert _run(_pay_wechat(ha, entry_id, order_id, total)) == 204
                paid = card.locator("prepaid-utility-topup .outcome.paid")
                paid.wait_for(timeout=30000)
                pushed_s = time.monotonic() - started
                after = _balance(ha.config_dir, code)
                assert after == before + total
                card.locator(".pill.supply.on").wait_for(timeout=60000)
                _shot(page, shots[1])
                shown = _amount(card.locator(".big").inner_text())
                print(
                    f"language={language} topup_minor={total} paid_shown_after_s={pushed_s:.2f}"
                    f" balance_minor={after} card_balance={shown} supply=on"
                )
                assert abs(shown * 100 - after) <= 100  # a poll may already have charged cents
                card.locator("prepaid-utility-topup ha-button.topup-close").click()
        finally:
            browser.close()
