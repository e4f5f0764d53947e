"""Bus scan over a simulated bus with one meter of every kind plus empty addresses."""

from __future__ import annotations

from custom_components.prepaid_utility.meters.scan import scan_bus

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
