"""The simulated building itself: clock, day/night load, presets, wire time, the CLI."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from custom_components.prepaid_utility.meters.hub import guarded
from custom_components.prepaid_utility.meters.modbus_meter import ModbusMeter
from custom_components.prepaid_utility.meters.profiles import DDSY1352, PROFILES
from custom_components.prepaid_utility.meters.reading import MeterReading
from custom_components.prepaid_utility.meters.simulator import __main__ as cli
from custom_components.prepaid_utility.meters.simulator.building import Building
from custom_components.prepaid_utility.meters.simulator.clock import SimClock
from custom_components.prepaid_utility.meters.simulator.server import WireModel

from .conftest import report


def test_clock_is_manual_and_only_goes_forward() -> None:
    clock = SimClock(datetime(2026, 1, 1, tzinfo=UTC), manual=True)
    first = clock.now()
    time.sleep(0.01)
    assert clock.now() == first
    clock.advance(90)
    assert (clock.now() - first).total_seconds() == 90
    with pytest.raises(ValueError, match="back"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="aware"):
        SimClock(datetime(2026, 1, 1))  # noqa: DTZ001


def test_evening_load_exceeds_night_load() -> None:
    clock = SimClock(datetime(2026, 1, 1, 3, tzinfo=UTC), manual=True)
    building = Building.preset("mixed", clock=clock)
    meter = building.device(0, 1)
    start = meter.total
    clock.advance(3600)
    night = meter.total - start
    clock.advance(15 * 3600)  # 19:00
    evening_start = meter.total
    clock.advance(3600)
    evening = meter.total - evening_start
    water = building.device(0, 6)
    w0 = water.total
    clock.advance(24 * 3600)
    report(night_kwh=night, evening_kwh=evening, water_day_m3=water.total - w0)
    assert evening > 3 * night > 0
    assert water.total > w0


async def test_building40_starts_and_every_meter_answers(hub_factory, clock) -> None:
    building = Building.preset("building40", clock=clock)
    await building.start()
    try:
        assert len(building.buses[0].devices) == 40
        hub = hub_factory(building)
        clock.advance(3600)
        readings = []
        for unit, device in sorted(building.buses[0].devices.items()):
            meter = ModbusMeter(hub, PROFILES[device.profile_key], unit)
            readings.append(await guarded(meter.read()))
        assert all(isinstance(r, MeterReading) for r in readings)
        assert hub.stats.transactions == 40
    finally:
        await building.stop()


async def test_wire_time_emulation_matches_the_floor(hub_factory, clock) -> None:
    wire = WireModel(9600, 0.010)
    building = Building.from_layouts([[("acrel_ddsy1352", 1, 5)]], clock=clock, wire=wire)
    await building.start(kind="rtu_over_tcp")
    try:
        hub = hub_factory(building, timeout=0.5, inter_frame_gap=0.004)
        meters = [ModbusMeter(hub, DDSY1352, u) for u in range(1, 6)]
        await meters[0].read()
        start = time.monotonic()
        for meter in meters:
            await meter.read()
        elapsed = time.monotonic() - start
        floor = 5 * wire.transaction_s(8, 5 + 96)
        report(pass_s=round(elapsed, 3), floor_s=round(floor, 3), ratio=round(elapsed / floor, 3))
        assert floor <= elapsed < floor * 2  # the ratio itself is the bench's business
    finally:
        await building.stop()


async def test_cli_help_and_commands(clock) -> None:
    text = cli.build_parser().format_help()
    assert "building40" in text
    assert "--rtu-over-tcp" in text
    building = Building.preset("mixed", clock=clock)
    assert (await cli._command(building, "advance 3600")).startswith("now ")
    assert await cli._command(building, "fault 0 1 no_reply on") == "ok"
    assert building.device(0, 1).faults.no_reply
    assert await cli._command(building, "fault 0 1 exception 6") == "ok"
    assert building.device(0, 1).faults.exception_always == 6
    assert (await cli._command(building, "counter 0 2 reset")) == "counter 0.00"
    assert "bus0 #1" in await cli._command(building, "status")
    assert (await cli._command(building, "nonsense")).startswith("unknown")
    china = Building.preset("china24", clock=clock)
    assert "dlt645_40" in text
    assert "china24" in text
    assert await cli._command(china, "fault 0 3 answer_twice on") == "ok"
    assert await cli._command(china, "fault 1 3 foreign 2") == "ok"
    assert await cli._command(china, "fault 0 4 truncate 1") == "ok"
    assert china.device(0, 3).faults.answer_twice
    assert china.device(1, 3).faults.foreign_next == 2
    assert china.device(0, 4).faults.truncate_next == 1
    assert [bus.protocol for bus in china.buses] == ["dlt645", "cjt188"]


async def test_read_all_polls_a_building_in_one_call(hub_factory, clock) -> None:
    from custom_components.prepaid_utility.meters import (  # noqa: PLC0415
        MeterError,
        read_all,
        resolve_profile,
    )

    building = Building.preset("building40", clock=clock)
    await building.start()
    try:
        hub = hub_factory(building)
        meters = [
            ModbusMeter(hub, resolve_profile(device.profile_key), unit, key=f"m{unit}")
            for unit, device in building.buses[0].devices.items()
        ]
        building.device(0, 7).faults.no_reply = True
        results = await read_all(meters)
        assert isinstance(results["m7"], MeterError)
        assert sum(isinstance(r, MeterReading) for r in results.values()) == 39
    finally:
        await building.stop()


def test_accelerated_clock_runs_faster_than_real_time() -> None:
    clock = SimClock(speed=3600)
    first = clock.now()
    time.sleep(0.05)
    elapsed = (clock.now() - first).total_seconds()
    assert 150 <= elapsed <= 600  # about 180 simulated seconds in 50 ms
