"""The cards in a real browser: Home Assistant with a simulated building, Debian's Chromium.

One test, in steps, because starting Home Assistant is the slow part: the landlord logs in and
sees every room with the ledger's balances; opens the cut-off room, is refused a refund larger
than the balance (the translated error is shown), recharges it from the dialog and sees the
balance and the supply come back; looks at the monthly report and the finance card. A tenant
logs in (Chinese) and sees only their account, no money buttons, and cannot reach finance
data, not even by calling the websocket command from the page. The landlord opens the month's
statement from the account card (its closing balance is the ledger's) and downloads its CSV; the
finance card shows the shared-area split made at set-up with its loss figure, and every
building's books or one's when a second building writes to the same ledger; the tenant opens
their own statement (Chinese) but gets 404 for another's, even with a signed path. Last, the
landlord changes the account card's account in Home Assistant's own card editor and saves it.
Screenshots go to test-output/cards/; with PREPAID_DOCS_IMAGES=1 the ones the documentation shows
are also copied to docs/images/ (commit them after looking at them).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.prepaid_utility.ledger import LedgerStore

from .driver import DriverMismatch, FrontendStuck, chromium_path, launch, shot, wait_for_frontend
from .ha_instance import DOMAIN, OWNER, REPO, HaInstance

playwright_api = pytest.importorskip("playwright.sync_api")

SHOTS = REPO / "test-output" / "cards"
# The screenshots the documentation shows, by the name they have there (docs/images/).
DOC_SHOTS = {
    "1-rooms-overview.png": "rooms-overview.png",
    "3-recharge-dialog.png": "recharge-dialog.png",
    "5-account-and-report.png": "account-and-report.png",
    "6-finance.png": "finance.png",
    "6b-finance-site-b.png": "finance-one-building.png",
    "7-tenant-account-zh.png": "tenant-account-zh.png",
    "9-card-editor.png": "card-editor.png",
    "10-statement-page.png": "statement.png",
    "11-tenant-statement-zh.png": "tenant-statement-zh.png",
}
DASHBOARD = "prepaid-cards"
TENANT = ("tenant", "tenant-pass")
# (tenant, room, building40 units, first top-up or None)
ACCOUNTS = (
    ("Li Wei", "101", ("1", "33"), "120.00"),
    ("Zhang Min", "102", ("2", "34"), "8.00"),
    ("Wang Fang", "103", ("3",), None),
    ("Chen Jie", "104", ("4",), "60.00"),
)

SPLIT_AMOUNT = "30.00"
SITE_B_INCOME = Decimal("55.00")

pytestmark = pytest.mark.slow


def _month() -> str:
    """This month in Home Assistant's time zone (the test instance's)."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")


def _chromium() -> str:
    found = chromium_path()
    if not found:
        pytest.skip("Debian's chromium is not installed (scripts/setup installs it)")
    return found


def _ledger_balances(config_dir: Path) -> dict[str, int]:
    """Read balances straight from the ledger file (read-only), not through our code."""
    with sqlite3.connect(f"file:{config_dir / 'prepaid_utility.db'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT code, balance FROM account WHERE kind = 'wallet'").fetchall()
    return {code: int(balance) for code, balance in rows}


def _ledger_today_cost(config_dir: Path) -> dict[str, int]:
    """Return each wallet's usage cost today (posted and accrued; HA's time zone), in cents."""
    today = datetime.now(ZoneInfo("Asia/Shanghai"))
    day = today.year * 10_000 + today.month * 100 + today.day
    with sqlite3.connect(f"file:{config_dir / 'prepaid_utility.db'}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT a.code, -SUM(p.amount) FROM posting p"
            " JOIN journal_entry j ON j.id = p.entry_id JOIN account a ON a.id = p.account_id"
            " WHERE a.kind = 'wallet' AND j.kind = 'usage' AND j.day = ? GROUP BY a.code",
            (day,),
        ).fetchall()
        # The open hour's usage is in the balances before it is posted (ledger/accrual.py).
        accrued = db.execute(
            "SELECT a.code, -a.accrued FROM account a, accrual_slot s"
            " WHERE a.kind = 'wallet' AND a.accrued != 0 AND s.day = ?",
            (day,),
        ).fetchall()
    cost = {code: int(amount) for code, amount in rows}
    for code, amount in accrued:
        cost[code] = cost.get(code, 0) + int(amount)
    return cost


def _tiles(page: Any) -> dict[str, tuple[Decimal, Decimal]]:
    """Return account -> (balance, today's cost) as the rooms overview shows them."""
    tiles = page.locator("prepaid-utility-rooms-card .tile")
    shown = {}
    for i in range(tiles.count()):
        tile = tiles.nth(i)
        cost = tile.locator(".today").inner_text().rsplit("·", 1)[-1]
        shown[tile.get_attribute("data-account")] = (
            _amount(tile.locator(".balance").inner_text()),
            _amount(cost),
        )
    return shown


def _tiles_equal_ledger(page: Any, config_dir: Path, codes: list[str]) -> dict[str, int]:
    """Check tiles against the ledger; a poll may land in between, so look again (3 times)."""
    for _ in range(3):
        shown = _tiles(page)
        balances = _ledger_balances(config_dir)
        costs = _ledger_today_cost(config_dir)
        expected = {c: (Decimal(balances[c]) / 100, Decimal(costs.get(c, 0)) / 100) for c in codes}
        if shown == expected and _ledger_balances(config_dir) == balances:
            return balances
        page.locator("prepaid-utility-rooms-card").evaluate("card => card.refresh()")
        page.wait_for_timeout(500)
    assert shown == expected
    return balances


def _big_equals_ledger(card: Any, config_dir: Path, code: str) -> int:
    """Check the account card's balance against the ledger (looking again after a poll)."""
    for _ in range(3):
        balance = _ledger_balances(config_dir)[code]
        shown = _amount(card.locator(".big").inner_text())
        if shown == Decimal(balance) / 100:
            return balance
        card.evaluate("card => card.refresh()")
        card.page.wait_for_timeout(500)
    assert shown == Decimal(balance) / 100
    return balance


def _statement_equals_ledger(page: Any, config_dir: Path, code: str) -> int:
    """Check the statement page's closing balance against the ledger (reloading after a poll)."""
    for _ in range(3):
        page.locator("[data-total=closing]").wait_for(timeout=30000)
        balance = _ledger_balances(config_dir)[code]
        shown = _amount(page.locator("[data-total=closing]").inner_text())
        if shown == Decimal(balance) / 100:
            return balance
        page.reload()
    assert shown == Decimal(balance) / 100
    return balance


def _open_statement(page: Any, card: Any) -> Any:
    """Click the account card's Statement button; return the page it opens (a new tab)."""
    with page.context.expect_page() as opened:
        card.locator("ha-button.statement-open").click()
    statement = opened.value
    statement.wait_for_load_state()
    return statement


def _recharges(config_dir: Path, code: str) -> list[int]:
    with sqlite3.connect(f"file:{config_dir / 'prepaid_utility.db'}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT j.amount FROM journal_entry j JOIN account a ON a.id = j.account_id"
            " WHERE a.code = ? AND j.kind = 'recharge' ORDER BY j.id",
            (code,),
        ).fetchall()
    return [int(amount) for (amount,) in rows]


def _run[T](coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end on its own thread (Playwright's sync API owns this one's loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _site_b(config_dir: Path) -> None:
    """Write Site B's books into the ledger file as its own Home Assistant would (own engine)."""
    store = LedgerStore.open(f"sqlite:///{config_dir / 'prepaid_utility.db'}")
    try:
        store.create_account("B201")
        store.claim_building("site-b", "Site B", ["B201"])
        store.recharge("B201", int(SITE_B_INCOME * 100), "SITE-B-1")
        store.adjust("B201", -6_000, "SITE-B-A1", "back charge")
    finally:
        store.close()


def _wait_amount(locator: Any, expected: Decimal, limit_s: float = 30) -> None:
    """Wait until the card shows the amount (it reloads its figures after a choice)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if locator.count() and _amount(locator.inner_text()) == expected:
            return
        time.sleep(0.2)
    raise AssertionError(f"expected {expected}, shown {locator.inner_text()}")


def _language(ha: HaInstance, language: str) -> None:
    _run(
        ha.ws_result(
            {
                "type": "frontend/set_user_data",
                "key": "language",
                "value": {"language": language, "number_format": "language"},
            }
        )
    )


def _amount(text: str) -> Decimal:
    """Return the number in a formatted amount such as 'CN¥1,234.50' or '-CN¥3.00'."""
    cleaned = re.sub(r"[^0-9.\-]", "", text.replace("\u2212", "-"))
    return Decimal(cleaned)


async def _set_up(ha: HaInstance) -> dict[str, Any]:
    await ha.wait_until_up()
    await ha.onboard_owner()
    tenant_id = await ha.create_user("Tenant Li", *TENANT)
    entry_id = await ha.add_simulated_building()
    meters = await ha.meters_by_unit(entry_id)
    for name, room, units, _ in ACCOUNTS:
        form: dict[str, Any] = {"tenant": name, "room": room, "meters": [meters[u] for u in units]}
        if name == "Li Wei":
            form["viewers"] = [tenant_id]
        await ha.open_account(entry_id, form)
    devices = await ha.ws_result({"type": "config/device_registry/list"})
    by_name = {d["name"]: d["id"] for d in devices if d.get("model") == "Tenant account"}
    for index, (name, _, _, amount) in enumerate(ACCOUNTS):
        if amount is not None:
            await ha.rest(
                "POST",
                f"/api/services/{DOMAIN}/recharge?return_response",
                {"device_id": by_name[name], "amount": amount, "order_id": f"SETUP-{index}"},
            )
    rooms = await ha.ws_result({"type": f"{DOMAIN}/rooms"})
    code_of = {r["name"]: r["account_id"] for r in rooms["accounts"]}
    # The landing lights' meter (unit 5, held by no account) shared by the two paying tenants.
    master = next(
        d["id"] for d in devices if [DOMAIN, f"{entry_id}_{meters['5']}"] in d["identifiers"]
    )
    split = await ha.rest(
        "POST",
        f"/api/services/{DOMAIN}/apportion?return_response",
        {
            "device_id": [by_name["Li Wei"], by_name["Chen Jie"]],
            "master_meter": master,
            "month": _month(),
            "method": "equal",
            "amount": SPLIT_AMOUNT,
        },
    )
    await ha.ws_result(
        {
            "type": "lovelace/dashboards/create",
            "url_path": DASHBOARD,
            "title": "Prepaid",
            "mode": "storage",
            "require_admin": False,
            "show_in_sidebar": True,
        }
    )
    views = [
        {"title": "Rooms", "path": "rooms", "type": "panel",
         "cards": [{"type": "custom:prepaid-utility-rooms-card"}]},
        {"title": "Account", "path": "account",
         "cards": [{"type": "custom:prepaid-utility-account-card",
                    "account_id": code_of["Li Wei"]},
                   {"type": "custom:prepaid-utility-reports-card"}]},
        {"title": "Finance", "path": "finance",
         "cards": [{"type": "custom:prepaid-utility-finance-card"}]},
    ]  # fmt: skip
    await ha.ws_result(
        {"type": "lovelace/config/save", "url_path": DASHBOARD, "config": {"views": views}}
    )
    tenant_token = await ha.login(*TENANT)
    # The tenant reads Chinese: the cards follow the user's language.
    await ha.ws_result(
        {
            "type": "frontend/set_user_data",
            "key": "language",
            "value": {"language": "zh-Hans", "number_format": "language"},
        },
        token=tenant_token,
    )
    return {
        "codes": code_of,
        "devices": by_name,
        "tenant_token": tenant_token,
        "split": split["service_response"],
    }


# In the page: the card picker's list, the account card's stub (first visible account), the
# account card's visual editor (its account list and the config it emits), and the ready-made
# dashboard strategy's views.
PICKER_JS = """async () => {
  const types = (window.customCards || []).map((c) => c.type)
    .filter((t) => t.startsWith('prepaid-utility'));
  const hass = document.querySelector('home-assistant').hass;
  const editor = customElements.get('prepaid-utility-account-card').getConfigElement();
  editor.hass = hass;
  editor.setConfig({ type: 'custom:prepaid-utility-account-card' });
  document.body.append(editor);
  // HA's ha-select: its options are data, a choice is its 'selected' event.
  const select = () => editor.shadowRoot?.querySelector('.account_id');
  const values = () => [...(select()?.options || [])].map((o) => o.value);
  for (let i = 0; i < 100 && !(values().length > 1); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const options = values().filter(Boolean);
  const tag = select().localName;
  let changed = null;
  editor.addEventListener('config-changed', (e) => (changed = e.detail.config));
  select().dispatchEvent(new CustomEvent('selected', { detail: { value: options[0] } }));
  editor.remove();
  const stub = await customElements.get('prepaid-utility-account-card').getStubConfig(hass);
  const strategy = customElements.get('ll-strategy-dashboard-prepaid-utility');
  const views = (await strategy.generate({}, hass)).views.map((v) => v.path);
  return { types, options, changed, views, stub, tag };
}"""


def _open_card_editor(page: Any, url: str) -> None:
    """Open the first card's editor; Home Assistant sometimes takes ?edit=1 only on a reload."""
    for attempt in range(3):
        page.goto(url)
        page.locator("prepaid-utility-account-card .big").first.wait_for(timeout=30000)
        edit = page.locator("hui-card-options").first.get_by_text("Edit", exact=True)
        try:
            edit.wait_for(timeout=10000)
        except playwright_api.TimeoutError:
            if attempt == 2:
                raise
            continue
        edit.click()
        return


def _shot(page: Any, name: str, full_page: bool = False) -> None:
    shot(page, SHOTS / name, doc_name=DOC_SHOTS.get(name), full_page=full_page)


SURFACE_JS = """el => ({
    defined: el.matches(':defined') && el.localName === 'ha-card',
    background: getComputedStyle(el).backgroundColor,
})"""


# The controls a card draws: Home Assistant's own (defined), never the browser's (the rooms
# card's tiles are buttons of the card's own, not controls).
CONTROLS_JS = """el => [...el.shadowRoot.querySelectorAll(
    'ha-select, ha-input, ha-button, ha-checkbox, ha-icon-button, select, input, button')]
    .filter(c => !c.matches('button.tile'))
    .map(c => c.localName + (c.matches(':defined') ? '' : ':undefined'))"""


def _has_ha_controls(host: Any, expected: set[str]) -> list[str]:
    """Assert the card (or dialog) draws its controls with HA's elements, all defined."""
    names: list[str] = host.evaluate(CONTROLS_JS)
    assert set(names) == expected, names
    return names


def _choose(select: Any, value: str) -> None:
    """Pick an option of HA's ha-select as a person does: open it, click the item."""
    select.click()
    index = select.evaluate(
        "(el, v) => [...el.shadowRoot.querySelectorAll('ha-dropdown-item')]"
        ".findIndex(i => String(i.value) === v)",
        value,
    )
    assert index >= 0, value
    item = select.locator("ha-dropdown-item").nth(index)
    item.click()
    playwright_api.expect(select).to_have_js_property("value", value)
    playwright_api.expect(item).to_be_hidden()  # the menu closed (screenshots show no fade)


def _options(select: Any) -> list[tuple[str, str]]:
    """Return an ha-select's (value, label) pairs, in order."""
    pairs = select.evaluate("el => el.options.map(o => [String(o.value), String(o.label)])")
    return [(value, label) for value, label in pairs]


def _type(field: Any, text: str) -> None:
    """Type into HA's ha-input (its native input sits in its shadow roots)."""
    field.locator("input").fill(text)
    playwright_api.expect(field).to_have_js_property("value", text)


def _controls_work_in_the_dark(page: Any) -> None:
    """In the dark theme: choose a sort, type a search, open a dialog, type, press Cancel."""
    rooms = page.locator("prepaid-utility-rooms-card")
    rooms_controls = _has_ha_controls(rooms, {"ha-input", "ha-select", "ha-checkbox"})
    print(f"rooms_controls_dark={rooms_controls}")
    _choose(rooms.locator("ha-select.sort"), "name")
    names = rooms.locator(".tile .name").all_inner_texts()
    assert names == sorted(names), names
    _type(rooms.locator("ha-input[name=search]"), "Li Wei")
    playwright_api.expect(rooms.locator(".tile")).to_have_count(1)
    _type(rooms.locator("ha-input[name=search]"), "")
    playwright_api.expect(rooms.locator(".tile")).to_have_count(len(ACCOUNTS))
    # Only alarms, through HA's checkbox: the rooms in alarm stay, and all come back.
    only = rooms.locator("ha-checkbox.check")
    only.click()
    playwright_api.expect(only).to_have_js_property("checked", True)
    shown = rooms.locator(".tile").count()
    print(f"only_alarms_tiles={shown} of={len(ACCOUNTS)}")
    assert 0 < shown < len(ACCOUNTS), shown
    only.click()
    playwright_api.expect(rooms.locator(".tile")).to_have_count(len(ACCOUNTS))
    rooms.locator(".tile").first.click()
    card = page.locator("prepaid-utility-account-dialog prepaid-utility-account-card")
    card.locator("ha-button.recharge").click()
    dialog = card.locator("prepaid-utility-money-dialog")
    _type(dialog.locator("ha-input[name=amount]"), "12.5")
    _choose(dialog.locator("ha-select.method"), "bank_transfer")
    _has_ha_controls(dialog, {"ha-input", "ha-select", "ha-button"})
    panel = dialog.locator(".panel").evaluate("el => getComputedStyle(el).backgroundColor")
    print(f"dialog_dark={panel}")
    assert _luminance(panel) < 0.3
    _shot(page, "3-recharge-dialog-dark.png")
    dialog.locator("ha-button.cancel").click()
    dialog.wait_for(state="detached", timeout=10000)
    page.keyboard.press("Escape")
    page.locator("prepaid-utility-account-dialog").wait_for(state="detached", timeout=10000)


def _tenant_in_the_dark(tenant: Any, ha: HaInstance) -> None:
    """The resident's card in Chinese and dark: HA's controls, a month chosen, a report kind."""
    tenant.evaluate(
        "localStorage.setItem('selectedTheme', JSON.stringify({theme: 'default', dark: true}))"
    )
    tenant.goto(f"{ha.base}/{DASHBOARD}/account")
    card = tenant.locator("prepaid-utility-account-card")
    card.locator(".big").wait_for(timeout=30000)
    names = _has_ha_controls(card, {"ha-select", "ha-button"})
    months = card.locator("ha-select.statement-month").evaluate(
        "el => el.options.map(o => o.value)"
    )
    _choose(card.locator("ha-select.statement-month"), months[1])
    _choose(tenant.locator("prepaid-utility-reports-card ha-select.kind"), "water")
    shown = tenant.locator("prepaid-utility-reports-card ha-select.kind").evaluate(
        "el => el.options.find(o => o.value === el.value).label"
    )
    assert shown == "水", shown
    background = card.locator("ha-card").evaluate("el => getComputedStyle(el).backgroundColor")
    print(f"tenant_controls_dark={names} tenant_card_dark={background}")
    assert _luminance(background) < 0.3
    _shot(tenant, "7-tenant-account-zh-dark.png", full_page=True)
    tenant.evaluate("localStorage.removeItem('selectedTheme')")


def _luminance(rgb: str) -> float:
    red, green, blue = (int(part) for part in re.findall(r"\d+", rgb)[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def _card_follows_the_theme(page: Any, ha: HaInstance) -> None:
    """The rooms card is drawn on HA's own ha-card: light, then dark when the user picks it."""
    surface = page.locator("prepaid-utility-rooms-card ha-card.card")
    light = surface.evaluate(SURFACE_JS)
    page.evaluate(
        "localStorage.setItem('selectedTheme', JSON.stringify({theme: 'default', dark: true}))"
    )
    page.reload()
    surface.wait_for(timeout=60000)
    page.locator("prepaid-utility-rooms-card .tile").first.wait_for(timeout=60000)
    dark = surface.evaluate(SURFACE_JS)
    _shot(page, "1-rooms-overview-dark.png")
    _controls_work_in_the_dark(page)
    page.evaluate("localStorage.removeItem('selectedTheme')")
    page.reload()
    page.locator("prepaid-utility-rooms-card .tile").first.wait_for(timeout=60000)
    print(f"card_light={light} card_dark={dark}")
    assert light["defined"]
    assert dark["defined"]
    assert _luminance(light["background"]) > 0.8
    assert _luminance(dark["background"]) < 0.3


def _login(page: Any, ha: HaInstance, username: str, password: str) -> None:
    page.goto(f"{ha.base}/")
    page.wait_for_url("**/auth/authorize**", timeout=60000)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "auth/authorize" not in url, timeout=60000)
    try:
        wait_for_frontend(page, ha.problems)
    except FrontendStuck as err:
        pytest.fail(str(err), pytrace=False)


@pytest.fixture
def home_assistant(tmp_path: Path, socket_enabled: None) -> Iterator[HaInstance]:
    """Home Assistant with a simulated building, four tenants and a dashboard."""
    ha = HaInstance(tmp_path)
    ha.start()
    try:
        yield ha
    finally:
        ha.stop()


def test_cards_in_the_browser(home_assistant: HaInstance) -> None:
    ha = home_assistant
    chromium = _chromium()
    started = time.monotonic()
    setup = _run(_set_up(ha))
    if problems := ha.problems():
        pytest.fail(f"Home Assistant started with errors: {problems}", pytrace=False)
    codes: dict[str, str] = setup["codes"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    print(f"ha_setup_s={time.monotonic() - started:.1f}")

    with playwright_api.sync_playwright() as pw:
        try:
            browser = launch(pw, chromium)
        except DriverMismatch as err:
            pytest.fail(str(err), pytrace=False)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            _login(page, ha, *OWNER)

            # Rooms overview: every account, balances as the ledger has them.
            page.goto(f"{ha.base}/{DASHBOARD}/rooms")
            tiles = page.locator("prepaid-utility-rooms-card .tile")
            tiles.first.wait_for(timeout=60000)
            assert tiles.count() == len(ACCOUNTS)
            ledger = _tiles_equal_ledger(page, ha.config_dir, list(codes.values()))
            _shot(page, "1-rooms-overview.png")
            picker = page.evaluate(PICKER_JS)
            assert sorted(picker["types"]) == sorted(
                f"prepaid-utility-{name}-card"
                for name in ("rooms", "account", "reports", "finance")
            )
            assert sorted(picker["options"]) == sorted(codes.values())
            assert picker["changed"]["account_id"] == picker["options"][0]
            assert picker["views"] == ["rooms", "reports", "finance"]
            assert picker["stub"]["account_id"] in codes.values()
            assert picker["tag"] == "ha-select"

            _card_follows_the_theme(page, ha)

            # Sort by balance: the cut-off room (0) and the low one come first.
            rooms_card = page.locator("prepaid-utility-rooms-card")
            _has_ha_controls(rooms_card, {"ha-input", "ha-select", "ha-checkbox"})
            _choose(page.locator("prepaid-utility-rooms-card ha-select.sort"), "balance")
            first = tiles.first.get_attribute("data-account")
            assert first == min(codes.values(), key=lambda c: ledger[c])

            # Open Wang Fang's room: cut off, no money.
            wang = codes["Wang Fang"]
            page.locator(f"prepaid-utility-rooms-card .tile[data-account='{wang}']").click()
            card = page.locator("prepaid-utility-account-dialog prepaid-utility-account-card")
            card.locator(".big").wait_for(timeout=30000)
            assert _big_equals_ledger(card, ha.config_dir, wang) == ledger[wang] == 0
            assert card.locator(".pill.supply").inner_text().startswith("Supply off")
            assert card.locator(".banner").count() == 1
            _has_ha_controls(page.locator("prepaid-utility-account-dialog"), {"ha-icon-button"})

            # A refund above the balance is refused with the integration's translated error.
            _has_ha_controls(card, {"ha-button", "ha-select"})
            card.locator("ha-button.refund").click()
            dialog = card.locator("prepaid-utility-money-dialog")
            _has_ha_controls(dialog, {"ha-input", "ha-button"})
            _type(dialog.locator("ha-input[name=amount]"), "999")
            dialog.locator("ha-button.confirm").click()
            error = dialog.locator(".error")
            error.wait_for(timeout=30000)
            assert "refund" in error.inner_text().lower(), error.inner_text()
            _shot(page, "2-refund-refused.png")
            assert _ledger_balances(ha.config_dir)[wang] == ledger[wang]
            dialog.locator("ha-button.cancel").click()

            # Recharge from the dialog: balance and supply change.
            card.locator("ha-button.recharge").click()
            _type(dialog.locator("ha-input[name=amount]"), "80")
            _shot(page, "3-recharge-dialog.png")
            dialog.locator("ha-button.confirm").click()
            dialog.wait_for(state="detached", timeout=30000)
            card.locator(".notice").wait_for(timeout=30000)
            card.locator(".pill.supply.on").wait_for(timeout=30000)
            assert _recharges(ha.config_dir, wang) == [8000]
            # Supply is back, so a poll may already have charged a few cents of usage.
            assert 8000 - 100 < _big_equals_ledger(card, ha.config_dir, wang) <= 8000
            assert card.locator(".banner").count() == 0
            _shot(page, "4-after-recharge.png")
            rooms = _run(ha.ws_result({"type": f"{DOMAIN}/rooms"}))
            state = next(r for r in rooms["accounts"] if r["account_id"] == wang)
            assert state["supply"] == "on"
            assert state["level"] == "normal"
            page.keyboard.press("Escape")

            # Account view with the monthly report, then finance.
            page.goto(f"{ha.base}/{DASHBOARD}/account")
            page.locator("prepaid-utility-account-card .big").wait_for(timeout=30000)
            page.locator("prepaid-utility-reports-card svg.chart").wait_for(timeout=30000)
            _shot(page, "5-account-and-report.png", full_page=True)

            # The month's statement from the account card: a signed link, a new tab.
            li = codes["Li Wei"]
            li_card = page.locator("prepaid-utility-account-card").first
            month = li_card.locator("ha-select.statement-month")
            assert month.evaluate("el => el.value") == _month()
            for name in ("reports", "account"):
                _has_ha_controls(
                    page.locator(f"prepaid-utility-{name}-card").first,
                    {"ha-select"} | ({"ha-button"} if name == "account" else set()),
                )
            statement = _open_statement(page, li_card)
            assert f"/statement/{li}/{_month()}.html" in statement.url
            assert "authSig=" in statement.url
            closing = _statement_equals_ledger(statement, ha.config_dir, li)
            assert "Li Wei" in statement.locator(".tenant").inner_text()
            assert statement.locator("[data-kind=apportion]").count() == 1
            _shot(statement, "10-statement-page.png", full_page=True)
            statement.close()
            with page.expect_download() as download:
                li_card.locator("ha-button.statement-csv").click()
            csv_text = Path(download.value.path()).read_text(encoding="utf-8")
            assert csv_text.startswith(f"account_id,{li}")
            print(f"statement_closing_minor={closing} csv_lines={len(csv_text.splitlines())}")

            # A second building on the same ledger (another Home Assistant's, as on a shared
            # PostgreSQL ledger): the finance card shows every building's books or one's.
            _site_b(ha.config_dir)
            here = Decimal("120.00") + Decimal("8.00") + 80 + 60
            page.goto(f"{ha.base}/{DASHBOARD}/finance")
            total = page.locator("prepaid-utility-finance-card .income-total")
            total.wait_for(timeout=30000)
            _has_ha_controls(page.locator("prepaid-utility-finance-card"), {"ha-select"})
            books = page.locator("prepaid-utility-finance-card ha-select.books")
            assert _amount(total.inner_text()) == here + SITE_B_INCOME
            assert _options(books)[0] == ("all", "All buildings")
            assert "Site B" in page.locator("prepaid-utility-finance-card .debtors").inner_text()
            # The split made at set-up, with the loss figure the ledger recorded for it.
            split = setup["split"]
            row = page.locator("prepaid-utility-finance-card tr.split")
            assert row.count() == 1
            assert row.get_attribute("data-entry") == str(split["entry_id"])
            loss = row.locator(".loss")
            assert loss.get_attribute("data-per-mille") == str(split["loss_per_mille"])
            assert _amount(row.locator("td.num").first.inner_text()) == Decimal(SPLIT_AMOUNT)
            print(f"split_loss_per_mille={split['loss_per_mille']} shown={loss.inner_text()}")
            _shot(page, "6-finance.png", full_page=True)
            _choose(books, next(v for v, label in _options(books) if label == "Site B"))
            _wait_amount(total, SITE_B_INCOME)
            assert page.locator("prepaid-utility-finance-card tr.split").count() == 0
            _shot(page, "6b-finance-site-b.png", full_page=True)
            local = next(
                v for v, label in _options(books) if label not in {"Site B", "All buildings"}
            )
            _choose(books, local)
            _wait_amount(total, here)
            assert page.locator("prepaid-utility-finance-card tr.split").count() == 1
            print(
                f"books_all={here + SITE_B_INCOME} books_here={here} books_site_b={SITE_B_INCOME}"
            )
            # The same card for an administrator who reads Chinese.
            _language(ha, "zh-Hans")
            page.reload()
            total.wait_for(timeout=30000)
            playwright_api.expect(books).to_be_visible()
            assert _options(books)[0] == ("all", "全部楼宇")
            _shot(page, "6c-finance-zh.png", full_page=True)
            _language(ha, "en")

            # The tenant: their own account only, no money actions, no finance data.
            tenant = browser.new_page(viewport={"width": 1024, "height": 768})
            _login(tenant, ha, *TENANT)
            tenant.goto(f"{ha.base}/{DASHBOARD}/account")
            own = tenant.locator("prepaid-utility-account-card .big")
            own.wait_for(timeout=30000)
            _big_equals_ledger(tenant.locator("prepaid-utility-account-card"), ha.config_dir, li)
            assert (
                tenant.locator(
                    "prepaid-utility-account-card :is(ha-button, button).recharge"
                ).count()
                == 0
            )
            assert "余额" in tenant.locator("prepaid-utility-account-card .sub").inner_text()
            _shot(tenant, "7-tenant-account-zh.png", full_page=True)
            # Their own statement, in Chinese; another tenant's, even with a signed path, not.
            statement = _open_statement(tenant, tenant.locator("prepaid-utility-account-card"))
            _statement_equals_ledger(statement, ha.config_dir, li)
            assert "期末余额" in statement.content()
            _shot(statement, "11-tenant-statement-zh.png", full_page=True)
            statement.close()
            fetched = tenant.evaluate(
                """async (codes) => {
                  const hass = document.querySelector('home-assistant').hass;
                  const out = {};
                  for (const code of codes) {
                    const { path } = await hass.callWS({ type: 'auth/sign_path',
                      path: `/api/prepaid_utility/statement/${code}/MONTH.html`, expires: 30 });
                    out[code] = (await fetch(path)).status;
                  }
                  return out;
                }""".replace("MONTH", _month()),
                [li, codes["Zhang Min"]],
            )
            assert fetched == {li: 200, codes["Zhang Min"]: 404}, fetched
            tenant.goto(f"{ha.base}/{DASHBOARD}/rooms")
            tenant.locator("prepaid-utility-rooms-card .tile").first.wait_for(timeout=30000)
            seen = tenant.locator("prepaid-utility-rooms-card .tile").evaluate_all(
                "tiles => tiles.map(t => t.dataset.account)"
            )
            assert seen == [li]
            picker = tenant.evaluate(PICKER_JS)
            assert picker["options"] == [li]
            assert picker["views"] == [f"account-{li.lower()}"]
            _tenant_in_the_dark(tenant, ha)
            tenant.goto(f"{ha.base}/{DASHBOARD}/finance")
            tenant.locator("prepaid-utility-finance-card .denied").wait_for(timeout=30000)
            _shot(tenant, "8-tenant-finance-denied.png")
            refused = tenant.evaluate(
                """async (device) => {
                  const hass = document.querySelector('home-assistant').hass;
                  const out = {};
                  for (const type of ['prepaid_utility/finance']) {
                    try { await hass.callWS({type}); out[type] = 'allowed'; }
                    catch (e) { out[type] = e.code; }
                  }
                  try {
                    await hass.callWS({type: 'prepaid_utility/monthly', books: 'all'});
                    out.books = 'allowed';
                  } catch (e) { out.books = e.code; }
                  try {
                    await hass.callWS({type: 'call_service', domain: 'prepaid_utility',
                      service: 'recharge', return_response: true,
                      service_data: {device_id: device, amount: '5', order_id: 'TENANT-1'}});
                    out.recharge = 'allowed';
                  } catch (e) { out.recharge = e.code; }
                  return out;
                }""",
                setup["devices"]["Li Wei"],
            )
            assert refused["prepaid_utility/finance"] == "unauthorized", refused
            assert refused["books"] == "unauthorized", refused
            assert refused["recharge"] != "allowed", refused
            assert _recharges(ha.config_dir, li) == [12000]
            tenant.close()

            # The visual editor inside Home Assistant's card dialog: pick another account, save.
            _open_card_editor(page, f"{ha.base}/{DASHBOARD}/account?edit=1")
            editor = page.locator("prepaid-utility-card-editor")
            editor.locator("ha-select.account_id").wait_for(timeout=30000)
            _has_ha_controls(editor, {"ha-input", "ha-select"})
            _choose(editor.locator("ha-select.account_id"), codes["Zhang Min"])
            preview = page.locator("hui-dialog-edit-card prepaid-utility-account-card h2")
            preview.filter(has_text="Zhang Min").wait_for(timeout=30000)
            _shot(page, "9-card-editor.png")
            page.get_by_role("button", name="Save").click()
            page.locator("hui-dialog-edit-card").wait_for(state="hidden", timeout=30000)
            saved = _run(ha.ws_result({"type": "lovelace/config", "url_path": DASHBOARD}))
            assert saved["views"][1]["cards"][0]["account_id"] == codes["Zhang Min"]
        finally:
            browser.close()
    print(f"browser_test_s={time.monotonic() - started:.1f} screenshots=11")


def test_cards_fall_back_to_the_browsers_controls_without_home_assistants() -> None:
    """On a page where HA's ha-select/ha-input/ha-button are not defined (a future HA without
    one of them), the cards draw the browser's controls: never an undefined element that shows
    nothing."""
    chromium = _chromium()
    bundle = (REPO / "custom_components" / DOMAIN / "www" / "prepaid-utility-cards.js").read_text(
        encoding="utf-8"
    )
    with playwright_api.sync_playwright() as pw:
        try:
            browser = launch(pw, chromium)
        except DriverMismatch as err:
            pytest.fail(str(err), pytrace=False)
        try:
            page = browser.new_page()
            page.set_content("<!doctype html><meta charset=utf-8><body></body>")
            page.add_script_tag(content=bundle, type="module")
            page.wait_for_function(
                "customElements.get('prepaid-utility-money-dialog') !== undefined"
            )
            page.evaluate(
                """async () => {
                const dialog = document.createElement('prepaid-utility-money-dialog');
                dialog.action = 'recharge';
                document.body.append(dialog);
                await dialog.updateComplete;
            }"""
            )
            dialog = page.locator("prepaid-utility-money-dialog")
            names = dialog.evaluate(CONTROLS_JS)
            print(f"fallback_controls={names}")
            assert names == ["input", "select", "input", "button", "button"]
            dialog.locator("input[name=amount]").fill("12.5")
            dialog.locator("select.method").select_option("online")
            assert dialog.locator("select.method").input_value() == "online"
            assert dialog.locator("button.confirm").is_visible()
        finally:
            browser.close()
