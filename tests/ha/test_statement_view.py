"""The statement view: who may read which statement, and what the page and the CSV hold.

The CSV is the ``export_statement`` service's CSV byte for byte; the printable page's balances
and totals are the ledger's; a hostile tenant name is printed, never run; bad file names are
400, accounts the user may not see 404 (the same as accounts that do not exist), no login 401,
and a signed path works for its signer until it expires. Nothing is ever written.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from homeassistant.auth.models import User
from homeassistant.components.frontend.storage import async_user_store
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.prepaid_utility.const import CONF_VIEWERS, DOMAIN
from custom_components.prepaid_utility.ledger import reports

from .test_accounts import _meter, _open, _recharge
from .test_cards_websocket import _accounts, _device, _run_hours, _ws

pytestmark = pytest.mark.usefixtures("sockets")

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def _url(code: str, name: str) -> str:
    return f"/api/{DOMAIN}/statement/{code}/{name}"


class _Totals(HTMLParser):
    """Collect the page's figures marked with data-total / data-kind, and any script tag."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, str] = {}
        self.scripts = 0
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.scripts += tag in {"script", "img", "iframe"} or any(k.startswith("on") for k in found)
        key = found.get("data-total") or found.get("data-kind")
        self._key = key if key else None

    def handle_data(self, data: str) -> None:
        if self._key and data.strip():
            self.figures[self._key] = data.strip()
            self._key = None


def _amount(text: str) -> Decimal:
    return Decimal(re.sub(r"[^0-9.\-]", "", text))


async def _share(hass: HomeAssistant, entry: Any, code: str, user: User) -> None:
    """List a user under the account's viewers (the gateway reloads with it)."""
    sub = entry.subentries[code]
    hass.config_entries.async_update_subentry(
        entry, sub, data={**sub.data, CONF_VIEWERS: [user.id]}
    )
    await hass.async_block_till_done()


def _month() -> str:
    return dt_util.now().strftime("%Y-%m")


async def _ledger_state(entry: Any) -> tuple[dict[str, int], Any]:
    ledger = entry.runtime_data.ledger
    return await ledger.run(lambda s: s.balances()), await ledger.run(
        lambda s: s.last_ledger_instant()
    )


@pytest.fixture
async def tenants(hass: HomeAssistant, mixed_building: Any) -> dict[str, str]:
    """Li Wei (units 1 and 6) with money and usage, Zhang Min (unit 2), a hostile name."""
    entry = mixed_building
    codes = await _accounts(hass, entry, ("Li Wei", "101", [1, 6]), ("Zhang Min", "102", [2]))
    result = await _open(hass, entry, tenant=HOSTILE, room="<b>103</b>", meters=[_meter(entry, 3)])
    assert result["type"] == "create_entry", result
    await hass.async_block_till_done()
    codes = {s.title: s.subentry_id for s in entry.subentries.values() if s.title in {
        "Li Wei", "Zhang Min", HOSTILE}}  # fmt: skip
    assert set(codes) == {"Li Wei", "Zhang Min", HOSTILE}
    li = codes["Li Wei"]
    await _recharge(hass, _device(hass, entry, li), amount="200.00", order_id="SV-1")
    await _recharge(hass, _device(hass, entry, codes[HOSTILE]), amount="10.00", order_id="SV-2")
    await hass.services.async_call(
        DOMAIN,
        "refund",
        {"device_id": _device(hass, entry, li), "amount": "12.34", "refund_id": "SV-R1"},
        blocking=True,
        return_response=True,
    )
    await _run_hours(hass, entry, 3)
    return codes


async def test_admin_csv_equals_the_service_and_page_equals_the_ledger(
    hass: HomeAssistant, mixed_building: Any, tenants: dict[str, str], hass_client: Any
) -> None:
    entry = mixed_building
    li = tenants["Li Wei"]
    client = await hass_client()
    month = _month()
    response = await client.get(_url(li, f"{month}.csv"))
    assert response.status == 200, await response.text()
    assert response.content_type == "text/csv"
    assert f'filename="statement_{li}_{month}.csv"' in response.headers["Content-Disposition"]
    body = await response.read()
    folder = Path(hass.config.path(DOMAIN, "statements"))
    assert not await hass.async_add_executor_job(folder.exists)  # the view wrote nothing
    served = await hass.services.async_call(
        DOMAIN,
        "export_statement",
        {"device_id": _device(hass, entry, li), "month": month, "write_csv": True},
        blocking=True,
        return_response=True,
    )
    written = await hass.async_add_executor_job(Path(served["csv_path"]).read_bytes)
    assert body == written

    page = await client.get(_url(li, f"{month}.html"))
    assert page.status == 200
    assert page.content_type == "text/html"
    assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'none'
    html = await page.text()
    parsed = _Totals()
    parsed.feed(html)
    ledger = entry.runtime_data.ledger
    balance = await ledger.balance(li)
    start, end, _ = (
        dt_util.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0),
        None,
        None,
    )
    end = (start + timedelta(days=32)).replace(day=1)
    statement: reports.Statement = await ledger.statement(li, start, end)
    figures = parsed.figures
    assert _amount(figures["closing"]) * 100 == balance == statement.closing_balance
    assert _amount(figures["opening"]) * 100 == statement.opening_balance
    kinds = {k: _amount(v) * 100 for k, v in figures.items() if k not in {"opening", "closing",
                                                                         "charges"}}  # fmt: skip
    assert kinds == {k: Decimal(v) for k, v in statement.totals_by_kind.items()}
    assert _amount(figures["opening"]) + sum(kinds.values()) / 100 == _amount(figures["closing"])
    assert _amount(figures["charges"]) * 100 == statement.charges > 0
    assert "Li Wei" in html
    assert mixed_building.title in html
    # The summary goes money in first, then what was spent.
    assert (
        html.index('data-kind="recharge"')
        < html.index('data-kind="refund"')
        < html.index('data-kind="usage"')
    )
    assert "Opening balance" in html
    assert "@page" in html
    assert "A4" in html
    print(
        f"statement_closing_minor={balance} kinds={len(kinds)} "
        f"charges_minor={statement.charges} csv_bytes={len(body)} csv_equal=1"
    )


async def test_hostile_name_is_printed_not_run(
    hass: HomeAssistant, tenants: dict[str, str], hass_client: Any
) -> None:
    client = await hass_client()
    page = await client.get(_url(tenants[HOSTILE], f"{_month()}.html"))
    assert page.status == 200
    html = await page.text()
    parsed = _Totals()
    parsed.feed(html)
    assert parsed.scripts == 0
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img" in html
    assert "&lt;b&gt;103&lt;/b&gt;" in html
    csv_body = await (await client.get(_url(tenants[HOSTILE], f"{_month()}.csv"))).text()
    assert csv_body.startswith("account_id,")
    print(f"hostile_tags_rendered={parsed.scripts}")


async def test_who_may_read_which_statement(
    hass: HomeAssistant,
    mixed_building: Any,
    tenants: dict[str, str],
    hass_client: Any,
    hass_client_no_auth: Any,
    hass_read_only_user: User,
    hass_read_only_access_token: str,
) -> None:
    entry = mixed_building
    li, zhang = tenants["Li Wei"], tenants["Zhang Min"]
    month = _month()
    await _share(hass, entry, li, hass_read_only_user)
    # The tenant reads Chinese (the profile setting the frontend saves).
    store = await async_user_store(hass, hass_read_only_user.id)
    await store.async_set_item("language", {"language": "zh-Hans", "number_format": "language"})
    tenant = await hass_client(hass_read_only_access_token)
    own = await tenant.get(_url(li, f"{month}.html"))
    assert own.status == 200
    html = await own.text()
    assert "对账单" in html
    assert "期末余额" in html
    assert (await tenant.get(_url(li, f"{month}.csv"))).status == 200

    refused = 0
    not_found: set[str] = set()
    for path in (
        _url(zhang, f"{month}.html"),
        _url(zhang, f"{month}.csv"),
        _url("no-such-account", f"{month}.csv"),
    ):
        response = await tenant.get(path)
        assert response.status == 404, path
        not_found.add(await response.text())
        refused += 1
    # The same answer for another tenant's account and for one that does not exist.
    assert len(not_found) == 1
    assert "未向您开放" in not_found.pop()
    anonymous = await hass_client_no_auth()
    for path in (_url(li, f"{month}.html"), _url(zhang, f"{month}.csv")):
        assert (await anonymous.get(path)).status == 401
        refused += 1
    admin = await hass_client()
    assert (await admin.get(_url(zhang, f"{month}.html"))).status == 200
    english = await admin.get(_url(zhang, f"{month}.html"))
    assert "Closing balance" in await english.text()
    chinese = await admin.get(_url(zhang, f"{month}.html"), headers={"Accept-Language": "zh-CN"})
    assert "期末余额" in await chinese.text()
    print(f"statement_routes=2 allowed=2 refused={refused}")


async def test_signed_path_identifies_its_signer_and_expires(
    hass: HomeAssistant,
    mixed_building: Any,
    tenants: dict[str, str],
    hass_client_no_auth: Any,
    hass_ws_client: Any,
    hass_read_only_user: User,
    hass_read_only_access_token: str,
) -> None:
    entry = mixed_building
    li, zhang = tenants["Li Wei"], tenants["Zhang Min"]
    month = _month()
    await _share(hass, entry, li, hass_read_only_user)
    ws = await hass_ws_client(hass, hass_read_only_access_token)
    signed: dict[str, str] = {}
    for code in (li, zhang):
        # What the account card asks for; a short life, as the link is opened at once.
        reply = await _ws(ws, {"type": "auth/sign_path", "path": _url(code, f"{month}.csv"),
                               "expires": 2})  # fmt: skip
        assert reply["success"], reply
        signed[code] = reply["result"]["path"]
    browser = await hass_client_no_auth()  # a plain link: no Authorization header
    assert (await browser.get(signed[li])).status == 200
    # Signed by the tenant, so the tenant's rule applies: not their account, not found.
    assert (await browser.get(signed[zhang])).status == 404
    # The signature covers the path: another month with the same signature is refused.
    other = signed[li].replace(f"{month}.csv", "2001-01.csv")
    assert (await browser.get(other)).status == 401
    # Real seconds: the signature's expiry is checked against the wall clock (time.time).
    await asyncio.sleep(3.1)
    expired = await browser.get(signed[li])
    print(f"signed_ok=1 signed_foreign=404 tampered=401 expired={expired.status}")
    assert expired.status == 401


async def test_bad_file_names_are_refused_and_change_nothing(
    hass: HomeAssistant, mixed_building: Any, tenants: dict[str, str], hass_client: Any
) -> None:
    entry = mixed_building
    li = tenants["Li Wei"]
    before = await _ledger_state(entry)
    client = await hass_client()
    bad = {
        f"{_month()}.pdf": 400,
        f"{_month()}": 400,
        ".csv": 400,
        "2026-13.csv": 400,
        "1999-12.html": 400,
        "26-11.csv": 400,
        "2026-11-01.csv": 400,
        "2026-1.csv": 400,
        "\uff12\uff10\uff12\uff16-11.csv": 400,  # full-width digits
    }
    refused = 0
    for name, status in bad.items():
        response = await client.get(_url(li, name))
        assert response.status == status, (name, response.status)
        reply = await response.json()
        assert reply["code"] in {"statement_bad_file", "invalid_period"}, reply
        assert reply["message"], reply
        assert "{" not in reply["message"], reply
        refused += 1
    # Path tricks: Home Assistant's security filter (400) or the router (404) stops them first.
    for path in (
        _url(li, "%2e%2e%2fconfiguration.yaml"),
        _url(li, "..%2f..%2fprepaid_utility.db.csv"),
        f"/api/{DOMAIN}/statement/{li}/../../{_month()}.csv",
        f"/api/{DOMAIN}/statement/{li}",
    ):
        response = await client.get(path, allow_redirects=False)
        assert response.status in {400, 404}, path
        assert b"SQLite" not in await response.read()
        refused += 1
    unknown = await client.get(_url("nope", f"{_month()}.csv"))
    assert unknown.status == 404
    assert (await unknown.json())["code"] == "statement_not_found"
    after = await _ledger_state(entry)
    written = await hass.async_add_executor_job(Path(hass.config.path(DOMAIN, "statements")).exists)
    print(f"bad_requests={refused + 1} ledger_changed={int(after != before)} files={int(written)}")
    assert after == before
    assert not written
