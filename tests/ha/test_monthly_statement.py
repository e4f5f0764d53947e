"""The month closes: the statement blueprint notifies from a real month boundary.

A simulated building in Asia/Shanghai (not UTC, not phcc's default zone) runs up to 23:40 on
30 November; time is then moved across midnight with freezer and async_fire_time_changed, so
the integration's own daily run (00:05 local) announces November's statements. The blueprint
is installed as an automation calling a notify test service; the notification's link is opened
without a login, as the landlord's phone would.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory, StepTickTimeFactory, TickingDateTimeFactory
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import config_validation as cv
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from yarl import URL

from custom_components.prepaid_utility.events import EVENT_STATEMENT_READY
from custom_components.prepaid_utility.statements.monthly import ended_month

from .conftest import add_simulated_building
from .ledger_ops import call, open_account
from .test_blueprints import _automation

pytestmark = pytest.mark.usefixtures("sockets")

ZONE = "Asia/Shanghai"


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(ZONE))


type Clock = FrozenDateTimeFactory | StepTickTimeFactory | TickingDateTimeFactory


async def _at(hass: HomeAssistant, freezer: Clock, text: str) -> None:
    freezer.move_to(_local(text))
    async_fire_time_changed(hass, _local(text))
    await hass.async_block_till_done()


async def test_ended_month_is_home_assistants_local_month(hass: HomeAssistant) -> None:
    await hass.config.async_set_time_zone(ZONE)
    # 30 Nov 16:30 UTC is already 1 Dec in Shanghai: November has ended there.
    assert ended_month(datetime(2026, 11, 30, 16, 30, tzinfo=ZoneInfo("UTC"))) == "2026-11"
    assert ended_month(datetime(2026, 11, 30, 15, 59, tzinfo=ZoneInfo("UTC"))) == "2026-10"
    assert ended_month(_local("2026-01-01T00:05:00")) == "2025-12"


async def test_month_boundary_notifies_each_account_once(
    hass: HomeAssistant, hass_client_no_auth: Any
) -> None:
    await hass.config.async_set_time_zone(ZONE)
    # Ticking: the Modbus client's timeouts need time to flow; jumps are made with move_to.
    with freeze_time(_local("2026-11-30T23:40:00"), tick=True) as freezer:
        await _boundary(hass, freezer, hass_client_no_auth)


async def _boundary(hass: HomeAssistant, freezer: Clock, hass_client_no_auth: Any) -> None:
    entry = await add_simulated_building(hass, "mixed")
    li, li_device = await open_account(hass, entry, "Li Wei", [1], "MS-OPEN-1")
    zhang, _ = await open_account(hass, entry, "Zhang Min", [2], "MS-OPEN-2")
    await call(hass, "recharge", {"device_id": li_device, "amount": "88.50", "order_id": "MS-1"})
    await entry.runtime_data.coordinator.async_refresh()
    calls = await _automation(hass, "monthly_statement_notification.yaml", {"accounts": [li]})
    fired: list[Event] = []
    hass.bus.async_listen(EVENT_STATEMENT_READY, fired.append)

    # Added on the 30th: no statement for October (they had no month), none before midnight.
    await _at(hass, freezer, "2026-11-30T23:59:00")
    assert fired == []

    await _at(hass, freezer, "2026-12-01T00:05:01")
    by_account = {e.data["account_id"]: e.data for e in fired}
    assert set(by_account) == {li, zhang}, by_account
    assert {e.data["period"] for e in fired} == {"2026-11"}
    november = by_account[li]
    statement = await entry.runtime_data.ledger.statement(
        li, _local("2026-11-01T00:00:00"), _local("2026-12-01T00:00:00")
    )
    assert november["balance"] == str(Decimal(statement.closing_balance).scaleb(-2))
    assert statement.recharges == 8850
    assert november["currency"] == hass.config.currency
    assert november["account_name"] == "Li Wei"
    assert "/api/prepaid_utility/statement/" in november["url"]
    assert f"/{li}/2026-11.html?authSig=" in november["url"]
    cv.datetime(november["url_expires"])

    # The blueprint watches Li Wei only: one notification, from the real event.
    assert len(calls) == 1, [c.data for c in calls]
    assert calls[0].data["title"] == "Statement 2026-11: Li Wei"
    closing = f"Closing balance {november['balance']} {november['currency']}"
    assert closing in calls[0].data["message"]
    assert november["url"] in calls[0].data["message"]

    # The link opens without a login (a phone's browser), and only the path it was signed for.
    browser = await hass_client_no_auth()
    link = URL(november["url"]).path_qs  # absolute (Home Assistant's URL): the test server's path
    assert URL(november["url"]).is_absolute()
    page = await browser.get(link)
    assert page.status == 200, await page.text()
    assert "Li Wei" in await page.text()
    other = link.replace(f"/{li}/", f"/{zhang}/")
    assert (await browser.get(other)).status == 401
    unsigned = link.split("?")[0]
    assert (await browser.get(unsigned)).status == 401

    # Later runs, a reload and a restart of the gateway announce nothing again.
    await _at(hass, freezer, "2026-12-02T00:05:01")
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await _at(hass, freezer, "2026-12-03T00:05:01")
    assert len(fired) == 2
    assert len(calls) == 1

    # Home Assistant off over the next month end: announced when the gateway comes back.
    await hass.config_entries.async_unload(entry.entry_id)
    await _at(hass, freezer, "2027-01-01T00:05:01")
    assert len(fired) == 2
    await _at(hass, freezer, "2027-01-01T09:00:00")
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    december = [e.data for e in fired[2:]]
    assert sorted(d["account_id"] for d in december) == sorted([li, zhang])
    assert {d["period"] for d in december} == {"2026-12"}
    assert len(calls) == 2
    assert calls[1].data["title"] == "Statement 2026-12: Li Wei"
    # November's link has expired by now (seven days).
    assert (await browser.get(link)).status == 401
    print(
        f"statements_fired={len(fired)} notifications={len(calls)} "
        f"closing_nov={november['balance']} link_status=200 expired_link_status=401"
    )
    await hass.config_entries.async_unload(entry.entry_id)


async def test_account_added_after_the_first_waits_for_its_first_full_month(
    hass: HomeAssistant,
) -> None:
    await hass.config.async_set_time_zone(ZONE)
    with freeze_time(_local("2026-12-01T03:00:00"), tick=True) as freezer:
        await _late_account(hass, freezer)


async def _late_account(hass: HomeAssistant, freezer: Clock) -> None:
    entry = await add_simulated_building(hass, "mixed")
    fired: list[Event] = []
    hass.bus.async_listen(EVENT_STATEMENT_READY, fired.append)
    await _at(hass, freezer, "2026-12-02T10:00:00")
    code, _ = await open_account(hass, entry, "Wang Fang", [3], "MS-OPEN-3")
    await _at(hass, freezer, "2026-12-03T00:05:01")
    assert fired == [], "added on the 2nd: nothing for November"
    await _at(hass, freezer, "2027-01-01T00:05:01")
    assert [(e.data["account_id"], e.data["period"]) for e in fired] == [(code, "2026-12")]
    await hass.config_entries.async_unload(entry.entry_id)
