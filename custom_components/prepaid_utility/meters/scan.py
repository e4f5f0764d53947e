"""Bus scan: which meters answer, and which profile fits each, for the config flow.

Modbus buses are swept by slave id; DL/T 645 and CJ/T 188 buses by broadcast and by the
addresses printed on the meters (``scan_dlt645``, ``scan_cjt188``).

Eastron's SDM230 and SDM72 V2 read the same registers as the SDM120 and SDM630 for
everything a profile uses; the meter code at holding register 0xFC02 tells them apart where
two public sources agree on the code (see ``profiles/eastron.py``). Otherwise the hit carries
both candidates, the likelier first, and the user picks.

Cheap first: one register per address (the Acrel meter-type register at 0x0200). Whatever
answers at all is then tried against the other profiles' read blocks and judged by plausible
values (mains voltage, a relay register holding 0/1, a valve state with one of open/closed).
The result is a suggestion; the user confirms it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass

from . import cjt188, dlt645
from .decode import DataType, WordOrder, raw_value
from .framebus import FrameHub
from .hub import ModbusHub
from .profiles import DDS238, LEGACY, SDM72, WATER_VALVE, abb, carlo_gavazzi, chint, eastron
from .profiles.acrel import (
    METER_TYPE_ADDRESS,
    METER_TYPE_DDSY1352,
    METER_TYPE_DTSY1352,
)
from .reading import (
    BusUnavailable,
    GatewayTargetUnavailable,
    MeterCorruptReply,
    MeterError,
    MeterMisconfigured,
    MeterSuspended,
    MeterTimeout,
)

MAINS_DECIVOLTS = range(800, 3000)  # 80..300 V at 0.1 V


@dataclass(frozen=True, slots=True)
class ScanHit:
    """An address that answered, and the profile that fits (None: unknown meter)."""

    device_id: int
    profile_key: str | None
    detail: str = ""
    serial: str = ""
    candidates: tuple[str, ...] = ()  # more than one model fits: the user picks (first: likelier)


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
    floats = await _try(hub, device_id, 4, 0x0000, 4)
    if floats is not None and 80 <= _volts_f32(floats[0:2]) <= 300:
        three_phase = 80 <= _volts_f32(floats[2:4]) <= 300
        return await _identify_eastron(hub, device_id, 3 if three_phase else 1)
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
    hit = await _identify_din_rail(hub, device_id)
    return hit or ScanHit(device_id, None, "answers, no profile fits")


async def _identify_eastron(hub: ModbusHub, device_id: int, phases: int) -> ScanHit:
    """Tell the Eastron models apart by their meter code, where the code is confirmed."""
    same = eastron.SAME_MAP[phases]
    ident = await _try(hub, device_id, 3, eastron.SERIAL_ADDRESS, 3)
    if ident is None:  # older firmware answers an illegal-address exception
        return ScanHit(device_id, same[0], "float32 voltage, no meter code", candidates=same)
    serial = str(int(raw_value(ident[0:2], DataType.U32)))
    code = ident[2]
    confirmed = eastron.CONFIRMED_CODES.get(code)
    if confirmed in same:
        return ScanHit(device_id, confirmed, f"meter code 0x{code:04X}", serial)
    hinted = eastron.HINTED_CODES.get(code)
    ordered = tuple(sorted(same, key=lambda key: key != hinted))
    detail = f"meter code 0x{code:04X} (not confirmed)"
    return ScanHit(device_id, ordered[0], detail, serial, candidates=ordered)


async def _identify_din_rail(hub: ModbusHub, device_id: int) -> ScanHit | None:
    """Recognise the ABB, Carlo Gavazzi, CHINT and Eastron SDM72 maps.

    By identity register where a source gives one (ABB's model text, the ET112's model id),
    otherwise by a plausible mains voltage in the profile's own scale, which also tells the
    DTSU666 (0.1 V units) from the DTSU666-H (volts).
    """
    model = await _try(hub, device_id, 3, abb.MODEL_ADDRESS, 2)
    if model is not None:
        text = int(raw_value(model, DataType.U32))
        if text == abb.MODEL_B21:
            return ScanHit(device_id, abb.B21.key, "model B21")
        if text in (abb.MODEL_B23, abb.MODEL_B24):
            return ScanHit(device_id, abb.B23.key, "model B23/B24")
    gavazzi = await _try(hub, device_id, 4, 0x0000, 0x12)
    if gavazzi is not None:
        volts = raw_value(gavazzi[0:2], DataType.S32, WordOrder.LITTLE)
        if gavazzi[carlo_gavazzi.MODEL_ID_ADDRESS] in carlo_gavazzi.ET112_MODEL_IDS or (
            volts in MAINS_DECIVOLTS
        ):
            return ScanHit(device_id, carlo_gavazzi.EM111.key, "int32 voltage, low word first")
    single = await _try(hub, device_id, 3, 0x2000, 2)
    if single is not None and 80 <= _volts_f32(single) <= 300:
        return ScanHit(device_id, chint.DDSU666.key, "float32 voltage at 0x2000")
    three = await _try(hub, device_id, 3, 0x2006, 2)
    if three is not None:
        volts_f = _volts_f32(three)
        if 800 <= volts_f <= 3000:
            return ScanHit(device_id, chint.DTSU666.key, "voltage in 0.1 V at 0x2006")
        if 80 <= volts_f <= 300:
            return ScanHit(device_id, chint.DTSU666H.key, "voltage in V at 0x2006")
    sdm72 = await _try(hub, device_id, 4, 0x0034, 0x16)
    if sdm72 is not None:
        total = raw_value(sdm72[0x14:0x16], DataType.F32)
        if math.isfinite(total) and total >= 0:
            return ScanHit(device_id, SDM72.key, "import at 0x0048, no voltage registers")
    return None


Progress = Callable[[float], None]
"""Told the share of the scan done (0..1) after each address: the form's progress bar."""


async def scan_bus(
    hub: ModbusHub, addresses: Collection[int] = range(1, 248), progress: Progress | None = None
) -> list[ScanHit]:
    """Probe ``addresses`` one by one (the bus is shared: no parallel probes)."""
    hits: list[ScanHit] = []
    for done, device_id in enumerate(addresses, start=1):
        try:
            hit = await identify(hub, device_id)
        except BusUnavailable:
            raise
        except MeterError:
            hit = None
        if hit is not None:
            hits.append(hit)
        if progress is not None:
            progress(done / len(addresses))
    return hits


@dataclass(frozen=True, slots=True)
class FrameScanHit:
    """A DL/T 645 or CJ/T 188 meter that answered: its address and the profile that fits."""

    address: str
    profile_key: str
    detail: str = ""


@dataclass(slots=True)
class FrameScan:
    """What a DL/T 645 / CJ/T 188 scan found, and what it refused."""

    hits: list[FrameScanHit]
    ambiguous_broadcast: bool = False  # more than one answer: wire the meters one at a time
    bad_frames: int = 0


async def _dlt645_probe(hub: FrameHub[dlt645.Frame], address: bytes) -> bool:
    def match(frame: dlt645.Frame) -> dlt645.Reply | None:
        return dlt645.match_reply(frame, address, dlt645.READ, dlt645.DI_ENERGY_TOTAL)

    text = dlt645.address_text(address)
    try:
        reply = await hub.exchange(
            text, dlt645.read_request(address, dlt645.DI_ENERGY_TOTAL), match
        )
    except MeterTimeout, MeterCorruptReply, MeterSuspended:
        return False
    return reply.error is None or not reply.error & dlt645.ERR_PASSWORD


async def scan_dlt645(
    hub: FrameHub[dlt645.Frame],
    addresses: Collection[str | int] = (),
    *,
    window: float = 0.0,
    progress: Progress | None = None,
) -> FrameScan:
    """Find DL/T 645 meters: the broadcast address read, then a read at each given address.

    Meter addresses are 12-digit serial numbers, so a bus cannot be swept like Modbus slave
    ids: the broadcast finds a meter wired alone (e.g. on the bench while it is installed),
    and the addresses printed on the meters are confirmed one by one. Two answers to the
    broadcast (two meters, or one repeating itself) are refused: neither address is trusted.
    """
    scan = FrameScan([])
    frames, bad = await hub.collect(
        dlt645.read_address_request(), window=window or hub.config.timeout
    )
    scan.bad_frames += bad
    answers = [
        f
        for f in frames
        if f.control == dlt645.READ_ADDRESS | dlt645.REPLY
        and len(f.data) == 6
        and f.data == f.address
    ]
    scan.bad_frames += len(frames) - len(answers)
    if len(answers) == 1:
        text = dlt645.address_text(answers[0].address)
        if _bcd_ok(text):
            scan.hits.append(FrameScanHit(text, "dlt645_2007", "answered the broadcast"))
    elif len(answers) > 1:
        scan.ambiguous_broadcast = True
    known = {hit.address for hit in scan.hits}
    for done, address in enumerate(addresses, start=1):
        raw = dlt645.address_bytes(address)
        text = dlt645.address_text(raw)
        if text not in known and await _dlt645_probe(hub, raw):
            scan.hits.append(FrameScanHit(text, "dlt645_2007", "answered a read at its address"))
            known.add(text)
        if progress is not None:
            progress(done / len(addresses))
    return scan


async def scan_cjt188(
    hub: FrameHub[cjt188.Frame],
    addresses: Collection[str | int] = (),
    *,
    window: float = 0.0,
    progress: Progress | None = None,
) -> FrameScan:
    """Find CJ/T 188 water meters the same way (broadcast, then the given addresses)."""
    scan = FrameScan([])
    frames, bad = await hub.collect(
        cjt188.read_address_request(), window=window or hub.config.timeout
    )
    scan.bad_frames += bad
    answers = [
        f
        for f in frames
        if f.control == cjt188.READ_ADDRESS | cjt188.REPLY
        and cjt188.di_matches(f.data, cjt188.DI_ADDRESS)
    ]
    scan.bad_frames += len(frames) - len(answers)
    if len(answers) == 1 and _bcd_ok(cjt188.address_text(answers[0].address)):
        scan.hits.append(
            FrameScanHit(cjt188.address_text(answers[0].address), "cjt188_water", "broadcast")
        )
    elif len(answers) > 1:
        scan.ambiguous_broadcast = True
    known = {hit.address for hit in scan.hits}
    for done, address in enumerate(addresses, start=1):
        if progress is not None and done > 1:
            progress((done - 1) / len(addresses))
        raw = cjt188.address_bytes(address)
        text = cjt188.address_text(raw)
        if text in known:
            continue

        def match(frame: cjt188.Frame, raw: bytes = raw) -> cjt188.Frame | None:
            ok = frame.is_reply and frame.address == raw and frame.function == cjt188.READ
            return frame if ok else None

        try:
            await hub.exchange(text, cjt188.read_request(cjt188.COLD_WATER, raw, 0), match)
        except MeterTimeout, MeterCorruptReply, MeterSuspended:
            continue
        scan.hits.append(FrameScanHit(text, "cjt188_water", "answered a read at its address"))
        known.add(text)
    if progress is not None:
        progress(1.0)
    return scan


def _bcd_ok(text: str) -> bool:
    return text.isdigit()
