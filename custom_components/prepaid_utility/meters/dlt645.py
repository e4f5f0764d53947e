"""DL/T 645-2007 frames: the Chinese national electricity-meter protocol on RS485.

A frame is ``68 A0..A5 68 C L DATA CS 16``: the address is 12 BCD digits sent low byte first,
every DATA byte travels +0x33, CS is the byte sum mod 256 from the first 68 to the last data
byte. Meters expect (and often send) a few ``FE`` wake-up bytes before a frame.

Only what this integration uses is here: read data (C 0x11, reply 0x91/0xB1, error 0xD1),
read the address of the one meter on a line (broadcast ``AA``..``AA``, C 0x13, reply 0x93),
and relay control (C 0x1C, reply 0x9C, error 0xDC) with the password and operator code in
plain form. Operations that need the meter's security module (ESAM: encrypted relay control
on "smart" meters, remote top-up, key updates) are out of scope.

Nothing here raises on bad input from the wire: ``FrameReader`` counts what it drops, and a
frame is only ever used after its start bytes, length, checksum, end byte, address and control
code all check out. Values are BCD; a non-BCD nibble is a corrupt frame, never a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

START = 0x68
END = 0x16
WAKE = b"\xfe\xfe\xfe\xfe"
OFFSET = 0x33
BROADCAST = bytes([0xAA] * 6)
MAX_DATA = 200

READ = 0x11
READ_ADDRESS = 0x13
RELAY = 0x1C
REPLY = 0x80  # direction bit: slave to master
ERROR = 0x40  # abnormal reply
FOLLOWS = 0x20  # more data follows (0xB1)

# Data identifiers (DI3 DI2 DI1 DI0 as printed in the standard; sent DI0 first).
DI_ENERGY_BLOCK = 0x0000FF00  # combined active energy: total, tariff 1..4
DI_ENERGY_TOTAL = 0x00000000
DI_ENERGY_TARIFF = (0x00000100, 0x00000200, 0x00000300, 0x00000400)  # sharp peak flat valley
DI_VOLTAGE_A = 0x02010100  # XXX.X V
DI_CURRENT_A = 0x02020100  # XXX.XXX A, sign bit
DI_POWER_TOTAL = 0x02030000  # XX.XXXX kW, sign bit
DI_POWER_FACTOR = 0x02060000  # X.XXX, sign bit
DI_STATUS_3 = 0x04000503  # meter run status word 3 (operation)

STATUS3_RELAY_OFF = 0x0010  # bit 4: relay state, 0 closed (supply on), 1 open
STATUS3_RELAY_COMMAND_OFF = 0x0040  # bit 6: relay command state
STATUS3_PRE_TRIP = 0x0080  # bit 7: pre-trip alarm

RELAY_CUT = 0x1A  # trip
RELAY_RESTORE = 0x1C  # close directly (0x1B only allows the tenant to close it by hand)
RELAY_ALLOW_CLOSE = 0x1B

# Error byte of a 0xD1/0xDC reply.
ERR_OTHER = 0x01
ERR_NO_DATA = 0x02
ERR_PASSWORD = 0x04


class FrameError(ValueError):
    """A frame or a value in it is malformed; nothing from it may be used."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One checked frame; ``data`` has the 0x33 offset removed."""

    address: bytes
    control: int
    data: bytes

    @property
    def is_reply(self) -> bool:
        """Return True for a slave-to-master frame."""
        return bool(self.control & REPLY)

    @property
    def is_error(self) -> bool:
        """Return True for an abnormal reply (error byte in ``data[0]``)."""
        return self.is_reply and bool(self.control & ERROR)

    @property
    def function(self) -> int:
        """Return the function bits of the control code (0x11 for a 0x91 reply)."""
        return self.control & 0x1F


def address_bytes(address: str | int) -> bytes:
    """Return the 6 wire bytes of a 12-digit meter address (``"000000000001"`` or 1)."""
    # Leading zeros may be left out ("1" is 00..01), as meters print them in full.
    digits = f"{address:012d}" if isinstance(address, int) else address.strip().zfill(12)
    if len(digits) != 12 or not digits.isdigit():
        raise FrameError(f"a DL/T 645 address has 12 digits, not {digits!r}")
    return bytes.fromhex(digits)[::-1]


def address_text(raw: bytes) -> str:
    """Return the 12-digit form of 6 wire address bytes."""
    return raw[::-1].hex()


def checksum(data: bytes) -> int:
    """Return the byte sum mod 256."""
    return sum(data) & 0xFF


def encode(address: bytes, control: int, data: bytes = b"", *, wake: bytes = WAKE) -> bytes:
    """Return a complete frame (wake-up bytes first) for ``data`` given without the offset."""
    if len(address) != 6 or len(data) > MAX_DATA:
        raise FrameError("bad address or data length")
    body = (
        bytes([START])
        + address
        + bytes([START, control, len(data)])
        + bytes((b + OFFSET) & 0xFF for b in data)
    )
    return wake + body + bytes([checksum(body), END])


def di_bytes(di: int) -> bytes:
    """Return a data identifier as sent (DI0 first)."""
    return di.to_bytes(4, "little")


def read_request(address: bytes, di: int) -> bytes:
    """Return a read-data request for ``di``."""
    return encode(address, READ, di_bytes(di))


def read_address_request() -> bytes:
    """Return the broadcast read-address request (only one meter may be on the line)."""
    return encode(BROADCAST, READ_ADDRESS)


def bcd(digits: str) -> bytes:
    """Return BCD bytes, low byte first, for an even string of decimal digits."""
    if len(digits) % 2 or not digits.isdigit():
        raise FrameError(f"not BCD digits: {digits!r}")
    return bytes.fromhex(digits)[::-1]


def relay_request(
    address: bytes,
    command: int,
    *,
    password: str,
    operator: str,
    valid_until: datetime,
) -> bytes:
    """Return a 0x1C relay-control frame with the password and operator code in plain form.

    ``password`` is 8 hex digits, level first (``"02123456"``: level 02, password 123456);
    ``operator`` is 8 digits. ``valid_until`` is the command's deadline on the meter's clock.
    """
    try:
        level, secret = bytes.fromhex(password[:2]), bytes.fromhex(password[2:])[::-1]
        op = bytes.fromhex(operator)[::-1]
    except ValueError as err:
        raise FrameError("password and operator code are hex digits") from err
    if len(level) != 1 or len(secret) != 3 or len(op) != 4:
        raise FrameError("password and operator code have 8 digits each")
    stamp = bcd(valid_until.strftime("%y%m%d%H%M%S"))
    data = level + secret + op + bytes([command, 0x00]) + stamp
    return encode(address, RELAY, data)


class FrameReader:
    """Cut a byte stream into checked frames, dropping (and counting) everything else.

    ``bad`` counts frames that started but failed a check (checksum, end byte, length); wake-up
    bytes and line noise before a frame are skipped without counting.
    """

    def __init__(self) -> None:
        """Start with an empty buffer."""
        self.buffer = b""
        self.bad = 0

    def feed(self, data: bytes) -> list[Frame]:
        """Return every complete, checked frame in the buffer so far."""
        self.buffer += data
        frames: list[Frame] = []
        while True:
            start = self.buffer.find(bytes([START]))
            if start < 0:
                self.buffer = b""
                return frames
            buf = self.buffer = self.buffer[start:]
            if len(buf) < 10:
                return frames
            if buf[7] != START:  # a stray 0x68, not the head of a frame
                self.buffer = buf[1:]
                continue
            size = 12 + buf[9]
            if len(buf) < size:
                return frames
            frame = buf[:size]
            if frame[-1] != END or frame[-2] != checksum(frame[:-2]):
                self.bad += 1
                self.buffer = buf[1:]
                continue
            self.buffer = buf[size:]
            data = bytes((b - OFFSET) & 0xFF for b in frame[10:-2])
            frames.append(Frame(frame[1:7], frame[8], data))

    @property
    def pending(self) -> bool:
        """Return True when part of a frame is waiting for more bytes."""
        return START in self.buffer


def bcd_value(raw: bytes, decimals: int, *, signed: bool = False) -> Decimal:
    """Decode little-endian BCD with ``decimals`` decimal places; the top bit is the sign."""
    if not raw:
        raise FrameError("empty value")
    data = bytearray(raw)
    negative = False
    if signed and data[-1] & 0x80:
        negative = True
        data[-1] &= 0x7F
    digits = bytes(data[::-1]).hex()
    if not digits.isdigit():
        raise FrameError(f"not BCD: {raw.hex()}")
    value = Decimal(int(digits)).scaleb(-decimals)
    return -value if negative else value


def encode_bcd_value(value: Decimal, size: int, decimals: int, *, signed: bool = False) -> bytes:
    """Return the BCD bytes of ``value`` (the simulator's side of ``bcd_value``)."""
    units = int(abs(value).scaleb(decimals).to_integral_value())
    limit = 10 ** (2 * size - (1 if signed else 0))
    units %= limit
    raw = bytearray(bcd(f"{units:0{2 * size}d}"))
    if signed and value < 0:
        raw[-1] |= 0x80
    return bytes(raw)


@dataclass(frozen=True, slots=True)
class Reply:
    """A checked reply to one request: its data after the DI, or an error byte."""

    frame: Frame
    payload: bytes
    error: int | None = None


def match_reply(frame: Frame, address: bytes, function: int, di: int | None) -> Reply | None:
    """Return the reply ``frame`` gives to our request, or None when it is not that reply.

    A frame from another address, with another function, or echoing another DI is someone
    else's answer (a late reply, a second meter on a broadcast) and is never used.
    """
    if not frame.is_reply or frame.function != function:
        return None
    if address not in (BROADCAST, frame.address):
        return None
    if frame.is_error:
        return Reply(frame, b"", frame.data[0] if frame.data else ERR_OTHER)
    if di is None:
        return Reply(frame, frame.data)
    if len(frame.data) < 4 or frame.data[:4] != di_bytes(di):
        return None
    return Reply(frame, frame.data[4:])


@dataclass(frozen=True, slots=True)
class EnergyBlock:
    """Combined active energy (kWh at 0.01): total and tariffs 1..4 (sharp..valley)."""

    total: Decimal
    tariffs: tuple[Decimal, Decimal, Decimal, Decimal] | None


def decode_energy(payload: bytes, *, block: bool) -> EnergyBlock:
    """Decode ``XXXXXX.XX`` energy values (4 bytes each) of one total or the 0000FF00 block."""
    count = 5 if block else 1
    if len(payload) < 4 * count or (not block and len(payload) != 4):
        raise FrameError(f"energy data has {len(payload)} bytes")
    values = [bcd_value(payload[i * 4 : i * 4 + 4], 2, signed=True) for i in range(count)]
    if any(v < 0 for v in values):
        raise FrameError("negative combined energy")
    if not block:
        return EnergyBlock(values[0], None)
    return EnergyBlock(values[0], (values[1], values[2], values[3], values[4]))


def decode_status(payload: bytes) -> int:
    """Return a 2-byte status word (a bit string, not BCD)."""
    if len(payload) != 2:
        raise FrameError(f"status word has {len(payload)} bytes")
    return int.from_bytes(payload, "little")


#: How each instantaneous value is stored: (bytes, decimals, signed).
INSTANT_FORMAT: dict[int, tuple[int, int, bool]] = {
    DI_VOLTAGE_A: (2, 1, False),
    DI_CURRENT_A: (3, 3, True),
    DI_POWER_TOTAL: (3, 4, True),
    DI_POWER_FACTOR: (2, 3, True),
}


def decode_instant(di: int, payload: bytes) -> Decimal:
    """Decode voltage, current, power or power factor."""
    size, decimals, signed = INSTANT_FORMAT[di]
    if len(payload) != size:
        raise FrameError(f"{di:08x} has {len(payload)} bytes, not {size}")
    return bcd_value(payload, decimals, signed=signed)
