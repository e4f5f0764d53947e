"""The meter form's "Scan the bus": range, progress, list, pick, add; and every refusal.

Real parts: the config and subentry flows, the simulator on a loopback socket and on a serial
pty, the Modbus and frame hubs. Figures: ``scan_progress_updates``, ``scan_listed``, etc.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from homeassistant import config_entries
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.core import Event, HomeAssistant
from homeassistant.data_entry_flow import EVENT_DATA_ENTRY_FLOW_PROGRESS_UPDATE, FlowResultType
from homeassistant.helpers import entity_registry as er

from custom_components.prepaid_utility.const import (
    CONF_ADDRESS,
    CONF_BAUDRATE,
    CONF_LINK,
    CONF_METER_PASSWORD,
    CONF_PARITY,
    CONF_PROFILE,
    CONF_ROOM,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    DOMAIN,
    SUBENTRY_METER,
)
from custom_components.prepaid_utility.flows.meter_scan import (
    CONF_FOUND,
    CONF_SCAN_FIRST,
    CONF_SCAN_LAST,
    MAX_SCAN_ADDRESSES,
)
from custom_components.prepaid_utility.meters.simulator.building import Building
from custom_components.prepaid_utility.meters.simulator.devices import EASTRON_SERIAL_BASE

from .conftest import poll

pytestmark = pytest.mark.usefixtures("sockets")


async def _gateway(hass: HomeAssistant, step: str, user_input: dict[str, Any]) -> Any:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return result["result"]


async def _scan_form(hass: HomeAssistant, entry: Any) -> Any:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_METER), context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert "scan" in result["menu_options"]
    return await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "scan"}
    )


async def _run(hass: HomeAssistant, flow_id: str, first: Any, last: Any) -> Any:
    """Submit the range; let the progress task finish; return what follows it."""
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_SCAN_FIRST: first, CONF_SCAN_LAST: last}
    )
    if result["type"] is not FlowResultType.SHOW_PROGRESS:
        return result
    assert result["progress_action"] == "scan_bus"
    await hass.async_block_till_done()
    return await hass.config_entries.subentries.async_configure(flow_id)


def _options(result: Any) -> dict[str, str]:
    marker = next(m for m in result["data_schema"].schema if str(m) == CONF_FOUND)
    config = result["data_schema"].schema[marker].config
    return {o["value"]: o["label"] for o in config["options"]}


def _meters(entry: Any) -> dict[str, str]:
    return {
        str(s.unique_id): str(s.data[CONF_PROFILE])
        for s in entry.subentries.values()
        if s.subentry_type == SUBENTRY_METER
    }


async def test_scan_a_modbus_bus_lists_models_and_adds_the_chosen(hass: HomeAssistant) -> None:
    layout = [
        ("eastron_sdm120", 1, 1),
        ("eastron_sdm230", 2, 2),
        ("eastron_sdm72v2", 3, 3),
        ("acrel_ddsy1352", 4, 4),
    ]
    building = Building.from_layouts([layout])
    endpoint = (await building.start(kind="tcp", host="127.0.0.1", port=0))[0]
    progress: list[float] = []

    def on_progress(event: Event) -> None:
        progress.append(float(event.data["progress"]))

    unsubscribe = hass.bus.async_listen(EVENT_DATA_ENTRY_FLOW_PROGRESS_UPDATE, on_progress)
    try:
        entry = await _gateway(
            hass, "tcp", {CONF_NAME: "Block", CONF_HOST: endpoint.host, CONF_PORT: endpoint.port}
        )
        # Address 4 is already configured by hand.
        result = await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_METER), context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {"next_step_id": "modbus"}
        )
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"],
            {CONF_NAME: "Flat 4", CONF_ROOM: "4", CONF_PROFILE: "acrel_ddsy1352", CONF_ADDRESS: 4},
        )
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {"breaker_a": 40, "billing_mode": "platform"}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        await hass.async_block_till_done()
        entry = hass.config_entries.async_get_entry(entry.entry_id)
        before = _meters(entry)

        # Bad ranges are refused and change nothing.
        form = await _scan_form(hass, entry)
        assert form["step_id"] == "scan"
        for first, last, error in (
            (10, 5, "scan_range_empty"),
            (1, MAX_SCAN_ADDRESSES + 1, "scan_range_too_large"),
        ):
            result = await _run(hass, form["flow_id"], first, last)
            assert result["errors"] == {"base": error}, (first, last)
        assert _meters(hass.config_entries.async_get_entry(entry.entry_id)) == before

        progress.clear()
        result = await _run(hass, form["flow_id"], 1, 6)
        assert result["step_id"] == "scan_pick", result
        options = _options(result)
        print(f"scan_progress_updates={len(progress)} scan_listed={len(options)}")
        # One update per address (the bus event delivery may reorder them).
        assert sorted(progress) == [n / 6 for n in range(1, 7)]
        assert result["description_placeholders"] == {"count": "3", "configured": "4"}
        # One model where the meter code decides; both where it does not (a pick).
        assert set(options) == {
            "1|eastron_sdm120",
            "2|eastron_sdm230",
            "2|eastron_sdm120",
            "3|eastron_sdm72v2",
        }
        assert str(EASTRON_SERIAL_BASE + 1) in options["1|eastron_sdm120"]
        assert "?" in options["2|eastron_sdm230"]
        assert "?" not in options["1|eastron_sdm120"]

        for chosen, error in (
            ([], "scan_pick_none"),
            (["2|eastron_sdm230", "2|eastron_sdm120"], "scan_pick_one_model"),
        ):
            result = await hass.config_entries.subentries.async_configure(
                form["flow_id"], {CONF_FOUND: chosen}
            )
            assert result["errors"] == {"base": error}
        assert _meters(hass.config_entries.async_get_entry(entry.entry_id)) == before

        # Another form adds meter 3 while the list is open: picking it too adds nothing.
        other = await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_METER), context={"source": config_entries.SOURCE_USER}
        )
        other = await hass.config_entries.subentries.async_configure(
            other["flow_id"], {"next_step_id": "modbus"}
        )
        other = await hass.config_entries.subentries.async_configure(
            other["flow_id"],
            {CONF_NAME: "Flat 3", CONF_ROOM: "3", CONF_PROFILE: "eastron_sdm72v2", CONF_ADDRESS: 3},
        )
        other = await hass.config_entries.subentries.async_configure(
            other["flow_id"], {"breaker_a": 40}
        )
        assert other["type"] is FlowResultType.CREATE_ENTRY, other
        await hass.async_block_till_done()
        before = _meters(hass.config_entries.async_get_entry(entry.entry_id))
        result = await hass.config_entries.subentries.async_configure(
            form["flow_id"], {CONF_FOUND: ["1|eastron_sdm120", "3|eastron_sdm72v2"]}
        )
        assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "already_configured")
        assert _meters(hass.config_entries.async_get_entry(entry.entry_id)) == before

        form = await _scan_form(hass, entry)
        result = await _run(hass, form["flow_id"], 1, 6)
        assert set(_options(result)) == {"1|eastron_sdm120", "2|eastron_sdm230", "2|eastron_sdm120"}
        result = await hass.config_entries.subentries.async_configure(
            form["flow_id"], {CONF_FOUND: ["1|eastron_sdm120", "2|eastron_sdm230"]}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        await hass.async_block_till_done()
        entry = hass.config_entries.async_get_entry(entry.entry_id)
        assert _meters(entry) == {
            "1": "eastron_sdm120",
            "2": "eastron_sdm230",
            "3": "eastron_sdm72v2",
            "4": "acrel_ddsy1352",
        }
        # The added meters are read like any other.
        await poll(hass, entry)
        registry = er.async_get(hass)
        for unit in (1, 2, 3):
            sub = next(s for s in entry.subentries.values() if s.unique_id == str(unit))
            entity = registry.async_get_entity_id(
                "sensor", DOMAIN, f"{entry.entry_id}_{sub.subentry_id}_energy"
            )
            assert entity, unit
            assert Decimal(hass.states.get(entity).state) == building.device(0, unit).total

        # Scanning again finds only configured meters: a clear answer, nothing added.
        form = await _scan_form(hass, entry)
        result = await _run(hass, form["flow_id"], 1, 4)
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "scan_only_configured"
        # A stretch of the bus with nothing on it.
        form = await _scan_form(hass, entry)
        result = await _run(hass, form["flow_id"], 7, 8)
        assert result["reason"] == "scan_found_nothing"

        # The gateway goes away: the scan says so and changes nothing.
        await building.stop()
        form = await _scan_form(hass, entry)
        result = await _run(hass, form["flow_id"], 1, 2)
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "scan_gateway_offline"
        assert len(_meters(hass.config_entries.async_get_entry(entry.entry_id))) == 4
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        unsubscribe()
        await building.stop()


async def test_scan_refused_while_the_gateway_is_not_loaded(hass: HomeAssistant) -> None:
    building = Building.from_layouts([[("eastron_sdm120", 1, 1)]])
    endpoint = (await building.start(kind="tcp", host="127.0.0.1", port=0))[0]
    entry = await _gateway(
        hass, "tcp", {CONF_NAME: "Block", CONF_HOST: endpoint.host, CONF_PORT: endpoint.port}
    )
    await building.stop()
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.SETUP_RETRY
    form = await _scan_form(hass, entry)
    result = await _run(hass, form["flow_id"], 1, 2)
    assert result["errors"] == {"base": "gateway_not_loaded"}
    assert not entry.subentries
    await hass.config_entries.async_unload(entry.entry_id)


async def test_scan_a_dlt645_line_on_a_serial_pty(hass: HomeAssistant) -> None:
    building = Building.from_layouts([[("dlt645_2007", 1, 3)]])
    path = (await building.start(kind="serial"))[0].path
    try:
        entry = await _gateway(
            hass,
            "dlt645",
            # A pty refuses parity settings (real adapters take even): none here.
            {CONF_NAME: "Block A", CONF_LINK: "serial", CONF_SERIAL_PORT: path,
             CONF_BAUDRATE: "2400", CONF_PARITY: "none", CONF_STOPBITS: "1"},
        )  # fmt: skip
        form = await _scan_form(hass, entry)
        assert form["step_id"] == "scan_frame"
        result = await _run(hass, form["flow_id"], "12ab", "")
        assert result["errors"] == {"base": "invalid_meter_address"}
        result = await _run(hass, form["flow_id"], "1", str(MAX_SCAN_ADDRESSES + 1))
        assert result["errors"] == {"base": "scan_range_too_large"}
        # Three meters answer the broadcast at once: none of their addresses is trusted.
        result = await _run(hass, form["flow_id"], "", "")
        assert result["type"] is FlowResultType.ABORT, result
        assert result["reason"] == "scan_broadcast_ambiguous"
        assert not entry.subentries

        form = await _scan_form(hass, entry)
        result = await _run(hass, form["flow_id"], "1", "4")
        assert result["step_id"] == "scan_pick", result
        options = _options(result)
        print(f"dlt645_scan_listed={len(options)}")
        assert set(options) == {f"{a:012d}|dlt645_2007" for a in (1, 2, 3)}
        result = await hass.config_entries.subentries.async_configure(
            form["flow_id"], {CONF_FOUND: list(options)}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        await hass.async_block_till_done()
        entry = hass.config_entries.async_get_entry(entry.entry_id)
        assert _meters(entry) == {f"{a:012d}": "dlt645_2007" for a in (1, 2, 3)}
        sub = next(s for s in entry.subentries.values() if s.unique_id == "000000000001")
        assert sub.data[CONF_METER_PASSWORD] == "02000000"
        await poll(hass, entry)
        reading = entry.runtime_data.coordinator.data.meters[sub.subentry_id].reading
        assert reading.total == building.device(0, 1).total
        await entry.runtime_data.hub.close()
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await building.stop()


async def test_scan_a_cjt188_converter_finds_its_lone_meter_by_broadcast(
    hass: HomeAssistant,
) -> None:
    building = Building.from_layouts([[("cjt188_water", 7, 7)]])
    endpoint = (await building.start(kind="rtu_over_tcp", host="127.0.0.1", port=0))[0]
    try:
        entry = await _gateway(
            hass,
            "cjt188",
            {CONF_NAME: "Water", CONF_LINK: "converter", CONF_HOST: endpoint.host,
             CONF_PORT: endpoint.port, CONF_BAUDRATE: "2400", CONF_PARITY: "even",
             CONF_STOPBITS: "1"},
        )  # fmt: skip
        form = await _scan_form(hass, entry)
        result = await _run(hass, form["flow_id"], "", "")
        assert result["step_id"] == "scan_pick", result
        assert set(_options(result)) == {"00000000000007|cjt188_water"}
        result = await hass.config_entries.subentries.async_configure(
            form["flow_id"], {CONF_FOUND: ["00000000000007|cjt188_water"]}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        assert result["data"]["max_flow_m3h"] > 0
        await hass.async_block_till_done()
        entry = hass.config_entries.async_get_entry(entry.entry_id)
        assert _meters(entry) == {"00000000000007": "cjt188_water"}

        # The converter goes away: the scan says the gateway is offline, not "nothing found".
        await building.stop()
        form = await _scan_form(hass, entry)
        result = await _run(hass, form["flow_id"], "", "")
        assert result["type"] is FlowResultType.ABORT, result
        assert result["reason"] == "scan_gateway_offline"
        assert _meters(hass.config_entries.async_get_entry(entry.entry_id)) == {
            "00000000000007": "cjt188_water"
        }
        await entry.runtime_data.hub.close()
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await building.stop()
