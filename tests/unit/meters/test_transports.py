"""The same meters over RTU-over-TCP and a serial pty (RTU framing with CRC, 9600 8N1)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from custom_components.prepaid_utility.meters.commands import top_up
from custom_components.prepaid_utility.meters.hub import BusConfig, BusKind, ModbusHub
from custom_components.prepaid_utility.meters.modbus_meter import ModbusMeter
from custom_components.prepaid_utility.meters.profiles import PROFILES
from custom_components.prepaid_utility.meters.reading import (
    BusUnavailable,
    ControlOutcome,
    SupplyState,
)
from custom_components.prepaid_utility.meters.simulator.building import Building

from .conftest import report

UNITS = {
    1: "acrel_ddsy1352",
    2: "acrel_dtsy1352",
    3: "eastron_sdm120",
    4: "eastron_sdm630",
    5: "hiking_dds238",
    6: "xintai_water",
}


@pytest.mark.parametrize("kind", ["rtu_over_tcp", "serial"])
async def test_every_profile_and_write_over_rtu(hub_factory, clock, kind) -> None:
    building = Building.preset("mixed", clock=clock)
    await building.start(kind=kind)
    try:
        hub = hub_factory(building, timeout=0.3)
        clock.advance(5 * 3600)
        for unit, key in UNITS.items():
            meter = ModbusMeter(hub, PROFILES[key], unit)
            reading = await meter.read()
            assert reading.total == building.device(0, unit).total, key
            if meter.capabilities.has_supply_control:
                result = await meter.set_supply(False)
                assert result.outcome is ControlOutcome.VERIFIED, key
                assert (await meter.read()).supply is SupplyState.OFF
        acrel = ModbusMeter(hub, PROFILES["acrel_ddsy1352"], 1)
        result = await top_up(acrel, Decimal("5.00"))
        assert result.outcome is ControlOutcome.VERIFIED  # the 0xAA frame with its CRC
        report(framing=kind, transactions=hub.stats.transactions, errors=hub.stats.timeouts)
        assert hub.stats.timeouts == 0
    finally:
        await building.stop()


async def test_missing_serial_port_is_bus_unavailable_not_a_crash() -> None:
    """M9: the port is gone (renumbered): BusUnavailable, backoff, no exception leaks."""
    hub = ModbusHub(
        BusConfig(BusKind.SERIAL, serial_port="/dev/ttyUSB-gone", timeout=0.1, reconnect_min=0.01)
    )
    meter = ModbusMeter(hub, PROFILES["acrel_ddsy1352"], 1)
    failures = 0
    for _ in range(5):
        with pytest.raises(BusUnavailable):
            await meter.read()
        failures += 1
    assert not await hub.connect()
    report(setup_retries=failures, crash=0)
    await hub.close()
