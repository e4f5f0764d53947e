"""The config-flow paths the main flow tests do not walk.

A serial bus's settings and reconfigure forms (on a pty), forms submitted while the gateway is
not running or reloading, a water meter's limits, a meter that refuses the probe and the bus scan,
two forms racing for one address, and the text checks of the meter and account forms.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.prepaid_utility.const import (
    CONF_ADDRESS,
    CONF_BAUDRATE,
    CONF_BILLING_MODE,
    CONF_BREAKER_A,
    CONF_COUNTER_ENTITY,
    CONF_ELECTRICITY_PRICE,
    CONF_FRAME_GAP_MS,
    CONF_MAX_FLOW_M3H,
    CONF_MEDIUM,
    CONF_PARITY,
    CONF_POLL_INTERVAL,
    CONF_PROFILE,
    CONF_RETRIES,
    CONF_ROOM,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    CONF_TIMEOUT,
    CONF_WATER_PRICE,
    SUBENTRY_ACCOUNT,
    SUBENTRY_METER,
)
from custom_components.prepaid_utility.flows import meters as meter_flows
from custom_components.prepaid_utility.meters.simulator.building import Building

from .test_accounts import _open
from .test_meters_in_ha import _add_gateway

pytestmark = pytest.mark.usefixtures("sockets")

TOO_LONG = "x" * 65


def _defaults(result: Any) -> dict[str, Any]:
    return {str(k): k.default() for k in result["data_schema"].schema if callable(k.default)}


async def test_serial_bus_settings_reconfigure_and_a_stopped_gateway(hass: HomeAssistant) -> None:
    building = Building.from_layouts([[("acrel_ddsy1352", 1, 1)]])
    endpoints = await building.start(kind="serial")
    entry = await _add_gateway(
        hass,
        "serial",
        {CONF_NAME: "USB bus", CONF_SERIAL_PORT: endpoints[0].path, CONF_BAUDRATE: "9600",
         CONF_PARITY: "none", CONF_STOPBITS: "1"},
    )  # fmt: skip
    # The settings form of a serial bus has its timing, with the RTU frame gap.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    shown = _defaults(result)
    assert shown[CONF_FRAME_GAP_MS] == 30
    assert {CONF_TIMEOUT, CONF_RETRIES} <= set(shown)
    hass.config_entries.options.async_abort(result["flow_id"])
    # Reconfigure shows the serial form again, with what was saved.
    result = await hass.config_entries.flow.async_init(
        entry.domain,
        context={"source": config_entries.SOURCE_RECONFIGURE, "entry_id": entry.entry_id},
    )
    assert result["step_id"] == "reconfigure"
    shown = _defaults(result)
    assert shown[CONF_SERIAL_PORT] == endpoints[0].path
    assert shown[CONF_PARITY] == "none"
    assert CONF_NAME not in shown
    hass.config_entries.flow.async_abort(result["flow_id"])

    # The adapter is unplugged: the gateway waits for it (not loaded) ...
    await building.stop()
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    # ... a meter cannot be checked through it ...
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_METER), context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "modbus"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_NAME: "Flat", CONF_ROOM: "101", CONF_PROFILE: "acrel_ddsy1352", CONF_ADDRESS: 1},
    )
    assert result["errors"] == {"base": "gateway_not_loaded"}
    # ... and new prices still save (they start now, by this machine's clock).
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_ELECTRICITY_PRICE: "0.75", CONF_WATER_PRICE: "4.00", CONF_POLL_INTERVAL: 30,
         CONF_TIMEOUT: 1.0, CONF_RETRIES: 1, CONF_FRAME_GAP_MS: 40},
    )  # fmt: skip
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    assert entry.options[CONF_FRAME_GAP_MS] == 40
    await hass.config_entries.async_unload(entry.entry_id)


async def test_meter_and_account_forms_refuse_bad_text(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    entry = mixed_building
    # A water meter's reconfigure form has its maximum flow, and refuses a too-long room.
    water = next(s for s in entry.subentries.values() if CONF_MAX_FLOW_M3H in s.data)
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_METER),
        context={"source": config_entries.SOURCE_RECONFIGURE, "subentry_id": water.subentry_id},
    )
    assert CONF_MAX_FLOW_M3H in _defaults(result)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: water.title, CONF_ROOM: TOO_LONG, CONF_MAX_FLOW_M3H: 3}
    )
    assert result["errors"] == {CONF_ROOM: "name_too_long"}
    assert entry.subentries[water.subentry_id].data == water.data
    # An account with a room name over 64 characters is refused, and nothing is opened.
    before = len(entry.subentries)
    result = await _open(hass, entry, room=TOO_LONG)
    assert result["errors"] == {CONF_ROOM: "name_too_long"}
    assert len(entry.subentries) == before


async def test_entity_meters_and_an_account_with_no_meter_to_hold(hass: HomeAssistant) -> None:
    entry = await _add_gateway(hass, "ha_entities", {CONF_NAME: "Shelly flats"})
    # Nothing to hold yet: no account can be opened.
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_ACCOUNT), context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_meters"

    hass.states.async_set("sensor.flat1_energy", "10", {"unit_of_measurement": "kWh"})

    async def add(values: dict[str, Any]) -> Any:
        result = await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_METER), context={"source": config_entries.SOURCE_USER}
        )
        base = {CONF_NAME: "Flat 1", CONF_ROOM: "1", CONF_MEDIUM: "electricity",
                CONF_COUNTER_ENTITY: "sensor.flat1_energy"}  # fmt: skip
        return await hass.config_entries.subentries.async_configure(
            result["flow_id"], {**base, **values}
        )

    result = await add({CONF_COUNTER_ENTITY: "sensor.nope", CONF_ROOM: TOO_LONG})
    assert result["errors"] == {
        CONF_COUNTER_ENTITY: "entity_not_found",
        CONF_ROOM: "name_too_long",
    }
    assert (await add({}))["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    again = await add({CONF_NAME: "Flat 1 again"})
    assert again["type"] is FlowResultType.ABORT
    assert again["reason"] == "already_configured"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_modbus_meter_form_when_the_meter_misbehaves_or_the_gateway_reloads(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    building = Building.from_layouts([[("acrel_ddsy1352", 1, 2)]])
    endpoint = (await building.start(kind="tcp", host="127.0.0.1", port=0))[0]
    entry = await _add_gateway(
        hass, "tcp", {CONF_NAME: "Block", "host": endpoint.host, "port": endpoint.port}
    )

    async def start(address: int) -> Any:
        result = await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_METER), context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {"next_step_id": "modbus"}
        )
        return await hass.config_entries.subentries.async_configure(
            result["flow_id"],
            {CONF_NAME: f"Flat {address}", CONF_ROOM: "101", CONF_PROFILE: "acrel_ddsy1352",
             CONF_ADDRESS: address},
        )  # fmt: skip

    # The meter refuses the probe's registers (its map and the fallback map), then fails the bus
    # scan's read (device failure): the form says the model is wrong without guessing another.
    building.device(0, 1).faults.exceptions_next = [0x02, 0x02, 0x04]
    result = await start(1)
    assert result["errors"] == {CONF_PROFILE: "wrong_profile"}
    assert result["description_placeholders"]["found"] == ""
    assert not entry.subentries

    # Two forms for one address: the second to finish is refused, nothing is added twice.
    first = await start(1)
    assert first["step_id"] == "modbus_limits", first
    second = await start(1)
    second = await hass.config_entries.subentries.async_configure(
        second["flow_id"], {CONF_BREAKER_A: 40, CONF_BILLING_MODE: "platform"}
    )
    assert second["type"] is FlowResultType.CREATE_ENTRY, second
    await hass.async_block_till_done()
    entry = hass.config_entries.async_get_entry(entry.entry_id)
    first = await hass.config_entries.subentries.async_configure(
        first["flow_id"], {CONF_BREAKER_A: 63, CONF_BILLING_MODE: "platform"}
    )
    assert (first["type"], first["reason"]) == (FlowResultType.ABORT, "already_configured")
    assert [s.unique_id for s in entry.subentries.values()] == ["1"]

    # A reload that outlasts the wait (slow meters hold the gateway's first poll): the form
    # answers that the gateway is not running rather than hang, and adds nothing.
    monkeypatch.setattr(meter_flows, "RELOAD_WAIT_S", 0.2)
    for unit in (1, 2):
        building.device(0, unit).faults.slow_s = 0.5
    reload = hass.async_create_task(hass.config_entries.async_reload(entry.entry_id))
    await asyncio.sleep(0)
    assert entry.setup_lock.locked()
    started = time.monotonic()
    result = await start(2)
    waited = time.monotonic() - started
    print(f"reload_wait_s={waited:.2f}")
    assert result["errors"] == {"base": "gateway_not_loaded"}
    assert waited < 2
    for unit in (1, 2):
        building.device(0, unit).faults.slow_s = 0.0
    await reload
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert [s.unique_id for s in entry.subentries.values()] == ["1"]
    await hass.config_entries.async_unload(entry.entry_id)
    await building.stop()
