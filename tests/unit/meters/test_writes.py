"""Every write, read back: relays, the valve, the Acrel 0xAA block, top-ups, TOU tables."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from custom_components.prepaid_utility.meters.commands import (
    TouSlot,
    read_prepaid_parameters,
    read_tou_day_table,
    release_relay,
    top_up,
    write_prepaid_parameters,
    write_tou_day_table,
)
from custom_components.prepaid_utility.meters.modbus_meter import ModbusMeter
from custom_components.prepaid_utility.meters.profiles import (
    DDS238,
    DDSY1352,
    DTSY1352,
    SDM120,
    WATER_VALVE,
)
from custom_components.prepaid_utility.meters.reading import (
    ControlOutcome,
    MeterFlag,
    SupplyState,
)
from custom_components.prepaid_utility.meters.simulator.building import Building

from .conftest import report


@pytest.mark.parametrize(
    ("unit", "profile"), [(1, DDSY1352), (2, DTSY1352), (5, DDS238), (6, WATER_VALVE)]
)
async def test_supply_off_and_on_verified_and_stops_consumption(
    mixed, hub_factory, clock, unit, profile
) -> None:
    hub = hub_factory(mixed)
    meter = ModbusMeter(hub, profile, unit)
    sim = mixed.device(0, unit)
    clock.advance(8 * 3600)
    result = await meter.set_supply(False)
    assert result.outcome is ControlOutcome.VERIFIED
    assert result.observed is SupplyState.OFF
    assert result.writes == 1
    assert sim.supply_on is False
    cut = (await meter.read()).total
    clock.advance(6 * 3600)
    reading = await meter.read()
    assert reading.total == cut  # a tripped relay / closed valve really stops consumption
    assert reading.supply is SupplyState.OFF
    again = await meter.set_supply(False)
    assert again.writes == 0  # already off: nothing written
    assert again.outcome is ControlOutcome.VERIFIED
    result = await meter.set_supply(True)
    assert result.outcome is ControlOutcome.VERIFIED
    clock.advance(6 * 3600)
    assert (await meter.read()).total > cut


async def test_meter_without_relay_reports_unknown(mixed, hub_factory) -> None:
    meter = ModbusMeter(hub_factory(mixed), SDM120, 3)
    assert not meter.capabilities.has_supply_control
    result = await meter.set_supply(False)
    assert result.outcome is ControlOutcome.UNKNOWN
    assert result.writes == 0


async def test_ambiguous_write_resolved_by_read_back(mixed, hub_factory) -> None:
    """C3: the write lands but its reply is lost; the read-back resolves it, no second write."""
    hub = hub_factory(mixed, timeout=0.04)
    meter = ModbusMeter(hub, DDSY1352, 1)
    sim = mixed.device(0, 1)
    ambiguous = resolved = double_toggles = 0
    for i in range(100):
        sim.faults.drop_write_reply_next = 1
        result = await meter.set_supply(i % 2 == 1)
        ambiguous += 1
        resolved += result.outcome is ControlOutcome.VERIFIED
        double_toggles += result.writes > 1
    report(ambiguous=ambiguous, resolved=resolved, double_toggles=double_toggles)
    assert resolved == ambiguous
    assert double_toggles == 0


async def test_relay_ignoring_commands_is_a_mismatch_without_write_storm(
    mixed, hub_factory
) -> None:
    """C4: a welded relay: K writes, then mismatch; no storm."""
    hub = hub_factory(mixed)
    # A short settle time: the relay never moves, waiting longer would only slow the test.
    meter = ModbusMeter(hub, DDS238, 5, supply_attempts=2, supply_settle_s=0.05)
    mixed.device(0, 5).faults.ignore_supply = True
    mismatches = 0
    writes = []
    for _ in range(20):
        result = await meter.set_supply(False)
        mismatches += result.outcome is ControlOutcome.MISMATCH
        writes.append(result.writes)
    report(mismatches=mismatches, alerts=mismatches, writes_per_incident=max(writes))
    assert mismatches == 20
    assert max(writes) <= 2


async def test_acrel_prepaid_block_write_and_read_back(mixed, hub_factory) -> None:
    meter = ModbusMeter(hub_factory(mixed), DDSY1352, 1)
    params = await read_prepaid_parameters(meter)
    assert params.remaining == Decimal("100.00")
    assert params.price_flat == Decimal("0.60")
    assert params.alarm_1 == Decimal("20.00")
    changed = replace(params, price_flat=Decimal("0.75"))
    outcome, back = await write_prepaid_parameters(meter, changed)
    assert outcome is ControlOutcome.VERIFIED
    assert back is not None
    assert back.price_flat == Decimal("0.75")


async def test_top_up_exactly_once_with_purchase_count(hub_factory, clock) -> None:
    building = Building.preset("mixed", clock=clock, meter_side=True)
    await building.start()
    try:
        meter = ModbusMeter(hub_factory(building), DDSY1352, 1)
        first = await top_up(meter, Decimal("50.00"), expected_purchase_count=0)
        assert first.outcome is ControlOutcome.VERIFIED
        assert first.purchase_count_after == 1
        assert first.remaining_after == Decimal("150.00")
        # The same top-up replayed (the caller lost our reply): nothing written again.
        replay = await top_up(meter, Decimal("50.00"), expected_purchase_count=0)
        assert replay.writes == 0
        assert replay.remaining_after == Decimal("150.00")
        # The reply of the 0xAA write is lost: the purchase count read back proves it landed.
        building.device(0, 1).faults.drop_write_reply_next = 1
        lost = await top_up(meter, Decimal("10.00"), expected_purchase_count=1)
        assert lost.outcome is ControlOutcome.VERIFIED
        assert lost.purchase_count_after == 2
        reading = await meter.read()
        assert reading.purchase_count == 2
        assert reading.meter_balance == Decimal("160.00")
    finally:
        await building.stop()


async def test_meter_side_balance_deducts_alarms_and_trips(hub_factory, clock) -> None:
    building = Building.preset("mixed", clock=clock, meter_side=True)
    await building.start()
    try:
        meter = ModbusMeter(hub_factory(building), DDSY1352, 1)
        start = await meter.read()
        assert start.meter_balance == Decimal("100.00")
        clock.advance(24 * 3600)
        day = await meter.read()
        assert day.meter_balance is not None
        assert day.meter_balance < start.meter_balance
        clock.advance(60 * 24 * 3600)  # long enough to run dry
        dry = await meter.read()
        assert dry.meter_balance == 0
        assert {MeterFlag.ALARM_1, MeterFlag.ALARM_2, MeterFlag.ARREARS} <= dry.flags
        assert dry.supply is SupplyState.OFF
        # The platform forces it on (supply bypass), then hands control back to the meter.
        assert (await meter.set_supply(True)).outcome is ControlOutcome.VERIFIED
        await release_relay(meter)
        assert (await meter.read()).supply is SupplyState.OFF
        result = await top_up(meter, Decimal("30.00"))
        assert result.outcome is ControlOutcome.VERIFIED
        restored = await meter.read()
        assert restored.supply is SupplyState.ON
        assert MeterFlag.ARREARS not in restored.flags
    finally:
        await building.stop()


@pytest.mark.parametrize(("unit", "profile"), [(1, DDSY1352), (2, DTSY1352)])
async def test_tou_day_table_write_and_read_back(mixed, hub_factory, unit, profile) -> None:
    meter = ModbusMeter(hub_factory(mixed), profile, unit)
    slots = [TouSlot(4, 0, 0), TouSlot(3, 7, 0), TouSlot(2, 8, 30), TouSlot(1, 19, 0)]
    outcome, back = await write_tou_day_table(meter, 1, slots)
    assert outcome is ControlOutcome.VERIFIED
    assert back is not None
    assert back[:4] == slots
    assert back[4:] == [slots[-1]] * 10
    assert (await read_tou_day_table(meter, 1))[:4] == slots


async def test_a_write_pauses_polls_of_that_meter_until_read_back(mixed, hub_factory) -> None:
    import asyncio  # noqa: PLC0415

    hub = hub_factory(mixed, timeout=0.5)
    meter = ModbusMeter(hub, DDS238, 5)
    mixed.device(0, 5).faults.slow_s = 0.05  # every exchange takes a while
    command = asyncio.create_task(meter.set_supply(False))
    await asyncio.sleep(0.01)  # the command holds the meter now
    reading = await meter.read()
    result = await command
    assert result.outcome is ControlOutcome.VERIFIED
    assert reading.supply is SupplyState.OFF  # the poll waited for the read-back


async def test_bypass_consumes_while_the_relay_reads_off(mixed, hub_factory, clock) -> None:
    """C5 at the device level: the counter moves although the relay reports off."""
    meter = ModbusMeter(hub_factory(mixed), DDSY1352, 1)
    assert (await meter.set_supply(False)).outcome is ControlOutcome.VERIFIED
    mixed.device(0, 1).faults.bypass = True
    cut = await meter.read()
    clock.advance(4 * 3600)
    later = await meter.read()
    assert later.supply is SupplyState.OFF
    assert later.total > cut.total


async def test_relay_that_shows_its_state_late_is_written_once(mixed, hub_factory) -> None:
    """A relay's status word follows the write some 100 ms later: one write, not two."""
    hub = hub_factory(mixed)
    meter = ModbusMeter(hub, DDSY1352, 1)
    device = mixed.device(0, 1)
    device.faults.supply_lag_s = 0.15
    writes = []
    for on in (False, True, False, True):
        result = await meter.set_supply(on)
        assert result.outcome is ControlOutcome.VERIFIED, result
        writes.append(result.writes)
    report(commands=len(writes), writes=sum(writes), lag_ms=150)
    assert writes == [1, 1, 1, 1]
