"""CJ/T 188-2004 frames: Chinese water (and heat/gas) meters on RS485 or wired M-Bus.

A frame is ``68 T A0..A6 C L DI0 DI1 SER DATA CS 16``: T is the meter type (0x10 cold
water), the address is 14 BCD digits low byte first, there is no +0x33 offset, CS is the byte
sum mod 256 from 68 to the last data byte; ``FE`` wake-up bytes usually come first. On M-Bus
the same bytes go through a transparent level converter, so the codec is the same.

Used here: read the metering data (C 0x01, DI 90 1F; reply 0x81 with the current cumulative
flow, the settlement-day flow, the meter's time and the status word ST), and the valve
(C 0x04, DI A0 17, 0x55 open / 0x99 close; reply 0x84). ST bits 0-1 are the valve (00 open,
01 closed, 11 fault), bit 2 low battery. A reply with bit 6 of C set is an error reply.

The DI byte order is printed as ``90 1F`` in the standard, and some meters in the field
expect ``1F 90`` (both appear in public tools); replies are accepted in either order and a
meter's request order is a setting (``di_swapped``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .dlt645 import FrameError, bcd, bcd_value, checksum

START = 0x68
END = 0x16
WAKE = b"\xfe\xfe\xfe"
BROADCAST = bytes([0xAA] * 7)
COLD_WATER = 0x10
ANY_TYPE = 0xAA

READ = 0x01
WRITE = 0x04
READ_ADDRESS = 0x03
REPLY = 0x80
ERROR = 0x40

DI_METERING = (0x90, 0x1F)
DI_VALVE = (0xA0, 0x17)
DI_ADDRESS = (0x81, 0x0A)
VALVE_OPEN = 0x55
VALVE_CLOSE = 0x99

ST_VALVE_MASK = 0x03
ST_VALVE_OPEN = 0x00
ST_VALVE_CLOSED = 0x01
ST_VALVE_FAULT = 0x03
ST_LOW_BATTERY = 0x04

#: Unit codes of a flow value; the counter is carried in m³.
UNIT_SCALE = {0x2C: Decimal(1), 0x29: Decimal("0.001")}  # m³, litre


@dataclass(frozen=True, slots=True)
class Frame:
    """One checked frame."""

    meter_type: int
    address: bytes
    control: int
    data: bytes

    @property
    def is_reply(self) -> bool:
        """Return True for a slave-to-master frame."""
        return bool(self.control & REPLY)

    @property
    def is_error(self) -> bool:
        """Return True for an abnormal reply."""
        return self.is_reply and bool(self.control & ERROR)

    @property
    def function(self) -> int:
        """Return the function bits (0x01 for a 0x81 reply)."""
        return self.control & 0x3F


def address_bytes(address: str | int) -> bytes:
    """Return the 7 wire bytes of a 14-digit address."""
    # Leading zeros may be left out ("1" is 00..01), as meters print them in full.
    digits = f"{address:014d}" if isinstance(address, int) else address.strip().zfill(14)
    if len(digits) != 14 or not digits.isdigit():
        raise FrameError(f"a CJ/T 188 address has 14 digits, not {digits!r}")
    return bcd(digits)


def address_text(raw: bytes) -> str:
    """Return the 14-digit form of 7 wire address bytes."""
    return raw[::-1].hex()


def encode(
    meter_type: int, address: bytes, control: int, data: bytes, *, wake: bytes = WAKE
) -> bytes:
    """Return a complete frame, wake-up bytes first."""
    if len(address) != 7 or len(data) > 200:
        raise FrameError("bad address or data length")
    body = bytes([START, meter_type]) + address + bytes([control, len(data)]) + data
    return wake + body + bytes([checksum(body), END])


def di(pair: tuple[int, int], swapped: bool = False) -> bytes:
    """Return a DI as sent."""
    return bytes(pair[::-1] if swapped else pair)


def read_request(meter_type: int, address: bytes, serial: int, *, swapped: bool = False) -> bytes:
    """Return a read of the metering data."""
    return encode(meter_type, address, READ, di(DI_METERING, swapped) + bytes([serial & 0xFF]))


def valve_request(
    meter_type: int, address: bytes, serial: int, open_valve: bool, *, swapped: bool = False
) -> bytes:
    """Return a valve open/close write."""
    data = di(DI_VALVE, swapped) + bytes([serial & 0xFF, VALVE_OPEN if open_valve else VALVE_CLOSE])
    return encode(meter_type, address, WRITE, data)


def read_address_request() -> bytes:
    """Return the broadcast read-address request (one meter on the line)."""
    return encode(ANY_TYPE, BROADCAST, READ_ADDRESS, di(DI_ADDRESS) + b"\x00")


class FrameReader:
    """Cut a byte stream into checked frames; ``bad`` counts frames that failed a check."""

    def __init__(self) -> None:
        """Start with an empty buffer."""
        self.buffer = b""
        self.bad = 0

    def feed(self, data: bytes) -> list[Frame]:
        """Return every complete, checked frame so far."""
        self.buffer += data
        frames: list[Frame] = []
        while True:
            start = self.buffer.find(bytes([START]))
            if start < 0:
                self.buffer = b""
                return frames
            buf = self.buffer = self.buffer[start:]
            if len(buf) < 11:
                return frames
            size = 13 + buf[10]
            if len(buf) < size:
                return frames
            frame = buf[:size]
            if frame[-1] != END or frame[-2] != checksum(frame[:-2]):
                self.bad += 1
                self.buffer = buf[1:]
                continue
            self.buffer = buf[size:]
            frames.append(Frame(frame[1], frame[2:9], frame[9], frame[11:-2]))


@dataclass(frozen=True, slots=True)
class Metering:
    """The decoded metering data of one water meter."""

    total_m3: Decimal
    status: int

    @property
    def valve_open(self) -> bool | None:
        """Return the valve state (None: fault or not reported)."""
        bits = self.status & ST_VALVE_MASK
        if bits == ST_VALVE_OPEN:
            return True
        if bits == ST_VALVE_CLOSED:
            return False
        return None

    @property
    def valve_fault(self) -> bool:
        """Return True when the valve reports a fault."""
        return self.status & ST_VALVE_MASK == ST_VALVE_FAULT

    @property
    def low_battery(self) -> bool:
        """Return True when the meter reports a low battery."""
        return bool(self.status & ST_LOW_BATTERY)


def di_matches(data: bytes, pair: tuple[int, int]) -> bool:
    """Return True when ``data`` starts with the DI in either byte order."""
    return len(data) >= 2 and data[:2] in (bytes(pair), bytes(pair[::-1]))


def flow_value(raw: bytes) -> Decimal:
    """Decode a flow of 4 BCD bytes (XXXXXX.XX) and its unit byte into m³."""
    if len(raw) != 5:
        raise FrameError("a flow value has 5 bytes")
    scale = UNIT_SCALE.get(raw[4])
    if scale is None:
        raise FrameError(f"unknown flow unit {raw[4]:#04x}")
    return bcd_value(raw[:4], 2) * scale


def decode_metering(frame: Frame) -> Metering:
    """Decode a 0x81 reply to 90 1F: DI(2) SER(1) flow(5) day flow(5) time(7) ST(2)."""
    data = frame.data
    if len(data) != 22 or not di_matches(data, DI_METERING):
        raise FrameError(f"metering data has {len(data)} bytes")
    total = flow_value(data[3:8])
    flow_value(data[8:13])  # checked so a half-garbled frame is not half-used
    time_digits = data[13:20][::-1].hex()
    if not time_digits.isdigit():
        raise FrameError("meter time is not BCD")
    return Metering(total, int.from_bytes(data[20:22], "little"))


def encode_flow(value: Decimal) -> bytes:
    """Return the 5 bytes of a flow in m³ (the simulator's side of ``flow_value``)."""
    units = int(value.scaleb(2).to_integral_value()) % 10**8
    return bcd(f"{units:08d}") + bytes([0x2C])
