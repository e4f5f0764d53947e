"""DL/T 645 and CJ/T 188 meters against the simulator over TCP, RTU-over-TCP and a serial pty."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from custom_components.prepaid_utility.meters import dlt645
from custom_components.prepaid_utility.meters.frame_meters import (
    Cjt188Meter,
    Dlt645Meter,
    cjt188_frame_hub,
    dlt645_frame_hub,
)
from custom_components.prepaid_utility.meters.framebus import FrameHub
from custom_components.prepaid_utility.meters.hub import BusConfig, BusKind, BusProtocol
from custom_components.prepaid_utility.meters.reading import (
    BusUnavailable,
    ControlOutcome,
    MeterCorruptReply,
    MeterFlag,
    MeterMisconfigured,
    MeterSuspended,
    MeterTimeout,
    SupplyState,
)
from custom_components.prepaid_utility.meters.scan import scan_cjt188, scan_dlt645
from custom_components.prepaid_utility.meters.simulator.building import Building
from custom_components.prepaid_utility.meters.simulator.clock import SimClock
from custom_components.prepaid_utility.meters.simulator.frame_devices import Cjt188Sim, Dlt645Sim

from .conftest import FAST, report

LAYOUT = [[("dlt645_2007", 1, 3)], [("cjt188_water", 1, 2)]]


def config(building: Building, bus: int, protocol: BusProtocol, **over: Any) -> BusConfig:
    endpoint = building.endpoints[bus]
    options: dict[str, Any] = {**FAST, "protocol": protocol, **over}
    if endpoint.kind == "serial":
        return BusConfig(
            BusKind.SERIAL, serial_port=endpoint.path, baudrate=2400, parity="E", **options
        )
    return BusConfig(BusKind(endpoint.kind), host=endpoint.host, port=endpoint.port, **options)


@pytest.fixture
async def hubs() -> AsyncIterator[list[FrameHub[Any]]]:
    made: list[FrameHub[Any]] = []
    yield made
    for hub in made:
        await hub.close()


@pytest.fixture
def make(
    hubs: list[FrameHub[Any]],
) -> Callable[..., tuple[FrameHub[dlt645.Frame], FrameHub[Any]]]:
    def build(building: Building, **over: Any) -> tuple[FrameHub[dlt645.Frame], FrameHub[Any]]:
        electric = dlt645_frame_hub(config(building, 0, BusProtocol.DLT645, **over))
        water = cjt188_frame_hub(config(building, 1, BusProtocol.CJT188, **over))
        hubs.extend((electric, water))
        return electric, water

    return build


@pytest.mark.parametrize("kind", ["tcp", "rtu_over_tcp", "serial"])
async def test_read_and_switch_with_read_back_stops_consumption(
    clock: SimClock, make: Any, kind: str
) -> None:
    building = Building.from_layouts(LAYOUT, clock=clock)
    await building.start(kind=kind)
    try:
        electric, water = make(building, timeout=0.4)
        clock.advance(6 * 3600)
        meter = Dlt645Meter(electric, 2)
        sim = building.device(0, 2)
        assert isinstance(sim, Dlt645Sim)
        reading = await meter.read()
        assert reading.total == sim.total
        assert reading.tou is not None
        assert [reading.tou.sharp, reading.tou.peak, reading.tou.flat, reading.tou.valley] == (
            sim.tou_registers
        )
        assert reading.voltage_v == 230
        assert reading.supply is SupplyState.ON
        cut = await meter.set_supply(False)
        assert (cut.outcome, cut.writes) == (ControlOutcome.VERIFIED, 1)
        before = (await meter.read()).total
        clock.advance(4 * 3600)
        after = await meter.read()
        assert after.total == before
        assert after.supply is SupplyState.OFF
        again = await meter.set_supply(False)
        assert again.writes == 0  # already off: nothing written
        restore = await meter.set_supply(True)
        assert restore.outcome is ControlOutcome.VERIFIED
        clock.advance(4 * 3600)
        assert (await meter.read()).total > before

        valve_meter = Cjt188Meter(water, 1)
        tap = building.device(1, 1)
        reading = await valve_meter.read()
        assert reading.total == tap.total
        assert reading.supply is SupplyState.ON
        closed = await valve_meter.set_supply(False)
        assert closed.outcome is ControlOutcome.VERIFIED
        before = (await valve_meter.read()).total
        clock.advance(6 * 3600)
        assert (await valve_meter.read()).total == before  # the closed valve stops the flow
        assert (await valve_meter.set_supply(True)).outcome is ControlOutcome.VERIFIED
        report(
            transport=kind,
            dlt645_transactions=electric.stats.transactions,
            cjt188_transactions=water.stats.transactions,
            timeouts=electric.stats.timeouts + water.stats.timeouts,
        )
        assert electric.stats.timeouts == water.stats.timeouts == 0
    finally:
        await building.stop()


async def test_bad_replies_on_the_wire_never_give_a_value(clock: SimClock, make: Any) -> None:
    """Corrupt, truncated and foreign replies are counted and retried; only a good one is used."""
    building = Building.from_layouts(LAYOUT, clock=clock)
    await building.start(kind="rtu_over_tcp")
    try:
        electric, water = make(building, retries=2)
        meter = Dlt645Meter(electric, 1, instant=False)
        sim = building.device(0, 1)
        sim.faults.corrupt_next = 1
        assert (await meter.read()).total == sim.total
        sim.faults.truncate_next = 1
        assert (await meter.read()).total == sim.total
        sim.faults.foreign_next = 1
        assert (await meter.read()).total == sim.total
        assert electric.stats.foreign_frames == 1
        # Three bad replies in a row: no value, an error.
        sim.faults.corrupt_next = 3
        with pytest.raises(MeterCorruptReply):
            await meter.read()
        sim.faults.foreign_next = 1  # after a failure the meter gets one try, not three
        with pytest.raises(MeterTimeout):
            await meter.read()
        # A meter that says everything twice: the echo is dropped (with the reply, or before
        # the next request when it comes late), never taken as the next answer.
        sim.faults.answer_twice = True
        ignored = electric.stats.foreign_frames + electric.stats.stale_bytes
        first = await meter.read()
        second = await meter.read()
        assert first.total == second.total == sim.total
        assert electric.stats.foreign_frames + electric.stats.stale_bytes > ignored
        sim.faults.answer_twice = False

        tap = building.device(1, 2)
        water_meter = Cjt188Meter(water, 2)
        tap.faults.corrupt_next = 1
        tap.faults.foreign_next = 0
        assert (await water_meter.read()).total == tap.total
        report(
            bad_frames=electric.stats.corrupt + water.stats.corrupt,
            foreign_frames=electric.stats.foreign_frames,
            stale_bytes=electric.stats.stale_bytes,
            values_accepted_from_bad_frames=0,
        )
    finally:
        await building.stop()


async def test_dead_meter_is_suspended_and_a_lost_write_reply_is_resolved_by_read_back(
    clock: SimClock, make: Any
) -> None:
    building = Building.from_layouts(LAYOUT, clock=clock)
    await building.start(kind="tcp")
    try:
        electric, water = make(building)
        dead = Dlt645Meter(electric, 3, instant=False)
        building.device(0, 3).faults.no_reply = True
        for _ in range(3):
            with pytest.raises(MeterTimeout):
                await dead.read()
        before = electric.stats.transactions
        with pytest.raises(MeterSuspended):
            await dead.read()
        assert electric.stats.transactions == before  # no bus time for a suspended meter
        live = Dlt645Meter(electric, 1, instant=False)
        assert (await live.read()).total == building.device(0, 1).total

        sim = building.device(0, 1)
        sim.faults.drop_write_reply_next = 1
        result = await live.set_supply(False)
        assert (result.outcome, result.writes) == (ControlOutcome.VERIFIED, 1)
        assert "ambiguous" in result.detail
        assert not sim.supply_on

        sim.faults.ignore_supply = True
        stuck = await live.set_supply(True)
        assert (stuck.outcome, stuck.writes) == (ControlOutcome.MISMATCH, 2)
        sim.faults.ignore_supply = False

        tap = building.device(1, 1)
        assert isinstance(tap, Cjt188Sim)
        tap.low_battery = True
        tap.valve_fault = True
        reading = await Cjt188Meter(water, 1).read()
        assert reading.flags == {MeterFlag.LOW_BATTERY, MeterFlag.VALVE_FAULT}
        assert reading.supply is SupplyState.UNKNOWN
        refused = await Cjt188Meter(water, 1).set_supply(False)
        assert refused.outcome is ControlOutcome.UNKNOWN  # a faulty valve is not "verified"
    finally:
        await building.stop()


async def test_password_esam_and_meters_without_the_energy_block(
    clock: SimClock, make: Any
) -> None:
    building = Building.from_layouts(LAYOUT, clock=clock)
    await building.start(kind="tcp")
    try:
        electric, _ = make(building)
        sim = building.device(0, 2)
        assert isinstance(sim, Dlt645Sim)
        wrong = await Dlt645Meter(electric, 2, password="02123456").set_supply(False)
        assert (wrong.outcome, wrong.writes) == (ControlOutcome.MISMATCH, 1)
        assert "password" in wrong.detail
        assert sim.supply_on
        assert sim.relay_commands == 0
        sim.esam = True
        esam = await Dlt645Meter(electric, 2).set_supply(False)
        assert esam.outcome is ControlOutcome.MISMATCH
        assert "ESAM" in esam.detail
        assert sim.supply_on

        sim.block_read = False
        meter = Dlt645Meter(electric, 2, instant=False)
        reading = await meter.read()
        assert not meter.block_read
        assert reading.total == sim.total
        assert reading.tou is not None
        assert reading.tou.valley == sim.tou_registers[3]
        with pytest.raises(MeterMisconfigured):
            await meter._read_di(0x7F7F7F7F)  # an identifier no meter has
    finally:
        await building.stop()


@pytest.mark.parametrize("kind", ["tcp", "serial"])
async def test_scan_finds_a_lone_meter_by_broadcast_and_others_by_address(
    clock: SimClock, make: Any, kind: str
) -> None:
    alone = Building.from_layouts([[("dlt645_2007", 7, 7)], [("cjt188_water", 9, 9)]], clock=clock)
    await alone.start(kind=kind)
    try:
        electric, water = make(alone)
        found = await scan_dlt645(electric)
        assert [(h.address, h.profile_key) for h in found.hits] == [("000000000007", "dlt645_2007")]
        found_water = await scan_cjt188(water)
        assert [h.address for h in found_water.hits] == ["00000000000009"]
        # The same meter answering twice: refused, no address trusted.
        alone.device(0, 7).faults.answer_twice = True
        twice = await scan_dlt645(electric)
        assert twice.ambiguous_broadcast
        assert twice.hits == []
        report(transport=kind, scan_hits=len(found.hits) + len(found_water.hits), twice_hits=0)
    finally:
        await alone.stop()

    many = Building.from_layouts(LAYOUT, clock=clock)
    await many.start(kind=kind)
    try:
        electric, water = make(many)
        found = await scan_dlt645(electric, addresses=[1, 2, 3, 4])
        assert found.ambiguous_broadcast
        assert [h.address[-1] for h in found.hits] == ["1", "2", "3"]
        found_water = await scan_cjt188(water, addresses=["00000000000002", "00000000000005"])
        assert found_water.ambiguous_broadcast
        assert [h.address for h in found_water.hits] == ["00000000000002"]
    finally:
        await many.stop()


async def test_gateway_gone_is_bus_unavailable() -> None:
    hub = dlt645_frame_hub(
        BusConfig(BusKind.TCP, port=1, protocol=BusProtocol.DLT645, timeout=0.1, reconnect_min=0.01)
    )
    with pytest.raises(BusUnavailable):
        await Dlt645Meter(hub, 1).read()
    with pytest.raises(ValueError, match="Modbus"):
        FrameHub(BusConfig(BusKind.TCP), dlt645.FrameReader)
