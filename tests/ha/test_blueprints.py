"""Every blueprint loads in Home Assistant and notifies from the event it is written for.

The events are built with the integration's own payload classes (events.py), so a renamed key
breaks this test rather than a landlord's automation.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from homeassistant.components.blueprint import models, schemas
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_mock_service

from custom_components.prepaid_utility import events

SOURCE = Path(__file__).resolve().parents[2] / "blueprints" / "automation" / "prepaid_utility"
ACCOUNT = {
    "account_id": "acc-101",
    "account_name": "Li Wei",
    "room": "101",
    "balance": "8.40",
    "currency": "CNY",
}


def _load_yaml(path: Path) -> dict[str, Any]:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!input", lambda loader, node: {"__input__": node.value})
    data: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)
    return data


@pytest.mark.parametrize("path", sorted(SOURCE.glob("*.yaml")), ids=lambda p: p.stem)
def test_blueprint_metadata(path: Path) -> None:
    meta = _load_yaml(path)["blueprint"]
    models.Blueprint(
        {"blueprint": meta},
        expected_domain="automation",
        schema=schemas.BLUEPRINT_SCHEMA,
    )
    assert meta["source_url"].endswith(f"blueprints/automation/prepaid_utility/{path.name}")
    assert meta["homeassistant"]["min_version"]
    assert "notify_action" in meta["input"]


async def _automation(
    hass: HomeAssistant, blueprint: str, inputs: dict[str, Any]
) -> list[ServiceCall]:
    target = Path(hass.config.path("blueprints", "automation", "prepaid_utility"))

    def install() -> None:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(SOURCE / blueprint, target / blueprint)

    await hass.async_add_executor_job(install)
    calls = async_mock_service(hass, "notify", "landlord")
    config = {
        "automation": {
            "alias": blueprint.removesuffix(".yaml"),
            "use_blueprint": {
                "path": f"prepaid_utility/{blueprint}",
                "input": {"notify_action": "notify.landlord", **inputs},
            },
        }
    }
    assert await async_setup_component(hass, "automation", config)
    await hass.async_block_till_done()
    assert hass.states.get(f"automation.{blueprint.removesuffix('.yaml')}") is not None
    return calls


async def test_low_balance_levels_and_account_filter(hass: HomeAssistant) -> None:
    calls = await _automation(
        hass,
        "low_balance_notification.yaml",
        {"levels": ["low_2", "low_3"], "accounts": ["acc-101"]},
    )
    for level, account in (("low_1", "acc-101"), ("low_2", "acc-999"), ("low_2", "acc-101")):
        data = events.LowBalance(
            **{**ACCOUNT, "account_id": account},
            level=level,
            previous_level="normal",
            threshold="10.00",
        ).as_data()
        hass.bus.async_fire(events.EVENT_LOW_BALANCE, data)
        await hass.async_block_till_done()
    assert len(calls) == 1, "only low_2 of the watched account notifies"
    assert calls[0].data["title"] == "Low balance: Li Wei (101)"
    assert "8.40 CNY" in calls[0].data["message"]
    assert "low 2" in calls[0].data["message"]


async def test_supply_notification(hass: HomeAssistant) -> None:
    calls = await _automation(
        hass,
        "supply_notification.yaml",
        {"kinds": ["prepaid_utility_cut_warning", "prepaid_utility_cut_off"]},
    )
    warning = events.CutWarning(**ACCOUNT, cut_at="2026-11-23T14:30:00+00:00")
    hass.bus.async_fire(events.EVENT_CUT_WARNING, warning.as_data())
    hass.bus.async_fire(
        events.EVENT_CUT_OFF, events.SupplyChanged(**ACCOUNT, reason="balance").as_data()
    )
    hass.bus.async_fire(
        events.EVENT_RESTORED, events.SupplyChanged(**ACCOUNT, reason="recharge").as_data()
    )
    await hass.async_block_till_done()
    titles = [call.data["title"] for call in calls]
    assert titles == ["Supply will be cut: Li Wei (101)", "Supply cut: Li Wei (101)"]
    assert "unless" in calls[0].data["message"]


async def test_monthly_statement(hass: HomeAssistant) -> None:
    calls = await _automation(hass, "monthly_statement_notification.yaml", {})
    ready = events.StatementReady(
        **ACCOUNT,
        period="2026-10",
        url="/api/prepaid_utility/statement/acc-101/2026-10.html",
        url_expires="2026-11-08T00:05:00+00:00",
    )
    hass.bus.async_fire(events.EVENT_STATEMENT_READY, ready.as_data())
    await hass.async_block_till_done()
    assert len(calls) == 1
    assert calls[0].data["title"] == "Statement 2026-10: Li Wei"
    assert "2026-10.html" in calls[0].data["message"]


async def test_recharge_receipt(hass: HomeAssistant) -> None:
    calls = await _automation(hass, "recharge_receipt.yaml", {"accounts": ["acc-101"]})
    receipt = events.Recharged(
        **{**ACCOUNT, "balance": "108.40"},
        amount="100.00",
        order_id="WX-1",
        entry_id="42",
        method="online",
    )
    hass.bus.async_fire(events.EVENT_RECHARGED, receipt.as_data())
    other = events.Recharged(
        **{**ACCOUNT, "account_id": "acc-102"},
        amount="1.00",
        order_id="WX-2",
        entry_id="43",
        method="cash",
    )
    hass.bus.async_fire(events.EVENT_RECHARGED, other.as_data())
    await hass.async_block_till_done()
    assert len(calls) == 1
    assert "100.00 CNY credited (order WX-1)" in calls[0].data["message"]
    assert "108.40 CNY" in calls[0].data["message"]
