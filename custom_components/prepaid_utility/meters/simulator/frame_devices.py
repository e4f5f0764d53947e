"""Simulated DL/T 645-2007 electricity meters and CJ/T 188 water meters.

They share the load model of the Modbus meters (``SimDevice``): counters move with the clock,
and a cut relay or closed valve really stops them. The unit number is the meter's address
(``000000000005`` for unit 5 on DL/T 645, 14 digits on CJ/T 188).

The replies are built from the codec's encoders; the tests that guard the codec's decoding
use frames written out by hand instead, so an encoder mistake cannot hide a decoder one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import cjt188, dlt645
from .clock import SimClock
from .devices import KWH_STEP, QUANTA, U32_RANGE, SimDevice


class FrameSimDevice(SimDevice):
    """A meter that answers protocol frames instead of Modbus registers."""

    protocol = ""

    def respond(self, frame: Any) -> bytes | None:
        """Return the reply frame (wake-up bytes included) or None when not addressed."""
        raise NotImplementedError

    def error_reply(self, frame: Any, code: int) -> bytes | None:
        """Return an error reply to ``frame`` (the fault ``exception`` on these protocols)."""
        raise NotImplementedError

    def foreign_reply(self, frame: Any) -> bytes | None:
        """Return this meter's reply as if it came from the next address (a stray frame)."""
        raise NotImplementedError


class Dlt645Sim(FrameSimDevice):
    """A DL/T 645-2007 single-phase meter with a relay, tariffs 1..4 (sharp..valley).

    ``password`` is what a 0x1C command must carry (plain form); ``esam`` makes the meter
    refuse every plain relay command, as meters that need their security module do;
    ``block_read=False`` makes it refuse the 0000FF00 block (it answers per register).
    """

    profile_key = "dlt645_2007"
    protocol = "dlt645"

    def __init__(self, unit: int, clock: SimClock, *, seed: int = 0, start: float = -1.0) -> None:
        """Create the meter at address ``unit``."""
        super().__init__(unit, clock, seed=seed, start=start)
        self.address = dlt645.address_bytes(unit)
        self.password = "02000000"  # noqa: S105  # a factory-default meter password
        self.esam = False
        self.block_read = True
        self.relay_commands = 0

    def _energy(self, index: int) -> Decimal:
        if index == 0:
            return self.total
        return Decimal(self.tou_q[index - 1] // KWH_STEP % U32_RANGE).scaleb(-2)

    def _status(self) -> int:
        return 0 if self.supply_on else dlt645.STATUS3_RELAY_OFF | dlt645.STATUS3_RELAY_COMMAND_OFF

    def _value(self, di: int) -> bytes | None:
        self.advance()
        energy = [dlt645.DI_ENERGY_TOTAL, *dlt645.DI_ENERGY_TARIFF]
        if di == dlt645.DI_ENERGY_BLOCK and self.block_read:
            return b"".join(dlt645.encode_bcd_value(self._energy(i), 4, 2) for i in range(5))
        if di in energy:
            return dlt645.encode_bcd_value(self._energy(energy.index(di)), 4, 2)
        if di == dlt645.DI_STATUS_3:
            return self._status().to_bytes(2, "little")
        instant = {
            dlt645.DI_VOLTAGE_A: Decimal("230.0"),
            dlt645.DI_CURRENT_A: Decimal(round(self.power_w / 230.0, 3)),
            dlt645.DI_POWER_TOTAL: Decimal(round(self.power_w / 1000.0, 4)),
            dlt645.DI_POWER_FACTOR: Decimal("0.980"),
        }
        if di in instant:
            size, decimals, signed = dlt645.INSTANT_FORMAT[di]
            return dlt645.encode_bcd_value(instant[di], size, decimals, signed=signed)
        return None

    def _reply(self, control: int, data: bytes, address: bytes | None = None) -> bytes:
        return dlt645.encode(address or self.address, control, data)

    def respond(self, frame: Any) -> bytes | None:
        """Answer a read, a broadcast address read, or a relay command."""
        assert isinstance(frame, dlt645.Frame)
        if frame.is_reply:
            return None
        if frame.address == dlt645.BROADCAST:
            if frame.control == dlt645.READ_ADDRESS:
                return self._reply(dlt645.READ_ADDRESS | dlt645.REPLY, self.address)
            return None
        if frame.address != self.address:
            return None
        if frame.control == dlt645.READ and len(frame.data) == 4:
            di = int.from_bytes(frame.data, "little")
            value = self._value(di)
            if value is None:
                return self.error_reply(frame, dlt645.ERR_NO_DATA)
            return self._reply(dlt645.READ | dlt645.REPLY, frame.data + value)
        if frame.control == dlt645.RELAY and len(frame.data) == 16:
            password = frame.data[0:1].hex() + frame.data[1:4][::-1].hex()
            if self.esam or password != self.password:
                return self.error_reply(frame, dlt645.ERR_PASSWORD)
            command = frame.data[8]
            if command == dlt645.RELAY_CUT:
                self.set_supply(False)
            elif command == dlt645.RELAY_RESTORE:
                self.set_supply(True)
            elif command != dlt645.RELAY_ALLOW_CLOSE:  # 1B: the tenant closes it by hand
                return self.error_reply(frame, dlt645.ERR_OTHER)
            self.relay_commands += 1
            return self._reply(dlt645.RELAY | dlt645.REPLY, b"")
        return self.error_reply(frame, dlt645.ERR_OTHER)

    def error_reply(self, frame: Any, code: int) -> bytes | None:
        """Return an abnormal reply (0xD1 / 0xDC) with error byte ``code``."""
        assert isinstance(frame, dlt645.Frame)
        if frame.address != self.address:
            return None
        return self._reply(frame.control | dlt645.REPLY | dlt645.ERROR, bytes([code & 0xFF]))

    def foreign_reply(self, frame: Any) -> bytes | None:
        """Return the reply the next meter would give (same DI, other address)."""
        assert isinstance(frame, dlt645.Frame)
        if frame.control != dlt645.READ or frame.address != self.address:
            return None
        value = self._value(int.from_bytes(frame.data, "little")) or b""
        other = dlt645.address_bytes(self.unit + 1)
        return self._reply(dlt645.READ | dlt645.REPLY, frame.data + value, other)


class Cjt188Sim(FrameSimDevice):
    """A CJ/T 188 cold-water meter with a motor valve, battery bit and valve-fault bits."""

    profile_key = "cjt188_water"
    protocol = "cjt188"
    water = True

    def __init__(self, unit: int, clock: SimClock, *, seed: int = 0, start: float = -1.0) -> None:
        """Create the meter at address ``unit``."""
        super().__init__(unit, clock, seed=seed, start=start)
        self.address = cjt188.address_bytes(unit)
        self.low_battery = False
        self.valve_fault = False

    @property
    def total(self) -> Decimal:
        """Return what the meter shows: m³ at 0.01 (CJ/T 188 resolution)."""
        self.advance()
        return Decimal(self.total_q // QUANTA // 10).scaleb(-2)

    def _status(self) -> bytes:
        bits = cjt188.ST_VALVE_OPEN if self.supply_on else cjt188.ST_VALVE_CLOSED
        if self.valve_fault:
            bits = cjt188.ST_VALVE_FAULT
        if self.low_battery:
            bits |= cjt188.ST_LOW_BATTERY
        return bytes([bits, 0])

    def _reply(self, control: int, data: bytes, address: bytes | None = None) -> bytes:
        return cjt188.encode(cjt188.COLD_WATER, address or self.address, control, data)

    def _metering(self, head: bytes) -> bytes:
        flow = cjt188.encode_flow(self.total)
        stamp = dlt645.bcd(self.clock.now().strftime("%Y%m%d%H%M%S"))
        return head + flow + flow + stamp + self._status()

    def respond(self, frame: Any) -> bytes | None:
        """Answer a metering read, a valve write, or a broadcast address read."""
        assert isinstance(frame, cjt188.Frame)
        if frame.is_reply or len(frame.data) < 3:
            return None
        if frame.address == cjt188.BROADCAST:
            if frame.control == cjt188.READ_ADDRESS:
                return self._reply(cjt188.READ_ADDRESS | cjt188.REPLY, frame.data[:3])
            return None
        if frame.address != self.address or frame.meter_type not in (cjt188.COLD_WATER, 0xAA):
            return None
        head = frame.data[:3]
        if frame.control == cjt188.READ and cjt188.di_matches(frame.data, cjt188.DI_METERING):
            self.advance()
            return self._reply(cjt188.READ | cjt188.REPLY, self._metering(head))
        if frame.control == cjt188.WRITE and cjt188.di_matches(frame.data, cjt188.DI_VALVE):
            if len(frame.data) != 4 or frame.data[3] not in (cjt188.VALVE_OPEN, cjt188.VALVE_CLOSE):
                return self.error_reply(frame, 0)
            if not self.valve_fault:
                self.set_supply(frame.data[3] == cjt188.VALVE_OPEN)
            return self._reply(cjt188.WRITE | cjt188.REPLY, head + self._status())
        return self.error_reply(frame, 0)

    def error_reply(self, frame: Any, code: int) -> bytes | None:
        """Return an abnormal reply: C with bit 6, SER and the status word."""
        assert isinstance(frame, cjt188.Frame)
        if frame.address != self.address:
            return None
        serial = frame.data[2:3] or b"\x00"
        control = frame.control | cjt188.REPLY | cjt188.ERROR
        return self._reply(control, serial + self._status())

    def foreign_reply(self, frame: Any) -> bytes | None:
        """Return the reply the next meter would give."""
        assert isinstance(frame, cjt188.Frame)
        if frame.control != cjt188.READ or frame.address != self.address:
            return None
        other = cjt188.address_bytes(self.unit + 1)
        return self._reply(cjt188.READ | cjt188.REPLY, self._metering(frame.data[:3]), other)
