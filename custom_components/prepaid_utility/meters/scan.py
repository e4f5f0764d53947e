"""Bus scan: which slave addresses answer, and which profile fits each, for the config flow.

Cheap first: one register per address (the Acrel meter-type register at 0x0200). Whatever
answers at all is then tried against the other profiles' read blocks and judged by plausible
values (mains voltage, a relay register holding 0/1, a valve state with one of open/closed).
The result is a suggestion; the user confirms it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from .decode import DataType, WordOrder, raw_value
from .hub import ModbusHub
from .profiles import DDS238, LEGACY, SDM120, SDM630, WATER_VALVE
from .profiles.acrel import (
    METER_TYPE_ADDRESS,
    METER_TYPE_DDSY1352,
    METER_TYPE_DTSY1352,
)
from .reading import (
    BusUnavailable,
    GatewayTargetUnavailable,
    MeterError,
    MeterMisconfigured,
    MeterTimeout,
)

MAINS_DECIVOLTS = range(800, 3000)  # 80..300 V at 0.1 V


@dataclass(frozen=True, slots=True)
class ScanHit:
    """An address that answered, and the profile that fits (None: unknown meter)."""

    device_id: int
    profile_key: str | None
    detail: str = ""


def _volts_f32(words: list[int]) -> float:
    value = raw_value(words, DataType.F32)
    return float(value) if math.isfinite(value) else -1.0


async def _try(
    hub: ModbusHub, device_id: int, function: int, address: int, count: int
) -> list[int] | None:
    try:
        return await hub.read_registers(device_id, function, address, count)
    except MeterMisconfigured:
        return None


async def identify(hub: ModbusHub, device_id: int) -> ScanHit | None:
    """Return what answers at ``device_id`` (None when nothing does)."""
    try:
        words = await hub.read_registers(device_id, 3, METER_TYPE_ADDRESS, 1)
    except MeterTimeout, GatewayTargetUnavailable:
        return None
    except MeterMisconfigured:
        words = None  # something answered, but not an Acrel with the 0x0200 block
    if words is not None and words[0] == METER_TYPE_DDSY1352:
        return ScanHit(device_id, "acrel_ddsy1352", "meter type 7")
    if words is not None and words[0] == METER_TYPE_DTSY1352:
        return ScanHit(device_id, "acrel_dtsy1352", "meter type 5")
    eastron = await _try(hub, device_id, 4, 0x0000, 4)
    if eastron is not None and 80 <= _volts_f32(eastron[0:2]) <= 300:
        three_phase = 80 <= _volts_f32(eastron[2:4]) <= 300
        return ScanHit(device_id, (SDM630 if three_phase else SDM120).key, "float32 voltage")
    hiking = await _try(hub, device_id, 3, 0x0000, 0x1B)
    if hiking is not None and hiking[0x0C] in MAINS_DECIVOLTS and hiking[0x1A] in (0, 1):
        return ScanHit(device_id, DDS238.key, "voltage at 0x000C, relay at 0x001A")
    legacy = await _try(hub, device_id, 3, 0x0000, LEGACY.blocks[0].count)
    if legacy is not None and legacy[0x0B] in MAINS_DECIVOLTS:
        return ScanHit(device_id, LEGACY.key, "voltage at 0x000B (Acrel 0x0000 map)")
    water = await _try(hub, device_id, 3, 0x0001, 0x1C)
    if water is not None and water[0x1B] & 0x3 in (1, 2):
        total = raw_value(water[0:2], DataType.F32, WordOrder.LITTLE)
        if math.isfinite(total) and total >= 0:
            return ScanHit(device_id, WATER_VALVE.key, "valve state at 0x001C")
    return ScanHit(device_id, None, "answers, no profile fits")


async def scan_bus(hub: ModbusHub, addresses: Iterable[int] = range(1, 248)) -> list[ScanHit]:
    """Probe ``addresses`` one by one (the bus is shared: no parallel probes)."""
    hits: list[ScanHit] = []
    for device_id in addresses:
        try:
            hit = await identify(hub, device_id)
        except BusUnavailable:
            raise
        except MeterError:
            continue
        if hit is not None:
            hits.append(hit)
    return hits
