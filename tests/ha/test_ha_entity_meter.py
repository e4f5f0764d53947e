"""The HA-entity meter: a counter sensor plus a switch or valve, behind the Meter interface."""

from __future__ import annotations

from decimal import Decimal

import pytest
from homeassistant.core import HomeAssistant, ServiceCall

from custom_components.prepaid_utility.gateway.ha_entity import HaEntityMeter
from custom_components.prepaid_utility.meters.reading import (
    ControlOutcome,
    Medium,
    Meter,
    NoReading,
    SupplyState,
)


def _ids(call: ServiceCall) -> list[str]:
    ids = call.data["entity_id"]
    return [ids] if isinstance(ids, str) else list(ids)


def _fake_switch(hass: HomeAssistant, *, stuck: bool = False) -> list[str]:
    calls: list[str] = []

    async def handle(call: ServiceCall) -> None:
        calls.append(call.service)
        if not stuck:
            new = "on" if call.service == "turn_on" else "off"
            for entity_id in _ids(call):
                hass.states.async_set(entity_id, new)

    hass.services.async_register("switch", "turn_on", handle)
    hass.services.async_register("switch", "turn_off", handle)
    return calls


def _fake_valve(hass: HomeAssistant) -> None:
    async def handle(call: ServiceCall) -> None:
        new = "open" if call.service == "open_valve" else "closed"
        for entity_id in _ids(call):
            hass.states.async_set(entity_id, new)

    hass.services.async_register("valve", "open_valve", handle)
    hass.services.async_register("valve", "close_valve", handle)


@pytest.mark.parametrize(
    ("state", "unit", "expected"),
    [
        ("1234.567", "kWh", Decimal("1234.57")),
        ("1234567", "Wh", Decimal("1234.57")),
        ("1.5", "MWh", Decimal("1500.00")),
    ],
)
async def test_energy_units(hass: HomeAssistant, state, unit, expected) -> None:
    hass.states.async_set("sensor.flat_1_energy", state, {"unit_of_measurement": unit})
    meter = HaEntityMeter(hass, "sensor.flat_1_energy")
    assert isinstance(meter, Meter)
    reading = await meter.read()
    assert reading.total == expected
    assert reading.medium is Medium.ELECTRICITY
    assert reading.taken_at.tzinfo is not None


async def test_water_units(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.flat_1_water", "12345", {"unit_of_measurement": "L"})
    meter = HaEntityMeter(hass, "sensor.flat_1_water", medium=Medium.WATER)
    assert (await meter.read()).total == Decimal("12.345")
    hass.states.async_set("sensor.flat_1_water", "12.3456", {"unit_of_measurement": "m³"})
    assert (await meter.read()).total == Decimal("12.346")


@pytest.mark.parametrize(
    ("state", "unit"),
    [
        ("unavailable", "kWh"),
        ("unknown", "kWh"),
        ("0", "kWh"),  # what many integrations report while starting
        ("0.0", "Wh"),
        ("-3", "kWh"),
        ("nan", "kWh"),
        ("abc", "kWh"),
        ("12", "W"),  # power, not energy
        ("12", "m³"),  # water counter where an energy counter was configured
    ],
)
async def test_unusable_states_are_no_reading(hass: HomeAssistant, state, unit) -> None:
    hass.states.async_set("sensor.e", state, {"unit_of_measurement": unit})
    with pytest.raises(NoReading):
        await HaEntityMeter(hass, "sensor.e").read()


async def test_missing_entity_is_no_reading(hass: HomeAssistant) -> None:
    with pytest.raises(NoReading):
        await HaEntityMeter(hass, "sensor.nothing").read()


async def test_switch_as_relay_with_read_back(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.e", "10", {"unit_of_measurement": "kWh"})
    hass.states.async_set("switch.flat_1", "on")
    calls = _fake_switch(hass)
    meter = HaEntityMeter(hass, "sensor.e", supply_entity_id="switch.flat_1")
    assert meter.capabilities.has_supply_control
    assert (await meter.read()).supply is SupplyState.ON
    result = await meter.set_supply(False)
    assert result.outcome is ControlOutcome.VERIFIED
    assert result.observed is SupplyState.OFF
    assert (await meter.read()).supply is SupplyState.OFF
    again = await meter.set_supply(False)
    assert again.writes == 0
    assert calls == ["turn_off"]


async def test_stuck_switch_is_a_mismatch(hass: HomeAssistant) -> None:
    hass.states.async_set("switch.flat_1", "on")
    _fake_switch(hass, stuck=True)
    meter = HaEntityMeter(hass, "sensor.e", supply_entity_id="switch.flat_1", settle_s=0.3)
    result = await meter.set_supply(False)
    assert result.outcome is ControlOutcome.MISMATCH


async def test_unavailable_switch_is_unknown(hass: HomeAssistant) -> None:
    hass.states.async_set("switch.flat_1", "unavailable")
    _fake_switch(hass, stuck=True)
    meter = HaEntityMeter(hass, "sensor.e", supply_entity_id="switch.flat_1", settle_s=0.3)
    assert (await meter.set_supply(False)).outcome is ControlOutcome.UNKNOWN


async def test_valve_as_water_supply(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.w", "5", {"unit_of_measurement": "m³"})
    hass.states.async_set("valve.flat_1", "open")
    _fake_valve(hass)
    meter = HaEntityMeter(hass, "sensor.w", supply_entity_id="valve.flat_1", medium=Medium.WATER)
    result = await meter.set_supply(False)
    assert result.outcome is ControlOutcome.VERIFIED
    assert hass.states.get("valve.flat_1").state == "closed"
    assert (await meter.set_supply(True)).observed is SupplyState.ON


def test_supply_entity_must_be_switch_or_valve(hass: HomeAssistant) -> None:
    with pytest.raises(ValueError, match="switch or a valve"):
        HaEntityMeter(hass, "sensor.e", supply_entity_id="light.kitchen")
