"""DL/T 645 and CJ/T 188 buses in Home Assistant: the gateway form, the meter form, readings.

Real parts: the config flows, the frame hub on a serial pty and on a loopback socket, and the
simulated meters behind them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from homeassistant import config_entries
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er

from custom_components.prepaid_utility.const import (
    CONF_ADDRESS,
    CONF_BAUDRATE,
    CONF_BREAKER_A,
    CONF_LINK,
    CONF_METER_PASSWORD,
    CONF_PARITY,
    CONF_PROTOCOL,
    CONF_ROOM,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    DOMAIN,
    SUBENTRY_ACCOUNT,
    SUBENTRY_METER,
)
from custom_components.prepaid_utility.meters.framebus import FrameHub
from custom_components.prepaid_utility.meters.simulator.building import Building
from custom_components.prepaid_utility.tariffs.catalog import (
    CONF_TARIFF_ELECTRICITY,
    CONF_TARIFF_WATER,
)

from .conftest import poll


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """Real sockets for the converter case (connections stay on 127.0.0.1)."""


async def _form(hass: HomeAssistant, step: str) -> Any:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": step})


def _default(result: Any, key: str) -> Any:
    for marker in result["data_schema"].schema:
        if str(marker) == key:
            return marker.default()
    raise KeyError(key)


async def _add_meter(hass: HomeAssistant, entry: Any, values: dict[str, Any]) -> Any:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_METER), context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "frame"}
    )
    assert result["step_id"] == "frame"
    return await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Flat", CONF_ROOM: "101", **values}
    )


async def _account_tariff_fields(hass: HomeAssistant, entry: Any) -> set[str]:
    """Return which tariff choices the account form asks for on this gateway."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_ACCOUNT), context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM, result
    hass.config_entries.subentries.async_abort(result["flow_id"])
    fields = {str(marker) for marker in result["data_schema"].schema}
    return fields & {CONF_TARIFF_ELECTRICITY, CONF_TARIFF_WATER}


def _entity(hass: HomeAssistant, entry: Any, unique: str, key: str, domain: str = "sensor") -> str:
    sub = next(s for s in entry.subentries.values() if s.unique_id == unique)
    entity_id = er.async_get(hass).async_get_entity_id(
        domain, DOMAIN, f"{entry.entry_id}_{sub.subentry_id}_{key}"
    )
    assert entity_id, (unique, key)
    return entity_id


async def test_dlt645_bus_on_a_serial_adapter(hass: HomeAssistant) -> None:
    building = Building.from_layouts([[("dlt645_2007", 1, 2)]])
    path = (await building.start(kind="serial"))[0].path
    try:
        result = await _form(hass, "dlt645")
        assert result["step_id"] == "dlt645"
        # The meters' factory line settings are what the form starts with.
        assert (_default(result, CONF_BAUDRATE), _default(result, CONF_PARITY)) == ("2400", "even")
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_NAME: "Block A", CONF_LINK: "serial", CONF_SERIAL_PORT: "",
             CONF_BAUDRATE: "2400", CONF_PARITY: "even", CONF_STOPBITS: "1"},
        )  # fmt: skip
        assert result["errors"] == {CONF_SERIAL_PORT: "invalid_serial_port"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_NAME: "Block A", CONF_LINK: "serial", CONF_SERIAL_PORT: path,
             CONF_BAUDRATE: "2400", CONF_PARITY: "none", CONF_STOPBITS: "1"},
        )  # fmt: skip
        # A pty refuses parity settings (real adapters take even): none here, as test_config_flow.
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        assert result["data"][CONF_PROTOCOL] == "dlt645"
        await hass.async_block_till_done()
        entry = result["result"]
        assert entry.state is config_entries.ConfigEntryState.LOADED
        assert isinstance(entry.runtime_data.hub, FrameHub)

        # Bad input changes nothing.
        for values, error in (
            ({CONF_ADDRESS: "12ab"}, {CONF_ADDRESS: "invalid_meter_address"}),
            ({CONF_ADDRESS: "1234567890123"}, {CONF_ADDRESS: "invalid_meter_address"}),
            ({CONF_ADDRESS: "9"}, {CONF_ADDRESS: "meter_not_responding"}),
            ({CONF_ADDRESS: ""}, {CONF_ADDRESS: "several_meters_answered"}),
            (
                {CONF_ADDRESS: "1", CONF_METER_PASSWORD: "x"},
                {CONF_METER_PASSWORD: "invalid_meter_password"},
            ),
        ):
            result = await _add_meter(hass, entry, values)
            assert result["errors"] == error, values
        assert not entry.subentries

        result = await _add_meter(hass, entry, {CONF_ADDRESS: "1", CONF_BREAKER_A: 40})
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        assert result["data"][CONF_ADDRESS] == "000000000001"
        await hass.async_block_till_done()
        result = await _add_meter(hass, entry, {CONF_ADDRESS: "000000000001"})
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured"

        entry = hass.config_entries.async_get_entry(entry.entry_id)
        # A DL/T 645 meter is electricity: the account form asks for that tariff only.
        assert await _account_tariff_fields(hass, entry) == {CONF_TARIFF_ELECTRICITY}
        await poll(hass, entry)
        sim = building.device(0, 1)
        energy = _entity(hass, entry, "000000000001", "energy")
        assert Decimal(hass.states.get(energy).state) == sim.total
        # The period counters reach billing with the reading (no entity of their own).
        sub = next(s for s in entry.subentries.values() if s.unique_id == "000000000001")
        reading = entry.runtime_data.coordinator.data.meters[sub.subentry_id].reading
        assert reading.tou is not None
        assert reading.tou.valley == sim.tou_registers[3]

        # Voltage and current sensors are disabled by default: their frames are not sent.
        assert reading.voltage_v is None
        assert reading.power_kw is not None
        hub = entry.runtime_data.hub
        before = hub.stats.transactions
        await poll(hass, entry)
        frames_default = hub.stats.transactions - before
        registry = er.async_get(hass)
        voltage = _entity(hass, entry, "000000000001", "voltage")
        registry.async_update_entity(voltage, disabled_by=None)
        await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        entry = hass.config_entries.async_get_entry(entry.entry_id)
        await poll(hass, entry)
        hub = entry.runtime_data.hub
        before = hub.stats.transactions
        await poll(hass, entry)
        frames_voltage = hub.stats.transactions - before
        print(f"dlt645_frames_per_meter_default={frames_default} with_voltage={frames_voltage}")
        assert frames_default == 3  # energy block, status word 3, power
        assert frames_voltage == 4
        reading = entry.runtime_data.coordinator.data.meters[sub.subentry_id].reading
        assert reading.voltage_v is not None
        assert reading.current_a is None

        relay = _entity(hass, entry, "000000000001", "relay", "switch")
        await hass.services.async_call("switch", "turn_off", {"entity_id": relay}, blocking=True)
        assert sim.supply_on is False  # cut by 0x1C and read back from status word 3
        await hass.services.async_call("switch", "turn_on", {"entity_id": relay}, blocking=True)
        assert sim.supply_on is True
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await building.stop()


async def test_cjt188_bus_behind_a_converter_finds_its_lone_meter(hass: HomeAssistant) -> None:
    building = Building.from_layouts([[("cjt188_water", 7, 7)]])
    endpoint = (await building.start(kind="rtu_over_tcp", host="127.0.0.1", port=0))[0]
    try:
        result = await _form(hass, "cjt188")
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_NAME: "Water", CONF_LINK: "converter", CONF_HOST: endpoint.host,
             CONF_PORT: endpoint.port, CONF_BAUDRATE: "2400", CONF_PARITY: "even",
             CONF_STOPBITS: "1"},
        )  # fmt: skip
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        await hass.async_block_till_done()
        entry = result["result"]
        # A line where no meter answers the broadcast: the form says so and adds nothing.
        building.device(0, 7).faults.no_reply = True
        result = await _add_meter(hass, entry, {CONF_ADDRESS: ""})
        assert result["errors"] == {CONF_ADDRESS: "meter_not_responding"}
        assert not entry.subentries
        building.device(0, 7).faults.no_reply = False
        result = await _add_meter(hass, entry, {CONF_ADDRESS: ""})  # found by broadcast
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        assert result["data"][CONF_ADDRESS] == "00000000000007"
        await hass.async_block_till_done()
        entry = hass.config_entries.async_get_entry(entry.entry_id)
        # A CJ/T 188 meter is water (its profile is not in the Modbus table): the account form
        # asks for the water tariff, not the electricity one (the form asked the wrong one before).
        tariffs = await _account_tariff_fields(hass, entry)
        print(f"cjt188_account_tariff_fields={sorted(tariffs)}")
        assert tariffs == {CONF_TARIFF_WATER}
        await poll(hass, entry)
        water = _entity(hass, entry, "00000000000007", "water")
        assert Decimal(hass.states.get(water).state) == building.device(0, 7).total
        valve = _entity(hass, entry, "00000000000007", "valve", "valve")
        await hass.services.async_call("valve", "close_valve", {"entity_id": valve}, blocking=True)
        assert building.device(0, 7).supply_on is False
        await entry.runtime_data.hub.close()
        await hass.config_entries.async_unload(entry.entry_id)
        # The gateway is stopped: a meter cannot be checked through it, nothing is added.
        result = await _add_meter(hass, entry, {CONF_ADDRESS: "8"})
        assert result["errors"] == {"base": "gateway_not_loaded"}
        assert len(entry.subentries) == 1
    finally:
        await building.stop()
