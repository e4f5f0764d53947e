"""Meters as Home Assistant devices and entities, polled from the simulated building.

Everything runs through the real stack: config flow → simulator serving Modbus TCP on
127.0.0.1 → hub → profiles → coordinator → entities. Values are compared with what the
simulated meters themselves count.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any

import pytest
from homeassistant import config_entries
from homeassistant.const import CONF_NAME, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir

from custom_components.prepaid_utility import async_remove_config_entry_device
from custom_components.prepaid_utility.const import (
    CONF_ADDRESS,
    CONF_BILLING_MODE,
    CONF_BREAKER_A,
    CONF_COUNTER_ENTITY,
    CONF_MAX_FLOW_M3H,
    CONF_MEDIUM,
    CONF_PROFILE,
    CONF_ROOM,
    CONF_SUPPLY_ENTITY,
    DOMAIN,
    SUBENTRY_METER,
)
from custom_components.prepaid_utility.meters.simulator.building import Building

from .conftest import poll

# The simulator serves real Modbus on 127.0.0.1.
pytestmark = pytest.mark.usefixtures("sockets")


LIMIT_KEYS = (CONF_BREAKER_A, CONF_MAX_FLOW_M3H, CONF_BILLING_MODE)


async def _configure_modbus_meter(hass: HomeAssistant, flow_id: str, values: dict[str, Any]) -> Any:
    """Fill both meter forms: what the meter is, then only the limits its model has."""
    first = {k: v for k, v in values.items() if k not in LIMIT_KEYS}
    result = await hass.config_entries.subentries.async_configure(flow_id, first)
    if result.get("step_id") != "modbus_limits":
        return result
    asked = {str(key) for key in result["data_schema"].schema}
    limits = {k: v for k, v in values.items() if k in LIMIT_KEYS and k in asked}
    return await hass.config_entries.subentries.async_configure(flow_id, limits)


async def _add_gateway(hass: HomeAssistant, step: str, user_input: dict[str, Any]) -> Any:
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


def _entity(hass: HomeAssistant, entry: Any, unit: int, key: str) -> str:
    subentry = next(s for s in entry.subentries.values() if s.unique_id == str(unit))
    entity_id = er.async_get(hass).async_get_entity_id(
        _platform(key), DOMAIN, f"{entry.entry_id}_{subentry.subentry_id}_{key}"
    )
    assert entity_id, (unit, key)
    return entity_id


def _platform(key: str) -> str:
    return {"online": "binary_sensor", "fault": "binary_sensor", "relay": "switch",
            "valve": "valve"}.get(key, "sensor")  # fmt: skip


async def test_simulated_building_devices_and_entities(
    hass: HomeAssistant, building40: Any
) -> None:
    entry = building40
    assert len([s for s in entry.subentries.values() if s.subentry_type == SUBENTRY_METER]) == 40
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert len(devices) == 41  # the gateway and its 40 meters
    first = next(s for s in entry.subentries.values() if s.unique_id == "1")
    flat = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_{first.subentry_id}"), entry.entry_id
    )
    assert flat is not None
    assert flat.model == "Acrel DDSY1352 (single phase, prepaid)"
    assert flat.via_device_id is not None

    sim = entry.runtime_data.building.building
    # Energy of every electricity meter equals what the simulated meter shows.
    for unit in (1, 25, 27, 28, 30):
        state = hass.states.get(_entity(hass, entry, unit, "energy"))
        assert state is not None
        assert Decimal(state.state) == sim.device(0, unit).total
        assert state.attributes["unit_of_measurement"] == "kWh"
        assert state.attributes["state_class"] == "total_increasing"
    water = hass.states.get(_entity(hass, entry, 33, "water"))
    assert water is not None
    assert Decimal(water.state) == sim.device(0, 33).total
    assert water.attributes["unit_of_measurement"] == "m³"
    # The water meter has a battery; Acrel's own balance is there, off by default (below).
    assert hass.states.get(_entity(hass, entry, 33, "battery_voltage")) is not None
    assert hass.states.get(_entity(hass, entry, 1, "online")).state == STATE_ON
    # Power factor is diagnostic and off by default.
    pf = er.async_get(hass).async_get(_entity(hass, entry, 1, "power_factor"))
    assert pf is not None
    assert pf.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    # So are the values that change every poll but few chart, and the top-up counter...
    registry = er.async_get(hass)
    quiet = {
        key: _entity(hass, entry, unit, key)
        for unit, key in (
            (1, "voltage"),
            (1, "current"),
            (1, "purchase_count"),
            (1, "meter_balance"),
            (33, "flow_rate"),
            (33, "remaining_volume"),
        )
    }
    for entity_id in quiet.values():
        assert registry.async_get(entity_id).disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert hass.states.get(entity_id) is None
    # ...until the landlord enables them: after the reload they show the meter's values.
    for entity_id in quiet.values():
        registry.async_update_entity(entity_id, disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await poll(hass, entry)
    assert float(hass.states.get(quiet["voltage"]).state) > 100
    assert float(hass.states.get(quiet["current"]).state) >= 0
    assert int(hass.states.get(quiet["purchase_count"]).state) >= 0
    assert float(hass.states.get(quiet["flow_rate"]).state) >= 0
    balance = hass.states.get(quiet["meter_balance"])
    assert balance.attributes["unit_of_measurement"] == hass.config.currency
    assert Decimal(hass.states.get(quiet["remaining_volume"]).state) >= 0
    # An Eastron meter has no relay: no switch.
    eastron = next(s for s in entry.subentries.values() if s.unique_id == "27")
    assert (
        registry.async_get_entity_id(
            "switch", DOMAIN, f"{entry.entry_id}_{eastron.subentry_id}_relay"
        )
        is None
    )


async def test_counters_follow_the_simulator(hass: HomeAssistant, building40: Any) -> None:
    entry = building40
    sim = entry.runtime_data.building.building
    energy = _entity(hass, entry, 3, "energy")
    before = Decimal(hass.states.get(energy).state)
    sim.clock.advance(6 * 3600)
    await poll(hass, entry)
    after = Decimal(hass.states.get(energy).state)
    assert after > before
    assert after == sim.device(0, 3).total


async def test_relay_cut_stops_consumption(hass: HomeAssistant, building40: Any) -> None:
    entry = building40
    sim = entry.runtime_data.building.building
    relay = _entity(hass, entry, 5, "relay")
    energy = _entity(hass, entry, 5, "energy")
    assert hass.states.get(relay).state == STATE_ON
    await hass.services.async_call("switch", "turn_off", {"entity_id": relay}, blocking=True)
    assert hass.states.get(relay).state == STATE_OFF
    assert sim.device(0, 5).supply_on is False
    cut_at = Decimal(hass.states.get(energy).state)
    sim.clock.advance(3 * 3600)
    await poll(hass, entry)
    assert Decimal(hass.states.get(energy).state) == cut_at
    assert hass.states.get(relay).state == STATE_OFF
    await hass.services.async_call("switch", "turn_on", {"entity_id": relay}, blocking=True)
    sim.clock.advance(3 * 3600)
    await poll(hass, entry)
    assert Decimal(hass.states.get(energy).state) > cut_at


async def test_water_valve(hass: HomeAssistant, building40: Any) -> None:
    entry = building40
    sim = entry.runtime_data.building.building
    valve = _entity(hass, entry, 34, "valve")
    assert hass.states.get(valve).state == "open"
    await hass.services.async_call("valve", "close_valve", {"entity_id": valve}, blocking=True)
    assert hass.states.get(valve).state == "closed"
    assert sim.device(0, 34).supply_on is False


async def test_relay_that_does_not_obey_raises_and_shows_truth(
    hass: HomeAssistant, building40: Any
) -> None:
    entry = building40
    sim = entry.runtime_data.building.building
    sim.device(0, 6).faults.ignore_supply = True
    relay = _entity(hass, entry, 6, "relay")
    with pytest.raises(HomeAssistantError, match="did not follow"):
        await hass.services.async_call("switch", "turn_off", {"entity_id": relay}, blocking=True)
    assert hass.states.get(relay).state == STATE_ON  # what the meter says, not what we asked


async def test_dead_meter_goes_unavailable_alone_and_logs_once(
    hass: HomeAssistant, building40: Any, caplog: pytest.LogCaptureFixture
) -> None:
    entry = building40
    sim = entry.runtime_data.building.building
    sim.device(0, 7).faults.no_reply = True
    caplog.set_level(logging.INFO)
    for _ in range(3):
        await poll(hass, entry)
    dead = hass.states.get(_entity(hass, entry, 7, "energy"))
    assert dead.state == STATE_UNAVAILABLE  # never 0
    assert hass.states.get(_entity(hass, entry, 7, "online")).state == STATE_OFF
    assert hass.states.get(_entity(hass, entry, 8, "energy")).state != STATE_UNAVAILABLE
    lost = [
        r
        for r in caplog.records
        if "does not answer" in r.getMessage() and r.name.endswith("coordinator")
    ]
    assert len(lost) == 1
    sim.device(0, 7).faults.no_reply = False
    entry.runtime_data.hub.reset_backoff()  # probe now rather than after the breaker's wait
    await poll(hass, entry)
    assert hass.states.get(_entity(hass, entry, 7, "energy")).state != STATE_UNAVAILABLE
    back = [
        r
        for r in caplog.records
        if "answers again" in r.getMessage() and r.name.endswith("coordinator")
    ]
    assert len(back) == 1
    print(
        f"polls=4 dead_meters=1 healthy_unavailable=0 log_lines_per_outage={len(lost) + len(back)}"
    )


async def test_gateway_down_makes_everything_unavailable_then_recovers(
    hass: HomeAssistant,
) -> None:
    building = Building.from_layouts([[("acrel_ddsy1352", 1, 2)]])
    endpoint = (await building.start(kind="tcp", host="127.0.0.1", port=0))[0]
    entry = await _add_gateway(
        hass, "tcp", {CONF_NAME: "Block", "host": endpoint.host, "port": endpoint.port}
    )
    for unit in (1, 2):
        result = await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_METER), context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {"next_step_id": "modbus"}
        )
        result = await _configure_modbus_meter(
            hass,
            result["flow_id"],
            {CONF_NAME: f"Flat {unit}", CONF_ROOM: f"10{unit}", CONF_PROFILE: "acrel_ddsy1352",
             CONF_ADDRESS: unit, CONF_BREAKER_A: 40, CONF_BILLING_MODE: "platform"},
        )  # fmt: skip
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
    energy = _entity(hass, entry, 1, "energy")
    assert hass.states.get(energy).state != STATE_UNAVAILABLE
    await entry.runtime_data.hub.close()  # a server waits for its clients when it stops
    await building.stop()
    await poll(hass, entry)
    assert hass.states.get(energy).state == STATE_UNAVAILABLE
    assert not entry.runtime_data.coordinator.last_update_success
    building2 = Building.from_layouts([[("acrel_ddsy1352", 1, 2)]])
    await building2.start(kind="tcp", host="127.0.0.1", port=endpoint.port)
    entry.runtime_data.hub.reset_backoff()  # reconnect now rather than after the back-off
    await poll(hass, entry)
    assert hass.states.get(energy).state != STATE_UNAVAILABLE
    await entry.runtime_data.hub.close()
    await hass.config_entries.async_unload(entry.entry_id)
    await building2.stop()


async def test_meter_subentry_flow_checks_the_meter(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    building = Building.from_layouts([[("acrel_ddsy1352", 1, 1), ("xintai_water", 2, 2)]])
    endpoint = (await building.start(kind="tcp", host="127.0.0.1", port=0))[0]
    entry = await _add_gateway(
        hass, "tcp", {CONF_NAME: "Block", "host": endpoint.host, "port": endpoint.port}
    )

    async def add(values: dict[str, Any]) -> Any:
        result = await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_METER), context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {"next_step_id": "modbus"}
        )
        assert result["step_id"] == "modbus"
        base = {CONF_NAME: "Flat", CONF_ROOM: "101", CONF_PROFILE: "acrel_ddsy1352",
                CONF_ADDRESS: 1, CONF_BREAKER_A: 63, CONF_BILLING_MODE: "meter"}  # fmt: skip
        return await _configure_modbus_meter(hass, result["flow_id"], {**base, **values})

    caplog.clear()
    result = await add({CONF_ADDRESS: 9})
    assert result["errors"] == {CONF_ADDRESS: "meter_not_responding"}
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    print(f"absent_address_error_lines={len(errors)}")
    assert errors == []  # an absent address is the form's answer, not an error in the log
    result = await add({CONF_ADDRESS: 2})  # a water meter refuses the Acrel registers
    assert result["errors"] == {CONF_PROFILE: "wrong_profile_found"}  # and the scan knows it
    assert result["description_placeholders"]["found"] == "Valve water meter (Xintai map)"
    profile = next(m for m in result["data_schema"].schema if str(m) == CONF_PROFILE)
    assert profile.default() == "xintai_water"
    result = await add({CONF_NAME: "??"})
    assert result["errors"] == {CONF_NAME: "invalid_name"}
    assert not entry.subentries
    # Each form asks only what its model has: no maximum flow for electricity, no breaker or
    # balance keeper for a water meter.
    asked = {}
    for profile, address in (("acrel_ddsy1352", 1), ("xintai_water", 2)):
        flow = await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_METER), context={"source": config_entries.SOURCE_USER}
        )
        flow = await hass.config_entries.subentries.async_configure(
            flow["flow_id"], {"next_step_id": "modbus"}
        )
        assert CONF_MAX_FLOW_M3H not in {str(k) for k in flow["data_schema"].schema}
        assert CONF_BREAKER_A not in {str(k) for k in flow["data_schema"].schema}
        flow = await hass.config_entries.subentries.async_configure(
            flow["flow_id"],
            {CONF_NAME: "Probe", CONF_ROOM: "1", CONF_PROFILE: profile, CONF_ADDRESS: address},
        )
        if flow["type"] is FlowResultType.FORM:
            asked[profile] = sorted(str(k) for k in flow["data_schema"].schema)
            hass.config_entries.subentries.async_abort(flow["flow_id"])
    print(f"asked={asked}")
    assert asked == {
        "acrel_ddsy1352": sorted([CONF_BILLING_MODE, CONF_BREAKER_A]),
        "xintai_water": [CONF_MAX_FLOW_M3H],
    }
    result = await add({})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_BILLING_MODE] == "meter"
    await hass.async_block_till_done()
    result = await add({CONF_NAME: "Again"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    result = await add({CONF_ADDRESS: 2, CONF_PROFILE: "xintai_water", CONF_NAME: "Water 101"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_BILLING_MODE] == "platform"  # a water meter keeps no balance
    assert CONF_BREAKER_A not in result["data"]
    await hass.async_block_till_done()
    assert hass.states.get(_entity(hass, entry, 2, "water")) is not None

    # Reconfigure: rename and move to another room; the device follows.
    sub = next(s for s in entry.subentries.values() if s.unique_id == "1")
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_METER),
        context={"source": config_entries.SOURCE_RECONFIGURE, "subentry_id": sub.subentry_id},
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            CONF_NAME: "Flat 102",
            CONF_ROOM: "102",
            CONF_BREAKER_A: 40,
            CONF_BILLING_MODE: "platform",
        },
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.subentries[sub.subentry_id].title == "Flat 102"
    assert entry.subentries[sub.subentry_id].data[CONF_BREAKER_A] == 40
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_{sub.subentry_id}"), entry.entry_id
    )
    assert device is not None
    assert device.name == "Flat 102"
    await hass.config_entries.async_unload(entry.entry_id)
    await building.stop()


async def test_meter_made_of_ha_entities(hass: HomeAssistant) -> None:
    hass.states.async_set(
        "sensor.flat3_energy", "1234.5", {"unit_of_measurement": "kWh", "device_class": "energy",
                                         "state_class": "total_increasing"},
    )  # fmt: skip
    hass.states.async_set("switch.flat3_breaker", "on")
    entry = await _add_gateway(hass, "ha_entities", {CONF_NAME: "Shelly flats"})
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_METER), context={"source": config_entries.SOURCE_USER}
    )
    assert result["step_id"] == "entities"
    base = {CONF_NAME: "Flat 3", CONF_ROOM: "3", CONF_MEDIUM: "electricity",
            CONF_COUNTER_ENTITY: "sensor.flat3_energy"}  # fmt: skip
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**base, CONF_SUPPLY_ENTITY: "switch.nope"}
    )
    assert result["errors"] == {CONF_SUPPLY_ENTITY: "entity_not_found"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**base, CONF_SUPPLY_ENTITY: "switch.flat3_breaker"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    energy = _entity_by_unique(hass, entry, "sensor.flat3_energy", "energy")
    assert Decimal(hass.states.get(energy).state) == Decimal("1234.5")
    hass.states.async_set("sensor.flat3_energy", "1240.0", {"unit_of_measurement": "kWh"})
    await poll(hass, entry)
    assert Decimal(hass.states.get(energy).state) == Decimal("1240")
    relay = _entity_by_unique(hass, entry, "sensor.flat3_energy", "relay")
    assert hass.states.get(relay).state == STATE_ON
    await hass.config_entries.async_unload(entry.entry_id)


def _entity_by_unique(hass: HomeAssistant, entry: Any, unique: str, key: str) -> str:
    sub = next(s for s in entry.subentries.values() if s.unique_id == unique)
    entity_id = er.async_get(hass).async_get_entity_id(
        _platform(key), DOMAIN, f"{entry.entry_id}_{sub.subentry_id}_{key}"
    )
    assert entity_id
    return entity_id


async def test_meter_refusing_its_registers_raises_one_repair_issue(
    hass: HomeAssistant, building40: Any
) -> None:
    entry = building40
    sim = entry.runtime_data.building.building
    registry = ir.async_get(hass)
    sim.device(0, 9).faults.exception_always = 0x02  # ILLEGAL DATA ADDRESS
    before = sim.buses[0].devices[9].faults.seen
    for _ in range(3):
        await poll(hass, entry)
    issues = [
        i for i in registry.issues.values() if i.domain == DOMAIN and i.is_fixable is False
    ]  # the dashboard offer is not a fault
    assert len(issues) == 1
    assert issues[0].translation_key == "meter_misconfigured"
    assert issues[0].translation_placeholders["code"] == "2"
    requests = sim.buses[0].devices[9].faults.seen - before
    print(f"polls=3 requests_to_misconfigured={requests} retries_on_illegal_address=0")
    assert requests <= 2  # the first read and the legacy-map fallback; then silence
    assert hass.states.get(_entity(hass, entry, 9, "energy")).state == STATE_UNAVAILABLE


async def test_simulated_building_continues_after_a_restart(
    hass: HomeAssistant, building40: Any
) -> None:
    """Counters, relays and balances survive an unload/set-up; the downtime is consumed."""
    entry = building40
    sim = entry.runtime_data.building.building
    relay = _entity(hass, entry, 4, "relay")
    await hass.services.async_call("switch", "turn_off", {"entity_id": relay}, blocking=True)
    sim.clock.advance(24 * 3600)
    await poll(hass, entry)
    before = {unit: sim.device(0, unit).total for unit in (1, 4, 33)}
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    sim = entry.runtime_data.building.building
    after = {unit: sim.device(0, unit).total for unit in (1, 4, 33)}
    for unit in (1, 33):
        assert after[unit] >= before[unit], unit  # continued, not back to the first value
        assert after[unit] - before[unit] < 1, unit
    assert after[4] == before[4]  # the cut relay stayed cut
    assert sim.device(0, 4).supply_on is False
    assert hass.states.get(relay).state == STATE_OFF


async def test_removed_meter_takes_its_device_and_stale_devices_can_go(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    """Stale devices: a deleted meter leaves nothing behind; only dead devices are deletable."""
    entry = mixed_building
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    meter = next(s for s in entry.subentries.values() if s.unique_id == "3")
    device = devices.async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_{meter.subentry_id}"), entry.entry_id
    )
    assert device is not None
    owned = [e.entity_id for e in er.async_entries_for_device(entities, device.id)]
    assert owned
    gateway = devices.async_get_device_by_identifier((DOMAIN, entry.entry_id), entry.entry_id)
    assert gateway is not None
    # Live devices cannot be deleted from the UI.
    assert not await async_remove_config_entry_device(hass, entry, device)
    assert not await async_remove_config_entry_device(hass, entry, gateway)

    assert hass.config_entries.async_remove_subentry(entry, meter.subentry_id)
    await hass.async_block_till_done()
    assert devices.async_get(device.id) is None
    assert all(entities.async_get(entity_id) is None for entity_id in owned)
    assert entry.state is config_entries.ConfigEntryState.LOADED

    # A device of the entry that no subentry stands behind any more may go.
    stale = devices.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, f"{entry.entry_id}_gone")}
    )
    assert await async_remove_config_entry_device(hass, entry, stale)
    print("removed_meter_devices_left=0 entities_left=0 stale_deletable=1 live_deletable=0")


async def test_meter_added_while_the_gateway_reloads_waits_for_it(hass: HomeAssistant) -> None:
    """A second meter saved a moment after the first probes once the reload is done."""
    building = Building.from_layouts([[("acrel_ddsy1352", 1, 2)]])
    endpoint = (await building.start(kind="tcp", host="127.0.0.1", port=0))[0]
    entry = await _add_gateway(
        hass, "tcp", {CONF_NAME: "Block", "host": endpoint.host, "port": endpoint.port}
    )

    async def add(unit: int) -> Any:
        result = await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_METER), context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {"next_step_id": "modbus"}
        )
        return await _configure_modbus_meter(
            hass,
            result["flow_id"],
            {CONF_NAME: f"Flat {unit}", CONF_ROOM: f"10{unit}", CONF_PROFILE: "acrel_ddsy1352",
             CONF_ADDRESS: unit, CONF_BREAKER_A: 40, CONF_BILLING_MODE: "platform"},
        )  # fmt: skip

    first = await add(1)
    assert first["type"] is FlowResultType.CREATE_ENTRY
    turns = 0
    # Until the old gateway is unloaded and the new one not yet set up (what a second form
    # saved about a second later meets on a big building).
    while hasattr(entry, "runtime_data") and turns < 10_000:
        await asyncio.sleep(0)
        turns += 1
    reloading = entry.setup_lock.locked() and not hasattr(entry, "runtime_data")
    second = await add(2)
    print(f"reloading_when_added={reloading} second={second['type']}")
    assert reloading
    assert second["type"] is FlowResultType.CREATE_ENTRY, second.get("errors")
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED
    assert len(entry.runtime_data.coordinator.meters) == 2
    await hass.config_entries.async_unload(entry.entry_id)
    await building.stop()
