"""One set of books: the finance and reports commands show every building on the ledger, or one.

The other building is a second ledger store on this instance's ledger file (its own engine), as
another Home Assistant is on a shared PostgreSQL ledger: its accounts are in the ledger only,
and are shown by their code (their tenant names live in the other instance).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from homeassistant.auth.const import GROUP_ID_USER
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.prepaid_utility.const import DOMAIN
from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.ledger.database import sqlite_url
from custom_components.prepaid_utility.money.ledger_runtime import LEDGER_FILE

from .test_accounts import _meter, _open, _recharge
from .test_cards_websocket import _device, _ws

pytestmark = pytest.mark.usefixtures("sockets")

SITE_B = "site-b-gateway"


@pytest.fixture
def site_b(hass: HomeAssistant, mixed_building: Any) -> Iterator[LedgerStore]:
    """Site B's Home Assistant: B201 paid 88.00 and owes 12.34 after a back charge."""
    store = LedgerStore.open(sqlite_url(hass.config.path(LEDGER_FILE)))
    store.create_account("B201")
    store.claim_building(SITE_B, "Site B", ["B201"])
    store.recharge("B201", 8_800, "B-order-1", at=dt_util.utcnow())
    store.adjust("B201", -10_034, "B-adjust-1", "back charge", at=dt_util.utcnow())
    yield store
    store.close()


async def _site_a(hass: HomeAssistant, entry: Any) -> str:
    """Open Li Wei's account in this instance's gateway, pay 120.00 into it; return its code."""
    result = await _open(hass, entry, tenant="Li Wei", room="101", meters=[_meter(entry, 1)])
    assert result["type"] == "create_entry", result
    await hass.async_block_till_done()
    code = next(s.subentry_id for s in entry.subentries.values() if s.title == "Li Wei")
    await _recharge(hass, _device(hass, entry, code), amount="120.00", order_id="A-order-1")
    return code


async def test_every_building_or_one(
    hass: HomeAssistant, mixed_building: Any, site_b: LedgerStore, hass_ws_client: Any
) -> None:
    entry = mixed_building
    li = await _site_a(hass, entry)
    client = await hass_ws_client(hass)
    books: dict[str, dict[str, Any]] = {}
    for which in ("all", entry.entry_id, SITE_B):
        reply = await _ws(client, {"type": f"{DOMAIN}/finance", "books": which})
        assert reply["success"], reply
        books[which] = reply["result"]
    every, here, there = books["all"], books[entry.entry_id], books[SITE_B]
    totals = {k: Decimal(v["income_total"]) for k, v in books.items()}
    print(
        f"income_all={totals['all']} income_here={totals[entry.entry_id]} "
        f"income_site_b={totals[SITE_B]} buildings={len(every['buildings'])} "
        f"books_error={int(totals['all'] != totals[entry.entry_id] + totals[SITE_B])}"
    )
    assert totals == {
        "all": Decimal("208.00"),
        entry.entry_id: Decimal("120.00"),
        SITE_B: Decimal("88.00"),
    }
    assert every["buildings"] == sorted(
        [{"id": entry.entry_id, "name": entry.title}, {"id": SITE_B, "name": "Site B"}],
        key=lambda b: b["name"],
    )
    assert {(m["name"], m["building"]) for m in every["movements"]} == {
        ("Li Wei", entry.title),
        ("B201", "Site B"),
    }
    assert [m["name"] for m in here["movements"]] == ["Li Wei"]
    assert [(d["account_id"], d["balance"], d["building"]) for d in every["debtors"]] == [
        ("B201", "-12.34", "Site B")
    ]
    assert there["debtors"] == every["debtors"]
    assert here["debtors"] == []
    assert here["books"] == entry.entry_id
    # The reports card's months, all and each: this building's usage is all of it here.
    months = {}
    for which in ("all", entry.entry_id, SITE_B):
        reply = await _ws(client, {"type": f"{DOMAIN}/monthly", "books": which})
        assert reply["success"], reply
        months[which] = reply["result"]
    assert [months[k]["accounts"] for k in months] == [2, 1, 1]
    local = await _ws(client, {"type": f"{DOMAIN}/monthly", "account_id": li})
    assert months[entry.entry_id]["months"] == local["result"]["months"]


async def test_a_renamed_gateway_renames_its_building(
    hass: HomeAssistant, mixed_building: Any, site_b: LedgerStore, hass_ws_client: Any
) -> None:
    entry = mixed_building
    await _site_a(hass, entry)
    hass.config_entries.async_update_entry(entry, title="North block")
    await hass.async_block_till_done()
    client = await hass_ws_client(hass)
    reply = await _ws(client, {"type": f"{DOMAIN}/finance"})
    names = [b["name"] for b in reply["result"]["buildings"]]
    print(f"renamed={names}")
    assert names == ["North block", "Site B"]
    assert site_b.buildings()[entry.entry_id] == "North block"


async def test_books_are_for_administrators_and_known_buildings(
    hass: HomeAssistant, mixed_building: Any, site_b: LedgerStore, hass_ws_client: Any
) -> None:
    entry = mixed_building
    await _site_a(hass, entry)
    # An ordinary user (group system-users), not only the read-only one.
    resident = await hass.auth.async_create_user("Resident", group_ids=[GROUP_ID_USER])
    refresh = await hass.auth.async_create_refresh_token(resident, "https://example.com/app")
    user = await hass_ws_client(hass, hass.auth.async_create_access_token(refresh))
    refused = 0
    for message in (
        {"type": f"{DOMAIN}/finance"},
        {"type": f"{DOMAIN}/finance", "books": SITE_B},
        {"type": f"{DOMAIN}/monthly", "books": "all"},
        {"type": f"{DOMAIN}/monthly", "books": entry.entry_id},
    ):
        reply = await _ws(user, message)
        refused += reply["error"]["code"] == "unauthorized"
    admin = await hass_ws_client(hass)
    unknown = {}
    for command in ("finance", "monthly"):
        reply = await _ws(admin, {"type": f"{DOMAIN}/{command}", "books": "no-such-building"})
        unknown[command] = reply["error"]
    bad = await _ws(admin, {"type": f"{DOMAIN}/finance", "books": "x" * 65})
    print(f"non_admin_refused={refused}/4 unknown_building={unknown['finance']['code']}")
    assert refused == 4
    for error in unknown.values():
        assert error["code"] == "not_found"
        assert error["translation_key"] == "unknown_building"
        assert error["translation_domain"] == DOMAIN
        assert error["translation_placeholders"] == {"building": "no-such-building"}
    assert bad["error"]["code"] == "invalid_format"
    # Nothing was written by the refused or failed reads: the books are as they were.
    assert site_b.balance("B201") == -1_234
