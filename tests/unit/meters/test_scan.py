"""Bus scan over a simulated bus with one meter of every kind plus empty addresses."""

from __future__ import annotations

import pytest

from custom_components.prepaid_utility.meters.profiles.eastron import SERIAL_ADDRESS
from custom_components.prepaid_utility.meters.reading import MeterMisconfigured
from custom_components.prepaid_utility.meters.scan import scan_bus
from custom_components.prepaid_utility.meters.simulator.building import Building
from custom_components.prepaid_utility.meters.simulator.devices import (
    EASTRON_SERIAL_BASE,
    EastronSim,
)

from .conftest import report


async def test_scan_finds_addresses_and_profiles(mixed, hub_factory) -> None:
    hub = hub_factory(mixed, timeout=0.05, breaker_threshold=0)
    hits = await scan_bus(hub, range(1, 11))
    found = {hit.device_id: hit.profile_key for hit in hits}
    report(addresses=10, answered=len(hits), identified=sum(v is not None for v in found.values()))
    assert found == {
        1: "acrel_ddsy1352",
        2: "acrel_dtsy1352",
        3: "eastron_sdm120",
        4: "eastron_sdm630",
        5: "hiking_dds238",
        6: "xintai_water",
        7: "acrel_legacy",
    }


@pytest.mark.parametrize("kind", ["tcp", "serial"])
async def test_scan_tells_the_eastron_models_apart_on_a_mixed_bus(hub_factory, clock, kind) -> None:
    """SDM120/SDM230 and SDM630/SDM72 V2 read alike; the meter code at 0xFC02 decides.

    Unit 7 is an SDM120 whose firmware has no identity registers: it answers the read with an
    illegal-address exception, and the scan offers both single-phase models.
    """
    layout = [
        ("eastron_sdm120", 1, 1),
        ("eastron_sdm230", 2, 2),
        ("eastron_sdm630", 3, 3),
        ("eastron_sdm72v2", 4, 4),
        ("acrel_ddsy1352", 5, 5),
        ("chint_dtsu666", 6, 6),
        ("eastron_sdm120", 7, 7),
    ]
    building = Building.from_layouts([layout], clock=clock)
    await building.start(kind=kind)
    try:
        old_firmware = building.device(0, 7)
        assert isinstance(old_firmware, EastronSim)
        old_firmware.meter_code = None
        hub = hub_factory(building, timeout=0.05 if kind == "tcp" else 0.15, breaker_threshold=0)
        # The illegal-address answer is what a real meter sends, not a timeout.
        with pytest.raises(MeterMisconfigured):
            await hub.read_registers(7, 3, SERIAL_ADDRESS, 3)
        hits = {hit.device_id: hit for hit in await scan_bus(hub, range(1, 9))}
        report(
            transport=kind,
            addresses=8,
            answered=len(hits),
            decided=sum(not hit.candidates for hit in hits.values()),
            offered_a_choice=sum(bool(hit.candidates) for hit in hits.values()),
        )
        assert {u: h.profile_key for u, h in hits.items()} == {unit: key for key, unit, _ in layout}
        assert hits[1].candidates == ()  # 0x0020: confirmed by two sources
        assert hits[4].candidates == ()  # 0x0089: confirmed by two sources
        assert hits[2].candidates == ("eastron_sdm230", "eastron_sdm120")
        assert hits[3].candidates == ("eastron_sdm630", "eastron_sdm72v2")
        assert hits[7].candidates == ("eastron_sdm120", "eastron_sdm230")
        assert hits[7].serial == ""
        assert hits[1].serial == str(EASTRON_SERIAL_BASE + 1)
    finally:
        await building.stop()
