"""The gateway config flow: every kind, tested connections, duplicates, options, reconfigure.

Modbus gateways are the simulated building served by the device layer on 127.0.0.1 (a real
pymodbus-speaking socket); a closed port plays the gateway that does not answer.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from homeassistant import config_entries
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.prepaid_utility.const import (
    CONF_BAUDRATE,
    CONF_ELECTRICITY_PRICE,
    CONF_FRAME_GAP_MS,
    CONF_GATEWAY_TYPE,
    CONF_LEDGER_PASSWORD,
    CONF_LEDGER_URL,
    CONF_PARITY,
    CONF_POLL_INTERVAL,
    CONF_PRESET,
    CONF_RETRIES,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    CONF_TIMEOUT,
    CONF_WATER_PRICE,
    DOMAIN,
)
from custom_components.prepaid_utility.gateway.bus import bus_config
from custom_components.prepaid_utility.meters.simulator.building import Building


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """Real sockets (phcc blocks them by default); connections stay limited to 127.0.0.1."""


@pytest.fixture
async def gateway(hass: HomeAssistant) -> AsyncGenerator[tuple[str, int]]:
    """A simulated Modbus TCP gateway with two Acrel meters, on a free loopback port."""
    building = Building.from_layouts([[("acrel_ddsy1352", 1, 2)]])
    endpoints = await building.start(kind="tcp", host="127.0.0.1", port=0)
    yield endpoints[0].host, endpoints[0].port
    # Close our side first: a server waits for its open connections when it stops.
    for entry in hass.config_entries.async_entries(DOMAIN):
        await hass.config_entries.async_unload(entry.entry_id)
    await building.stop()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _choose(hass: HomeAssistant, kind: str) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert set(result["menu_options"]) == {
        "tcp",
        "rtu_over_tcp",
        "serial",
        "dlt645",
        "cjt188",
        "ha_entities",
        "simulated",
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": kind}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == kind
    return result["flow_id"]


async def test_tcp_gateway_is_tested_then_created_and_loaded(
    hass: HomeAssistant, gateway: tuple[str, int]
) -> None:
    host, port = gateway
    flow_id = await _choose(hass, "tcp")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_NAME: " Block A ", CONF_HOST: host, CONF_PORT: port}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Block A"
    assert result["data"] == {
        CONF_GATEWAY_TYPE: "tcp",
        CONF_NAME: "Block A",
        CONF_HOST: host,
        CONF_PORT: port,
    }
    entry = result["result"]
    assert entry.unique_id == f"net:{host}:{port}"
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED
    hub = entry.runtime_data.hub
    assert hub.connected
    device = dr.async_get(hass).async_get(entry.runtime_data.coordinator.gateway_device_id)
    assert device is not None
    print(f"gateway_model={device.model!r}")
    assert device.model == "Modbus TCP gateway"  # what a person calls it, not "tcp"
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert not hub.connected


async def test_unreachable_gateway_shows_error_and_creates_nothing(hass: HomeAssistant) -> None:
    flow_id = await _choose(hass, "rtu_over_tcp")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_NAME: "Converter", CONF_HOST: "127.0.0.1", CONF_PORT: _closed_port()}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_bad_names_and_hosts(hass: HomeAssistant, gateway: tuple[str, int]) -> None:
    host, port = gateway
    flow_id = await _choose(hass, "tcp")
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({CONF_NAME: "  ", CONF_HOST: host, CONF_PORT: port}, {CONF_NAME: "invalid_name"}),
        ({CONF_NAME: "!!!", CONF_HOST: host, CONF_PORT: port}, {CONF_NAME: "invalid_name"}),
        ({CONF_NAME: "x" * 65, CONF_HOST: host, CONF_PORT: port}, {CONF_NAME: "name_too_long"}),
        ({CONF_NAME: "A", CONF_HOST: "  ", CONF_PORT: port}, {CONF_HOST: "invalid_host"}),
        ({CONF_NAME: "A", CONF_HOST: "not a host!", CONF_PORT: port}, {CONF_HOST: "invalid_host"}),
        ({CONF_NAME: "A", CONF_HOST: "-gw.lan", CONF_PORT: port}, {CONF_HOST: "invalid_host"}),
        ({CONF_NAME: "A", CONF_HOST: "a" * 64, CONF_PORT: port}, {CONF_HOST: "invalid_host"}),
        ({CONF_NAME: "A", CONF_HOST: "10.0.0.256", CONF_PORT: port}, {CONF_HOST: "invalid_host"}),
    ]
    for user_input, errors in cases:
        result = await hass.config_entries.flow.async_configure(flow_id, user_input)
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == errors
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_same_gateway_twice_aborts(hass: HomeAssistant, gateway: tuple[str, int]) -> None:
    host, port = gateway
    for kind, name in (("tcp", "First"), ("rtu_over_tcp", "Second")):
        flow_id = await _choose(hass, kind)
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_NAME: name, CONF_HOST: host.upper(), CONF_PORT: port}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_serial_adapter_on_a_pty(hass: HomeAssistant) -> None:
    building = Building.from_layouts([[("acrel_ddsy1352", 1, 1)]])
    endpoints = await building.start(kind="serial")
    try:
        flow_id = await _choose(hass, "serial")
        result = await hass.config_entries.flow.async_configure(
            flow_id,
            {
                CONF_NAME: "USB bus",
                CONF_SERIAL_PORT: endpoints[0].path,
                CONF_BAUDRATE: "19200",
                CONF_PARITY: "none",  # a pty refuses parity settings; real adapters take even/odd
                CONF_STOPBITS: "1",
            },
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_BAUDRATE] == 19200
        assert result["data"][CONF_PARITY] == "none"
        await hass.async_block_till_done()
        entry = result["result"]
        assert entry.state is config_entries.ConfigEntryState.LOADED
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await building.stop()


@pytest.mark.parametrize(("stored", "option", "letter"), [("N", "none", "N"), ("E", "even", "E")])
async def test_entry_saved_with_a_parity_letter_is_migrated(
    hass: HomeAssistant, stored: str, option: str, letter: str
) -> None:
    """Entries saved before 1.2 held pymodbus's letter; they keep opening the same bus."""
    building = Building.from_layouts([[("acrel_ddsy1352", 1, 1)]])
    endpoints = await building.start(kind="serial")
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            version=1,
            minor_version=1,
            title="USB bus",
            unique_id=f"serial:{endpoints[0].path}",
            data={
                CONF_GATEWAY_TYPE: "serial",
                CONF_NAME: "USB bus",
                CONF_SERIAL_PORT: endpoints[0].path,
                CONF_BAUDRATE: 19200,
                CONF_PARITY: stored,
                CONF_STOPBITS: 1,
            },
        )
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert (entry.version, entry.minor_version) == (1, 3)
        assert entry.data[CONF_PARITY] == option
        assert bus_config(entry.data).parity == letter
        if stored == "N":
            # A pty takes no parity setting, so only the "none" bus really opens here.
            assert entry.state is config_entries.ConfigEntryState.LOADED
            assert entry.runtime_data.hub.config.parity == "N"
        print(f"parity_migrated={stored}->{entry.data[CONF_PARITY]} state={entry.state.value}")
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await building.stop()


async def test_entry_from_a_newer_version_is_not_touched(hass: HomeAssistant) -> None:
    data = {CONF_GATEWAY_TYPE: "ha_entities", CONF_NAME: "Future"}
    entry = MockConfigEntry(domain=DOMAIN, version=2, minor_version=1, data=data)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is config_entries.ConfigEntryState.MIGRATION_ERROR
    assert entry.data == data


async def test_serial_port_that_does_not_exist(hass: HomeAssistant) -> None:
    flow_id = await _choose(hass, "serial")
    base = {CONF_NAME: "USB", CONF_BAUDRATE: "9600", CONF_PARITY: "none", CONF_STOPBITS: "1"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**base, CONF_SERIAL_PORT: "/dev/ttyUSB-none"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**base, CONF_SERIAL_PORT: " "}
    )
    assert result["errors"] == {CONF_SERIAL_PORT: "invalid_serial_port"}


async def test_ha_entities_gateway(hass: HomeAssistant) -> None:
    flow_id = await _choose(hass, "ha_entities")
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_NAME: "Shelly flats"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED
    assert entry.runtime_data.hub is None
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_RECONFIGURE, "entry_id": entry.entry_id},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "nothing_to_reconfigure"


async def test_simulated_building_serves_real_modbus(hass: HomeAssistant) -> None:
    flow_id = await _choose(hass, "simulated")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_NAME: "Demo flats", CONF_PRESET: "building40"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_GATEWAY_TYPE: "simulated",
        CONF_NAME: "Demo flats",
        CONF_PRESET: "building40",
    }
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED
    runtime = entry.runtime_data
    # Unit 1 of building40 is a DDSY1352: its live block says meter type 7.
    block = await runtime.hub.read_registers(1, 3, 0x0200, 48)
    assert len(block) == 48
    assert block[0] == 7
    assert len(runtime.building.building.buses[0].devices) == 40
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert runtime.building.building.servers == []
    # The same name again is the same building.
    flow_id = await _choose(hass, "simulated")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_NAME: "demo FLATS", CONF_PRESET: "mixed"}
    )
    assert result["type"] is FlowResultType.ABORT


async def test_gateway_down_at_startup_retries(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Down",
        unique_id="net:127.0.0.1:1",
        data={
            CONF_GATEWAY_TYPE: "tcp",
            CONF_NAME: "Down",
            CONF_HOST: "127.0.0.1",
            CONF_PORT: _closed_port(),
        },
        options={CONF_TIMEOUT: 0.3, CONF_RETRIES: 0},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.SETUP_RETRY
    assert "does not answer" in (entry.reason or "")


async def test_options_are_saved_and_reload(hass: HomeAssistant, gateway: tuple[str, int]) -> None:
    host, port = gateway
    flow_id = await _choose(hass, "rtu_over_tcp")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_NAME: "Converter", CONF_HOST: host, CONF_PORT: port}
    )
    entry = result["result"]
    await hass.async_block_till_done()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["settings", "tariffs", "payments"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    assert result["type"] is FlowResultType.FORM
    schema_keys = {str(key) for key in result["data_schema"].schema}
    assert schema_keys == {
        CONF_ELECTRICITY_PRICE,
        CONF_WATER_PRICE,
        CONF_POLL_INTERVAL,
        CONF_TIMEOUT,
        CONF_RETRIES,
        CONF_FRAME_GAP_MS,
        CONF_LEDGER_URL,
        CONF_LEDGER_PASSWORD,  # issue 16: the password is its own field
        "workday_entity",  # supply control (test_supply_control.py)
        "emergency_credit",
        "hide_tenant_names",  # privacy (test_privacy.py)
        "usage_detail_months",  # ledger upkeep (test_usage_detail_option.py)
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_ELECTRICITY_PRICE: "0.60",
            CONF_WATER_PRICE: "4.50",
            CONF_POLL_INTERVAL: 15,
            CONF_TIMEOUT: 0.5,
            CONF_RETRIES: 1,
            CONF_FRAME_GAP_MS: 50,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_POLL_INTERVAL] == 15
    assert entry.options[CONF_TIMEOUT] == 0.5
    assert entry.options[CONF_RETRIES] == 1
    assert entry.options[CONF_FRAME_GAP_MS] == 50
    assert entry.state is config_entries.ConfigEntryState.LOADED
    assert entry.runtime_data.hub.config.inter_frame_gap == 0.05
    assert entry.runtime_data.hub.config.timeout == 0.5


async def test_options_reject_out_of_range(hass: HomeAssistant) -> None:
    flow_id = await _choose(hass, "ha_entities")
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_NAME: "Entities"})
    entry = result["result"]
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    assert {str(key) for key in result["data_schema"].schema} == {
        CONF_ELECTRICITY_PRICE,
        CONF_WATER_PRICE,
        CONF_POLL_INTERVAL,
        CONF_LEDGER_URL,
        CONF_LEDGER_PASSWORD,  # issue 16: the password is its own field
        "workday_entity",  # supply control (test_supply_control.py)
        "emergency_credit",
        "hide_tenant_names",  # privacy (test_privacy.py)
        "usage_detail_months",  # ledger upkeep (test_usage_detail_option.py)
    }
    good = {CONF_ELECTRICITY_PRICE: "0.60", CONF_WATER_PRICE: "4.50"}
    with pytest.raises(Exception, match="poll_interval"):
        await hass.config_entries.options.async_configure(
            result["flow_id"], {**good, CONF_POLL_INTERVAL: 1}
        )
    for bad in ("-1", "abc", "0.1234567", "NaN", "1e999", "", "1000.000001"):
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {**good, CONF_ELECTRICITY_PRICE: bad, CONF_POLL_INTERVAL: 30}
        )
        assert result["errors"] == {CONF_ELECTRICITY_PRICE: "invalid_price"}, bad
    assert entry.options == {}


async def test_reconfigure_moves_the_gateway(hass: HomeAssistant, gateway: tuple[str, int]) -> None:
    host, port = gateway
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Block A",
        unique_id=f"net:{host}:1",
        data={CONF_GATEWAY_TYPE: "tcp", CONF_NAME: "Block A", CONF_HOST: host, CONF_PORT: 1},
        options={CONF_TIMEOUT: 0.3, CONF_RETRIES: 0},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    closed = _closed_port()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: host, CONF_PORT: closed}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert entry.data[CONF_PORT] == 1
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: host, CONF_PORT: port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PORT] == port
    assert entry.data[CONF_NAME] == "Block A"
    assert entry.unique_id == f"net:{host}:{port}"
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED


async def test_reconfigure_onto_another_gateway_aborts(
    hass: HomeAssistant, gateway: tuple[str, int]
) -> None:
    host, port = gateway
    MockConfigEntry(domain=DOMAIN, unique_id=f"net:{host}:{port}", data={}).add_to_hass(hass)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"net:{host}:1",
        data={CONF_GATEWAY_TYPE: "tcp", CONF_NAME: "B", CONF_HOST: host, CONF_PORT: 1},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: host, CONF_PORT: port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == 1
