"""The ready-made Prepaid dashboard: offered after setup, made by an administrator's repair.

Runs Home Assistant's own lovelace and repairs integrations and its HTTP and websocket APIs:
the dashboard is looked up afterwards exactly as the frontend looks it up.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from homeassistant.auth.const import GROUP_ID_USER
from homeassistant.components.websocket_api.const import DOMAIN as WS_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import CLIENT_ID

from custom_components.prepaid_utility.const import DOMAIN
from custom_components.prepaid_utility.statements.dashboard import (
    CREATE_COMMAND,
    DASHBOARD_URL,
    OFFER_ISSUE,
    async_create_dashboard,
)

FIX_URL = "/api/repairs/issues/fix"


async def _dashboards(client: Any) -> list[dict[str, Any]]:
    await client.send_json_auto_id({"type": "lovelace/dashboards/list"})
    reply = await client.receive_json()
    assert reply["success"], reply
    return [d for d in reply["result"] if d["url_path"] == DASHBOARD_URL]


async def test_dashboard_offered_then_made_once_by_an_administrator(
    hass: HomeAssistant,
    mixed_building: Any,
    hass_client: Any,
    hass_ws_client: Any,
    hass_admin_user: Any,
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    issue = ir.async_get(hass).async_get_issue(DOMAIN, OFFER_ISSUE)
    assert issue is not None
    assert issue.is_fixable

    # An ordinary user (group system-users) may neither start nor see the fix.
    resident = await hass.auth.async_create_user("Resident", group_ids=[GROUP_ID_USER])
    assert not resident.is_admin
    refresh = await hass.auth.async_create_refresh_token(resident, CLIENT_ID)
    token = hass.auth.async_create_access_token(refresh)
    ordinary = await hass_client(token)
    resp = await ordinary.post(FIX_URL, json={"handler": DOMAIN, "issue_id": OFFER_ISSUE})
    print(f"ordinary_user_status={resp.status}")
    assert resp.status == HTTPStatus.UNAUTHORIZED
    ws_ordinary = await hass_ws_client(hass, access_token=token)
    await ws_ordinary.send_json_auto_id(
        {"type": CREATE_COMMAND, "url_path": DASHBOARD_URL, "title": "Mine"}
    )
    assert not (await ws_ordinary.receive_json())["success"]

    admin = await hass_client()
    resp = await admin.post(FIX_URL, json={"handler": DOMAIN, "issue_id": OFFER_ISSUE})
    assert resp.status == HTTPStatus.OK
    form = await resp.json()
    assert (form["type"], form["step_id"]) == ("form", "confirm")
    resp = await admin.post(f"{FIX_URL}/{form['flow_id']}", json={})
    done = await resp.json()
    assert done["type"] == "create_entry", done
    await hass.async_block_till_done()

    ws = await hass_ws_client(hass)
    made = await _dashboards(ws)
    assert len(made) == 1
    assert (made[0]["title"], made[0]["require_admin"], made[0]["show_in_sidebar"]) == (
        "Prepaid",
        False,
        True,
    )
    await ws.send_json_auto_id({"type": "lovelace/config", "url_path": DASHBOARD_URL})
    config = (await ws.receive_json())["result"]
    assert config == {"strategy": {"type": "custom:prepaid-utility"}}
    assert ir.async_get(hass).async_get_issue(DOMAIN, OFFER_ISSUE) is None

    # Again (another tab, or the dashboard already there after a reload): nothing more.
    assert await async_create_dashboard(hass) is False
    await hass.config_entries.async_reload(mixed_building.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, OFFER_ISSUE) is None
    print(f"dashboards_after_second_try={len(await _dashboards(ws))}")
    assert len(await _dashboards(ws)) == 1


async def test_dashboard_title_follows_the_language(
    hass: HomeAssistant, mixed_building: Any, hass_ws_client: Any
) -> None:
    hass.config.language = "zh-Hans"
    assert await async_create_dashboard(hass) is True
    made = await _dashboards(await hass_ws_client(hass))
    print(f"zh_title={made[0]['title']}")
    assert made[0]["title"] == "预付费"


async def test_dashboard_that_cannot_be_made_changes_nothing(
    hass: HomeAssistant, mixed_building: Any, hass_client: Any, hass_ws_client: Any
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    handlers = hass.data[WS_DOMAIN]
    saved = handlers.pop(CREATE_COMMAND)
    try:
        admin = await hass_client()
        resp = await admin.post(FIX_URL, json={"handler": DOMAIN, "issue_id": OFFER_ISSUE})
        form = await resp.json()
        resp = await admin.post(f"{FIX_URL}/{form['flow_id']}", json={})
        result = await resp.json()
        print(f"unreachable_result={result['type']}:{result.get('reason')}")
        assert (result["type"], result["reason"]) == ("abort", "dashboard_unavailable")
    finally:
        handlers[CREATE_COMMAND] = saved
    assert await _dashboards(await hass_ws_client(hass)) == []
    assert ir.async_get(hass).async_get_issue(DOMAIN, OFFER_ISSUE) is not None
