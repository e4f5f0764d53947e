"""The gateway option "hide tenant names" (issue 16): what a resident's login can read.

Every logged-in Home Assistant user can read all entity states, the device registry, the
recorder's statistics and the repairs list. With the option on, none of them carries a
tenant's name; the cards' websocket still gives the name to whom the account lists. Runs with
the real recorder (phcc's ``recorder_mock``, started before ``hass``) and ordinary users made
as the UI makes them (group ``system-users``), reading over their own websocket logins.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from homeassistant.auth.const import GROUP_ID_USER
from homeassistant.auth.models import User
from homeassistant.components.recorder import Recorder
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.util import slugify
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from sqlalchemy import select

from custom_components.prepaid_utility.const import (
    CONF_BILLING_MODE,
    CONF_HIDE_TENANT_NAMES,
    CONF_ROOM,
    CONF_VIEWERS,
    DOMAIN,
)
from custom_components.prepaid_utility.events import EVENT_LOW_BALANCE
from custom_components.prepaid_utility.ledger.audit import check_invariants
from custom_components.prepaid_utility.ledger.schema import journal_entry

from .conftest import poll
from .test_accounts import _recharge
from .test_tariffs_ha import _meter, _open_account

pytestmark = pytest.mark.usefixtures("sockets")

CLIENT_ID = "https://example.com/app"
ELECTRIC, SHOP, WATER = 1, 2, 6
TENANTS = ("Li Wei", "Zhang Min", "Wang Fang")


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The conftest's fixture, with the recorder started before ``hass`` (phcc needs that)."""


@pytest.fixture(autouse=True)
def isolated_config_dir(recorder_mock: Recorder, hass: HomeAssistant, tmp_path: Path) -> None:
    """The conftest's fixture, with the recorder started before ``hass`` (phcc needs that)."""
    hass.config.config_dir = str(tmp_path)


async def _settings(hass: HomeAssistant, entry: Any) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    assert result["step_id"] == "settings"
    return result


async def _hide_names(hass: HomeAssistant, entry: Any, hide: Any, *, wait: bool = True) -> None:
    """Save the settings form as shown, with only the option changed (the gateway reloads)."""
    result = await _settings(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_HIDE_TENANT_NAMES: hide}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    if wait:
        await hass.async_block_till_done()


async def _login(hass: HomeAssistant, hass_ws_client: Any, user: User) -> Any:
    refresh = await hass.auth.async_create_refresh_token(user, CLIENT_ID)
    return await hass_ws_client(hass, access_token=hass.auth.async_create_access_token(refresh))


async def _ask(client: Any, message: dict[str, Any]) -> dict[str, Any]:
    await client.send_json_auto_id(message)
    reply: dict[str, Any] = await client.receive_json()
    return reply


async def _what_a_login_reads(hass: HomeAssistant, client: Any) -> dict[str, list[str]]:
    """Every text an ordinary user's login can read about the building, by where it was read."""
    await async_wait_recording_done(hass)
    states = (await _ask(client, {"type": "get_states"}))["result"]
    ours = {e.entity_id for e in er.async_get(hass).entities.values() if e.platform == DOMAIN}
    texts: dict[str, list[str]] = {"entities": [], "statistics": [], "devices": [], "issues": []}
    for state in states:
        if state["entity_id"] in ours:
            texts["entities"].append(f"{state['state']} {state['attributes']!r}")
    for row in (await _ask(client, {"type": "recorder/list_statistic_ids"}))["result"]:
        texts["statistics"].append(f"{row['statistic_id']} {row.get('name')}")
    for device in (await _ask(client, {"type": "config/device_registry/list"}))["result"]:
        if any(domain == DOMAIN for domain, _ in device["identifiers"]):
            texts["devices"].append(f"{device['name']} {device['name_by_user']}")
    for issue in (await _ask(client, {"type": "repairs/list_issues"}))["result"]["issues"]:
        # An issue without placeholders (the dashboard offer) carries no name to look for.
        if issue["domain"] == DOMAIN and issue["translation_placeholders"]:
            texts["issues"].append(repr(issue["translation_placeholders"]))
    return texts


def _names_in(texts: dict[str, list[str]], names: tuple[str, ...] = TENANTS) -> list[str]:
    pattern = re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE)
    return [text for found in texts.values() for text in found if pattern.search(text)]


def _entity_ids(hass: HomeAssistant, entry: Any) -> dict[str, str]:
    return {
        e.unique_id: e.entity_id
        for e in er.async_get(hass).entities.values()
        if e.config_entry_id == entry.entry_id
    }


def _ours(texts: dict[str, list[str]]) -> set[str]:
    return {t.split(" ")[0] for t in texts["statistics"] if t.startswith(f"{DOMAIN}:")}


async def _polls(hass: HomeAssistant, entry: Any, n: int, seconds: int = 1800) -> None:
    for _ in range(n):
        entry.runtime_data.building.building.clock.advance(seconds)
        await poll(hass, entry)


async def test_hidden_names_reach_no_login_but_the_cards_of_whom_the_account_lists(
    hass: HomeAssistant, mixed_building: Any, hass_ws_client: Any
) -> None:
    entry = mixed_building
    resident = await hass.auth.async_create_user("Resident of B", group_ids=[GROUP_ID_USER])
    neighbour = await hass.auth.async_create_user("Neighbour", group_ids=[GROUP_ID_USER])
    assert not resident.is_admin
    assert not neighbour.is_admin
    # A has a room; B has none, so only its short code can name it.
    a, a_dev = await _open_account(
        hass,
        entry,
        "Li Wei",
        [_meter(entry, ELECTRIC), _meter(entry, WATER)],
        room="101",
    )
    b, b_dev = await _open_account(
        hass,
        entry,
        "Zhang Min",
        [_meter(entry, SHOP)],
        **{CONF_ROOM: "", CONF_VIEWERS: [resident.id]},
    )
    for device, order in ((a_dev, "P-A"), (b_dev, "P-B")):
        await _recharge(hass, device, amount="500.00", order_id=order)
    await _polls(hass, entry, 5)
    tablet = await _login(hass, hass_ws_client, resident)

    # Off (the default): the names are everywhere, as before.
    assert CONF_HIDE_TENANT_NAMES not in entry.options
    shown = await _what_a_login_reads(hass, tablet)
    off_found = _names_in(shown)
    assert any("Li Wei" in t for t in shown["devices"])
    assert any(t.endswith("Zhang Min cost") for t in shown["statistics"])
    ids_before = _entity_ids(hass, entry)
    stats_before = _ours(shown)
    assert {f"{DOMAIN}:{a.lower()}_cost", f"{DOMAIN}:{b.lower()}_cost"} <= stats_before

    # On: the gateway reloads; devices and statistics are renamed, their ids stay.
    await _hide_names(hass, entry, True)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.options[CONF_HIDE_TENANT_NAMES] is True
    # Renamed at once, before any new hour is written (the reload's first poll writes none).
    renamed = (await _what_a_login_reads(hass, tablet))["statistics"]
    assert f"{DOMAIN}:{a.lower()}_cost 101 cost" in renamed
    await _polls(hass, entry, 2)
    shown = await _what_a_login_reads(hass, tablet)
    found = _names_in(shown)
    assert found == [], found
    registry = dr.async_get(hass)
    assert registry.async_get(a_dev).name == "101"  # type: ignore[union-attr]
    assert registry.async_get(b_dev).name == f"Account {b[-6:].upper()}"  # type: ignore[union-attr]
    assert f"{DOMAIN}:{a.lower()}_cost 101 cost" in shown["statistics"]
    assert f"{DOMAIN}:{b.lower()}_cost {b[-6:].upper()} cost" in shown["statistics"]
    assert _entity_ids(hass, entry) == ids_before
    assert _ours(shown) == stats_before
    balance = hass.states.get(ids_before[f"{entry.entry_id}_{a}_balance"])
    assert balance is not None
    assert balance.attributes["friendly_name"] == "101 Balance"
    print(
        f"entities_checked={len(shown['entities'])} statistics_checked={len(shown['statistics'])}"
        f" devices_checked={len(shown['devices'])} tenant_names_found={len(found)}"
        f" tenant_names_found_off={len(off_found)}"
    )

    # The cards still name the account to whom it lists, and to no other ordinary user.
    reply = await _ask(tablet, {"type": f"{DOMAIN}/account", "account_id": b})
    assert reply["success"]
    assert reply["result"]["name"] == "Zhang Min"
    reply = await _ask(tablet, {"type": f"{DOMAIN}/rooms"})
    assert [r["name"] for r in reply["result"]["accounts"]] == ["Zhang Min"]
    reply = await _ask(tablet, {"type": f"{DOMAIN}/account", "account_id": a})
    assert not reply["success"]
    assert reply["error"]["code"] == "not_found"
    other = await _login(hass, hass_ws_client, neighbour)
    reply = await _ask(other, {"type": f"{DOMAIN}/account", "account_id": b})
    assert not reply["success"]
    assert reply["error"]["code"] == "not_found"
    reply = await _ask(other, {"type": f"{DOMAIN}/rooms"})
    assert reply["result"]["accounts"] == []
    reply = await _ask(other, {"type": "subscribe_events", "event_type": EVENT_LOW_BALANCE})
    assert not reply["success"]  # events carry the names: administrators only
    reply = await _ask(other, {"type": f"{DOMAIN}/finance"})
    assert not reply["success"]
    assert reply["error"]["code"] == "unauthorized"

    # An account opened while names are hidden gets entity ids from its room, not the name.
    c, c_dev = await _open_account(hass, entry, "Wang Fang", [_meter(entry, 3)], room="103")
    new_ids = [i for u, i in _entity_ids(hass, entry).items() if c in u]
    assert new_ids
    assert all("103" in i and slugify("Wang Fang") not in i for i in new_ids)
    assert dr.async_get(hass).async_get(c_dev).name == "103"  # type: ignore[union-attr]
    assert _names_in(await _what_a_login_reads(hass, tablet)) == []

    # Off again: the names come back, on the same ids.
    await _hide_names(hass, entry, False)
    shown = await _what_a_login_reads(hass, tablet)
    assert registry.async_get(a_dev).name == "Li Wei"  # type: ignore[union-attr]
    assert f"{DOMAIN}:{b.lower()}_cost Zhang Min cost" in shown["statistics"]
    ids_after = _entity_ids(hass, entry)
    assert {u: i for u, i in ids_after.items() if c not in u} == ids_before
    assert stats_before <= _ours(shown)
    print(f"toggles=2 entity_ids_kept={len(ids_before)} statistic_ids_kept={len(stats_before)}")


async def test_the_option_is_a_boolean_and_toggling_it_while_polls_run_loses_nothing(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    entry = mixed_building
    a, a_dev = await _open_account(hass, entry, "Li Wei", [_meter(entry, ELECTRIC)], room="")
    await _recharge(hass, a_dev, amount="100.00", order_id="P-1")
    await _polls(hass, entry, 2)
    ids_before = _entity_ids(hass, entry)

    # Bad input: anything but true or false is refused by the form, and nothing changes.
    refused = 0
    for bad in ("yes", "true", 1, 0, None, [], {"on": True}):
        result = await _settings(hass, entry)
        with pytest.raises(InvalidData):
            await hass.config_entries.options.async_configure(
                result["flow_id"], {CONF_HIDE_TENANT_NAMES: bad}
            )
        hass.config_entries.options.async_abort(result["flow_id"])
        refused += 1
    assert CONF_HIDE_TENANT_NAMES not in entry.options
    # A value that is not exactly true (an options file edited by hand) leaves names shown.
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_HIDE_TENANT_NAMES: "yes"}
    )
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert dr.async_get(hass).async_get(a_dev).name == "Li Wei"  # type: ignore[union-attr]

    # Toggled while a poll is under way: each save reloads the gateway in the middle of it.
    sim = entry.runtime_data.building.building
    for n in range(6):
        sim.clock.advance(900)
        running = hass.async_create_task(entry.runtime_data.coordinator.async_refresh())
        await _hide_names(hass, entry, n % 2 == 0, wait=False)
        await hass.async_block_till_done()
        await running
        assert entry.state is ConfigEntryState.LOADED
        await poll(hass, entry)
        name = dr.async_get(hass).async_get(a_dev).name  # type: ignore[union-attr]
        assert name == ("Li Wei" if n % 2 else f"Account {a[-6:].upper()}")
    assert _entity_ids(hass, entry) == ids_before
    balance = hass.states.get(ids_before[f"{entry.entry_id}_{a}_balance"])
    assert balance is not None
    assert balance.state not in ("unavailable", "unknown")

    def audit(store: Any) -> tuple[bool, int]:
        with store.reading() as conn:
            report = check_invariants(conn)
            rows = len(conn.execute(select(journal_entry.c.id)).all())
            return report.ok, rows

    # The word around the short code follows Home Assistant's language.
    await hass.config.async_update(language="zh-Hans")
    await _hide_names(hass, entry, True)
    name = dr.async_get(hass).async_get(a_dev).name  # type: ignore[union-attr]
    assert name == f"账户 {a[-6:].upper()}"

    ok, rows = await entry.runtime_data.ledger.run(audit)
    assert ok
    print(f"bad_values_refused={refused} toggles_during_polls=6 ledger_ok={int(ok)} rows={rows}")


async def test_a_repair_every_login_can_list_names_the_room_once_names_are_hidden(
    hass: HomeAssistant, mixed_building: Any, hass_ws_client: Any
) -> None:
    """Home Assistant lets every user list repairs; the meter-balance repair named the tenant."""
    entry = mixed_building
    meter = _meter(entry, ELECTRIC)
    _, device_id = await _open_account(hass, entry, "Li Wei", [meter], room="101")
    sub = entry.subentries[meter]
    hass.config_entries.async_update_subentry(
        entry, sub, data={**sub.data, CONF_BILLING_MODE: "meter"}
    )
    await hass.async_block_till_done()
    device = entry.runtime_data.building.building.device(0, ELECTRIC)
    device.meter_side = True
    device.remaining_cents = 15_000.0  # 50.00 topped up at the meter only
    await _recharge(hass, device_id, amount="100.00", order_id="MS-1")
    await poll(hass, entry)
    resident = await hass.auth.async_create_user("Resident", group_ids=[GROUP_ID_USER])
    tablet = await _login(hass, hass_ws_client, resident)
    before = (await _what_a_login_reads(hass, tablet))["issues"]
    assert len(before) == 1
    assert "Li Wei" in before[0]

    await _hide_names(hass, entry, True)
    await poll(hass, entry)
    after = (await _what_a_login_reads(hass, tablet))["issues"]
    assert len(after) == 1
    assert "'tenant': '101'" in after[0]
    assert _names_in({"issues": after}) == []
    print(f"issues_checked={len(after)} tenant_names_found=0 tenant_names_found_off={len(before)}")
