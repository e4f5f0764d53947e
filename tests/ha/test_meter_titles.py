"""Meter titles that name the room, so the integration page tells forty meters apart.

The subentry title (what the integration page lists) carries the room; the device name does
not, because Home Assistant puts the device's area in front of the entity ids itself.
"""

from __future__ import annotations

from typing import Any

from homeassistant import config_entries
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.prepaid_utility.const import (
    CONF_COUNTER_ENTITY,
    CONF_GATEWAY_TYPE,
    CONF_MEDIUM,
    CONF_PRESET,
    CONF_ROOM,
    DOMAIN,
    SUBENTRY_METER,
)
from custom_components.prepaid_utility.flows.meters import simulated_meters
from custom_components.prepaid_utility.gateway.bus import unique_id
from custom_components.prepaid_utility.gateway.meter_names import (
    async_title_templates,
    device_name,
)

from .conftest import add_simulated_building


def _meters(entry: Any) -> dict[str, Any]:
    return {
        str(s.unique_id): s for s in entry.subentries.values() if s.subentry_type == SUBENTRY_METER
    }


def _device(hass: HomeAssistant, entry: Any, subentry_id: str) -> dr.DeviceEntry:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_{subentry_id}"), entry.entry_id
    )
    assert device is not None
    return device


async def test_simulated_meters_are_titled_by_room(hass: HomeAssistant, building40: Any) -> None:
    entry = building40
    meters = _meters(entry)
    titles = [s.title for s in meters.values()]
    print(f"meters={len(titles)} distinct_titles={len(set(titles))} first={titles[0]!r}")
    assert len(set(titles)) == len(titles) == 40
    assert meters["1"].title == "Room 101 electricity"
    water = next(s for s in meters.values() if s.title.endswith(" water"))
    assert water.title == f"{water.data[CONF_ROOM]} water"
    # A flat has both meters: the quick start's Room 101 pays for its electricity and water.
    rooms_with_water = {s.data[CONF_ROOM] for s in meters.values() if s.title.endswith(" water")}
    print(f"water_rooms={sorted(rooms_with_water)}")
    assert meters["33"].title == "Room 101 water"
    assert rooms_with_water == {f"Room 1{n:02d}" for n in range(1, 9)}
    # The device drops the room its area already names, so entity ids keep one room in them.
    first = _device(hass, entry, meters["1"].subentry_id)
    assert (first.name, first.area_id) == ("Electricity", "room_101")
    energy = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.entry_id}_{meters['1'].subentry_id}_energy"
    )
    print(f"entity_id={energy}")
    assert energy == "sensor.room_101_electricity_energy"


async def test_titles_follow_the_language(hass: HomeAssistant, sockets: None) -> None:
    hass.config.language = "zh-Hans"
    entry = await add_simulated_building(hass, "mixed")
    titles = sorted(s.title for s in _meters(entry).values())
    print(f"zh_titles={titles[:2]}")
    assert "Room 101 电表" in titles
    assert any(t.endswith(" 水表") for t in titles)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_old_simulated_titles_are_migrated(hass: HomeAssistant, sockets: None) -> None:
    """Entries from 1.2 and older called every meter "Electricity" or "Water"."""
    subentries = simulated_meters("mixed", await async_title_templates(hass))
    kept = "Boiler room meter"
    for sub in subentries:
        sub["title"] = "Water" if sub["title"].endswith("water") else "Electricity"
    subentries[0]["title"] = kept  # a name somebody chose stays theirs
    data = {CONF_GATEWAY_TYPE: "simulated", CONF_NAME: "Old", CONF_PRESET: "mixed"}
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=1,
        minor_version=2,
        title="Old",
        unique_id=unique_id(data),
        data=data,
        subentries_data=subentries,
    )
    entry.add_to_hass(hass)
    before = {s.unique_id: s.subentry_id for s in entry.subentries.values()}
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (1, 3)
    meters = _meters(entry)
    assert {s.unique_id: s.subentry_id for s in entry.subentries.values()} == before
    titles = {u: s.title for u, s in meters.items()}
    renamed = sum(1 for t in titles.values() if t.startswith("Room "))
    print(f"migrated_titles={renamed} kept={titles['1']!r}")
    assert titles["1"] == kept
    assert renamed == len(meters) - 1
    assert all(t.endswith((" electricity", " water")) for u, t in titles.items() if u != "1")
    await hass.config_entries.async_unload(entry.entry_id)


async def test_meter_left_unnamed_is_titled_by_its_room(hass: HomeAssistant) -> None:
    hass.states.async_set(
        "sensor.flat7_energy", "10", {"unit_of_measurement": "kWh", "device_class": "energy"}
    )
    hass.states.async_set(
        "sensor.flat8_energy", "10", {"unit_of_measurement": "kWh", "device_class": "energy"}
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ha_entities"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Shelly flats"}
    )
    entry = result["result"]
    await hass.async_block_till_done()

    async def add(form: dict[str, Any]) -> Any:
        flow = await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_METER), context={"source": config_entries.SOURCE_USER}
        )
        return await hass.config_entries.subentries.async_configure(flow["flow_id"], form)

    # Neither a name nor a room: nothing to call it by, nothing saved.
    result = await add({CONF_MEDIUM: "electricity", CONF_COUNTER_ENTITY: "sensor.flat7_energy"})
    assert result["errors"] == {CONF_NAME: "invalid_name"}
    assert not entry.subentries
    result = await add(
        {
            CONF_ROOM: "Flat 7",
            CONF_MEDIUM: "electricity",
            CONF_COUNTER_ENTITY: "sensor.flat7_energy",
        }
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    result = await add(
        {CONF_NAME: "Kitchen", CONF_ROOM: "Flat 8", CONF_MEDIUM: "water",
         CONF_COUNTER_ENTITY: "sensor.flat8_energy"}
    )  # fmt: skip
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    meters = _meters(entry)
    flat7 = meters["sensor.flat7_energy"]
    print(f"unnamed_title={flat7.title!r} named_title={meters['sensor.flat8_energy'].title!r}")
    assert flat7.title == "Flat 7 electricity"
    assert meters["sensor.flat8_energy"].title == "Kitchen"
    assert _device(hass, entry, flat7.subentry_id).name == "Electricity"
    await hass.config_entries.async_unload(entry.entry_id)


def test_device_name_drops_only_a_whole_leading_room() -> None:
    cases = {
        ("Room 101 electricity", "Room 101"): "Electricity",
        ("room 101 - water", "Room 101"): "Water",
        ("Room 1015 water", "Room 101"): "Room 1015 water",
        ("Room 101", "Room 101"): "Room 101",
        ("Kitchen", "Room 101"): "Kitchen",
        ("Electricity", ""): "Electricity",
        ("Room 101 电表", "Room 101"): "电表",
    }
    got = {key: device_name(*key) for key in cases}
    print(f"device_names={len(got)}")
    assert got == cases
