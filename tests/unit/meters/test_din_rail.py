"""CHINT, Eastron SDM72/SDM230, Carlo Gavazzi and ABB profiles against the simulator.

The simulated images are laid out by the profiles themselves, so these tests prove the
transport, the decoding (u64, low-word-first int32, scaled floats) and the scan, not the
vendors' maps: those are cross-checked against public sources in each profile's docstring.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from custom_components.prepaid_utility.meters.decode import DataType, WordOrder, to_decimal
from custom_components.prepaid_utility.meters.modbus_meter import ModbusMeter
from custom_components.prepaid_utility.meters.profiles import PROFILES
from custom_components.prepaid_utility.meters.scan import scan_bus
from custom_components.prepaid_utility.meters.simulator.building import PRESETS, Building
from custom_components.prepaid_utility.meters.simulator.devices import EASTRON_SERIAL_BASE

from .conftest import report

KINDS = {unit: kind for kind, unit, _ in PRESETS["dinrail"][0]}


def test_u64_and_low_word_first_decoding() -> None:
    # ABB import 0x5000: 4 words, high first; 123456789.01 kWh at 0.01.
    words = [0x0000, 0x0000, 0x02DF, 0xDC1C + 1]
    value = to_decimal(words, DataType.U64, Decimal("0.01"))
    assert value == Decimal(0x02DF << 16 | 0xDC1D) / 100
    # Carlo Gavazzi: low word first; -1.5 W at 0.1 W is -15.
    assert to_decimal([0xFFF1, 0xFFFF], DataType.S32, Decimal("0.1"), WordOrder.LITTLE) == Decimal(
        "-1.5"
    )


@pytest.mark.parametrize("kind", ["tcp", "rtu_over_tcp", "serial"])
async def test_every_din_rail_profile_reads_over_every_transport(hub_factory, clock, kind) -> None:
    building = Building.preset("dinrail", clock=clock)
    await building.start(kind=kind)
    try:
        hub = hub_factory(building, timeout=0.3)
        clock.advance(7 * 3600)
        for unit, key in KINDS.items():
            meter = ModbusMeter(hub, PROFILES[key], unit)
            reading = await meter.read()
            device = building.device(0, unit)
            assert reading.total == device.total, key
            assert reading.power_kw is not None, key
            assert abs(reading.power_kw - Decimal(device.power_w) / 1000) < Decimal("0.001"), key
            if key != "eastron_sdm72":  # v1 has no voltage register
                assert reading.voltage_v == Decimal("230.0"), key
            assert not meter.capabilities.has_supply_control
        report(transport=kind, profiles=len(KINDS), transactions=hub.stats.transactions)
        assert hub.stats.timeouts == 0
    finally:
        await building.stop()


@pytest.mark.parametrize("kind", ["tcp", "serial"])
async def test_scan_finds_the_din_rail_meters(hub_factory, clock, kind) -> None:
    """Every DIN-rail model by itself, over a loopback socket and over a serial pty."""
    building = Building.preset("dinrail", clock=clock)
    await building.start(kind=kind)
    try:
        hub = hub_factory(building, timeout=0.05 if kind == "tcp" else 0.15, breaker_threshold=0)
        hits = {hit.device_id: hit for hit in await scan_bus(hub, range(1, 12))}
        found = {unit: hit.profile_key for unit, hit in hits.items()}
        report(
            transport=kind,
            addresses=11,
            identified=sum(v is not None for v in found.values()),
            exact=sum(found.get(u) == k for u, k in KINDS.items()),
            offered_a_choice=sum(bool(hit.candidates) for hit in hits.values()),
        )
        assert found == KINDS
        # The SDM72 V2's meter code is confirmed by two sources: no choice to make.
        assert hits[5].candidates == ()
        assert hits[5].serial == str(EASTRON_SERIAL_BASE + 5)
        # The SDM230's code has one source only: a hint that orders the choice.
        assert hits[6].candidates == ("eastron_sdm230", "eastron_sdm120")
        assert hits[6].serial == str(EASTRON_SERIAL_BASE + 6)
    finally:
        await building.stop()
