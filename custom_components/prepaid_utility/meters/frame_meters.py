"""DL/T 645-2007 electricity meters and CJ/T 188 water meters, behind the same ``Meter`` contract.

A read returns a ``MeterReading`` or raises a ``MeterError`` subclass, exactly like a Modbus
meter; ``set_supply`` switches the relay or valve and reads the state back before it says
"verified". Error replies are typed the way Modbus exceptions are: "no such data" and
"password wrong / not authorised" are ``MeterMisconfigured`` (a person must fix the address,
the password, or accept that the meter needs its ESAM), anything else ``MeterDeviceError``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from . import cjt188, dlt645
from .dlt645 import FrameError
from .framebus import FrameHub
from .hub import BusConfig, BusProtocol
from .modbus_meter import utc_now
from .reading import (
    COUNTER_RESOLUTION,
    Capabilities,
    ControlOutcome,
    ControlResult,
    Medium,
    MeterCorruptReply,
    MeterDeviceError,
    MeterError,
    MeterFlag,
    MeterMisconfigured,
    MeterReading,
    MeterTimeout,
    SupplyState,
    TouCounters,
)


@dataclass(frozen=True, slots=True)
class FrameProfile:
    """A meter kind on a DL/T 645 or CJ/T 188 bus (what the scan and the forms offer)."""

    key: str
    name: str
    protocol: BusProtocol
    medium: Medium
    has_supply_control: bool
    has_tou: bool


DLT645_METER = FrameProfile(
    "dlt645_2007", "DL/T 645-2007 meter", BusProtocol.DLT645, Medium.ELECTRICITY, True, True
)
CJT188_WATER = FrameProfile(
    "cjt188_water", "CJ/T 188 water meter", BusProtocol.CJT188, Medium.WATER, True, False
)
FRAME_PROFILES = {p.key: p for p in (DLT645_METER, CJT188_WATER)}


def _dlt_error(err: int, key: str, what: str) -> MeterError:
    if err & dlt645.ERR_PASSWORD:
        return MeterMisconfigured(
            f"{key}: {what} refused: password or authorisation (ESAM meters need encryption)",
            meter_key=key,
            code=err,
        )
    if err & dlt645.ERR_NO_DATA:
        return MeterMisconfigured(f"{key}: {what}: meter has no such data", meter_key=key, code=err)
    return MeterDeviceError(f"{key}: {what}: error reply {err:#04x}", meter_key=key)


INSTANT_DIS = (dlt645.DI_VOLTAGE_A, dlt645.DI_CURRENT_A, dlt645.DI_POWER_TOTAL)


class Dlt645Meter:
    """One DL/T 645-2007 meter on a ``FrameHub``.

    A read is the energy block (total + 4 tariffs in one frame; meters that refuse the block
    are read register by register from then on), the run-status word 3 (relay bit) and the
    instantaneous values ``instant`` names: True for voltage, current and power, False for none,
    or the data identifiers to read. Each is a frame of its own (about 0.2 s at 2400 baud), so a
    gateway reads only those whose entities are enabled.
    """

    def __init__(
        self,
        hub: FrameHub[dlt645.Frame],
        address: str | int,
        *,
        key: str | None = None,
        password: str = "02000000",  # noqa: S107  # the factory default many meters ship with
        operator: str = "00000000",
        restore_command: int = dlt645.RELAY_RESTORE,
        instant: bool | Collection[int] = True,
        supply_attempts: int = 2,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """Bind the meter at ``address`` (12 digits) on ``hub``."""
        self.hub = hub
        self.address = dlt645.address_bytes(address)
        self.address_text = dlt645.address_text(self.address)
        self._key = key or f"{hub.name}#{self.address_text}"
        self.password = password
        self.operator = operator
        self.restore_command = restore_command
        self.instant: tuple[int, ...] = (
            tuple(INSTANT_DIS if instant else ())
            if isinstance(instant, bool)
            else tuple(di for di in INSTANT_DIS if di in instant)
        )
        self.supply_attempts = max(1, supply_attempts)
        self.block_read = True
        self._clock = clock
        self._lock = asyncio.Lock()
        self.profile = DLT645_METER

    @property
    def key(self) -> str:
        """Return the stable key of this meter."""
        return self._key

    @property
    def capabilities(self) -> Capabilities:
        """Return what a DL/T 645 meter offers."""
        return Capabilities(Medium.ELECTRICITY, True, True, False)

    async def _read_di(self, di: int) -> bytes:
        def match(frame: dlt645.Frame) -> dlt645.Reply | None:
            return dlt645.match_reply(frame, self.address, dlt645.READ, di)

        reply = await self.hub.exchange(
            self.address_text,
            dlt645.read_request(self.address, di),
            match,
            meter_key=self._key,
            label=(dlt645.READ, di),
        )
        if reply.error is not None:
            raise _dlt_error(reply.error, self._key, f"read {di:08x}")
        return reply.payload

    async def read(self) -> MeterReading:
        """Read energy, status and (optionally) voltage/current/power."""
        async with self._lock:
            try:
                return await self._read()
            except FrameError as err:
                raise MeterCorruptReply(str(err), meter_key=self._key) from err

    async def _energy(self) -> dlt645.EnergyBlock:
        if self.block_read:
            try:
                return dlt645.decode_energy(await self._read_di(dlt645.DI_ENERGY_BLOCK), block=True)
            except MeterMisconfigured as err:
                if not err.code & dlt645.ERR_NO_DATA:
                    raise
                self.block_read = False
        total = dlt645.decode_energy(await self._read_di(dlt645.DI_ENERGY_TOTAL), block=False)
        parts = [
            dlt645.decode_energy(await self._read_di(di), block=False).total
            for di in dlt645.DI_ENERGY_TARIFF
        ]
        return dlt645.EnergyBlock(total.total, (parts[0], parts[1], parts[2], parts[3]))

    async def _read(self) -> MeterReading:
        energy = await self._energy()
        status = dlt645.decode_status(await self._read_di(dlt645.DI_STATUS_3))
        values: dict[int, Decimal] = {}
        for di in self.instant:
            values[di] = dlt645.decode_instant(di, await self._read_di(di))
        resolution = COUNTER_RESOLUTION[Medium.ELECTRICITY]
        tou = None
        if energy.tariffs is not None:
            tou = TouCounters(*(v.quantize(resolution) for v in energy.tariffs))
        flags = {MeterFlag.ALARM_1} if status & dlt645.STATUS3_PRE_TRIP else set()
        return MeterReading(
            meter_key=self._key,
            taken_at=self._clock(),
            medium=Medium.ELECTRICITY,
            total=energy.total.quantize(resolution),
            tou=tou,
            power_kw=values.get(dlt645.DI_POWER_TOTAL),
            voltage_v=values.get(dlt645.DI_VOLTAGE_A),
            current_a=values.get(dlt645.DI_CURRENT_A),
            supply=_relay_state(status),
            flags=frozenset(flags),
        )

    async def read_supply(self) -> SupplyState:
        """Read the relay bit of status word 3."""
        try:
            return _relay_state(dlt645.decode_status(await self._read_di(dlt645.DI_STATUS_3)))
        except FrameError as err:
            raise MeterCorruptReply(str(err), meter_key=self._key) from err

    async def _command(self, on: bool) -> None:
        command = self.restore_command if on else dlt645.RELAY_CUT
        request = dlt645.relay_request(
            self.address,
            command,
            password=self.password,
            operator=self.operator,
            valid_until=self._clock() + timedelta(days=1),
        )

        def match(frame: dlt645.Frame) -> dlt645.Reply | None:
            return dlt645.match_reply(frame, self.address, dlt645.RELAY, None)

        reply = await self.hub.exchange(
            self.address_text,
            request,
            match,
            meter_key=self._key,
            read=False,
            label=(dlt645.RELAY, command),
        )
        if reply.error is not None:
            raise _dlt_error(reply.error, self._key, "relay control")

    async def set_supply(self, on: bool) -> ControlResult:
        """Cut or restore with 0x1C and read the relay bit back (see ``supply_loop``)."""
        async with self._lock:
            return await supply_loop(
                self._key, on, self.supply_attempts, self.read_supply, self._command
            )


def _relay_state(status: int) -> SupplyState:
    return SupplyState.OFF if status & dlt645.STATUS3_RELAY_OFF else SupplyState.ON


async def supply_loop(
    key: str,
    on: bool,
    attempts: int,
    read_state: Callable[[], Awaitable[SupplyState]],
    command: Callable[[bool], Awaitable[None]],
) -> ControlResult:
    """Write, read back, and write again only while the read-back differs (as Modbus meters do).

    A refused command (wrong password, ESAM needed) is not retried: it will not change.
    """
    requested = SupplyState.ON if on else SupplyState.OFF
    observed = SupplyState.UNKNOWN
    detail = ""
    writes = 0
    try:
        observed = await read_state()
    except MeterError as err:
        detail = str(err)
    if observed is requested:
        return ControlResult(key, requested, observed, ControlOutcome.VERIFIED, 0)
    for _ in range(attempts):
        writes += 1
        try:
            await command(on)
        except (MeterTimeout, MeterCorruptReply) as err:
            detail = f"ambiguous write: {err}"
        except MeterMisconfigured as err:
            detail = str(err)
            with contextlib.suppress(MeterError):
                observed = await read_state()
            outcome = ControlOutcome.VERIFIED if observed is requested else ControlOutcome.MISMATCH
            if observed is SupplyState.UNKNOWN:
                outcome = ControlOutcome.UNKNOWN
            return ControlResult(key, requested, observed, outcome, writes, detail)
        except MeterError as err:
            detail = str(err)
        try:
            observed = await read_state()
        except MeterError as err:
            observed = SupplyState.UNKNOWN
            detail = f"read-back failed: {err}"
            break
        if observed is requested:
            return ControlResult(key, requested, observed, ControlOutcome.VERIFIED, writes, detail)
    outcome = ControlOutcome.UNKNOWN if observed is SupplyState.UNKNOWN else ControlOutcome.MISMATCH
    return ControlResult(key, requested, observed, outcome, writes, detail)


class Cjt188Meter:
    """One CJ/T 188 water meter on a ``FrameHub``: one frame per read."""

    def __init__(
        self,
        hub: FrameHub[cjt188.Frame],
        address: str | int,
        *,
        key: str | None = None,
        meter_type: int = cjt188.COLD_WATER,
        di_swapped: bool = False,
        supply_attempts: int = 2,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """Bind the meter at ``address`` (14 digits) on ``hub``."""
        self.hub = hub
        self.address = cjt188.address_bytes(address)
        self.address_text = cjt188.address_text(self.address)
        self._key = key or f"{hub.name}#{self.address_text}"
        self.meter_type = meter_type
        self.di_swapped = di_swapped
        self.supply_attempts = max(1, supply_attempts)
        self._clock = clock
        self._lock = asyncio.Lock()
        self._serial = 0
        self.profile = CJT188_WATER

    @property
    def key(self) -> str:
        """Return the stable key of this meter."""
        return self._key

    @property
    def capabilities(self) -> Capabilities:
        """Return what a CJ/T 188 valve meter offers."""
        return Capabilities(Medium.WATER, True, False, False)

    def _next_serial(self) -> int:
        self._serial = (self._serial + 1) & 0xFF
        return self._serial

    def _match(
        self, function: int, pair: tuple[int, int]
    ) -> Callable[[cjt188.Frame], cjt188.Frame | None]:
        def match(frame: cjt188.Frame) -> cjt188.Frame | None:
            if not frame.is_reply or frame.function != function or frame.address != self.address:
                return None
            if frame.is_error or cjt188.di_matches(frame.data, pair):
                return frame
            return None

        return match

    async def _metering(self) -> cjt188.Metering:
        frame = await self.hub.exchange(
            self.address_text,
            cjt188.read_request(
                self.meter_type, self.address, self._next_serial(), swapped=self.di_swapped
            ),
            self._match(cjt188.READ, cjt188.DI_METERING),
            meter_key=self._key,
            label=(cjt188.READ, 0x901F),
        )
        if frame.is_error:
            raise MeterDeviceError(f"{self._key}: error reply to a read", meter_key=self._key)
        try:
            return cjt188.decode_metering(frame)
        except FrameError as err:
            raise MeterCorruptReply(str(err), meter_key=self._key) from err

    async def read(self) -> MeterReading:
        """Read the cumulative flow, the valve and the battery bit."""
        async with self._lock:
            metering = await self._metering()
        flags = set()
        if metering.valve_fault:
            flags.add(MeterFlag.VALVE_FAULT)
        if metering.low_battery:
            flags.add(MeterFlag.LOW_BATTERY)
        return MeterReading(
            meter_key=self._key,
            taken_at=self._clock(),
            medium=Medium.WATER,
            total=metering.total_m3.quantize(COUNTER_RESOLUTION[Medium.WATER]),
            supply=_valve_state(metering),
            flags=frozenset(flags),
        )

    async def read_supply(self) -> SupplyState:
        """Read the valve bits."""
        return _valve_state(await self._metering())

    async def _command(self, on: bool) -> None:
        frame = await self.hub.exchange(
            self.address_text,
            cjt188.valve_request(
                self.meter_type, self.address, self._next_serial(), on, swapped=self.di_swapped
            ),
            self._match(cjt188.WRITE, cjt188.DI_VALVE),
            meter_key=self._key,
            read=False,
            label=(cjt188.WRITE, 0xA017),
        )
        if frame.is_error:
            raise MeterDeviceError(f"{self._key}: valve command refused", meter_key=self._key)

    async def set_supply(self, on: bool) -> ControlResult:
        """Open or close the valve and read the valve bits back."""
        async with self._lock:
            return await supply_loop(
                self._key, on, self.supply_attempts, self.read_supply, self._command
            )


def _valve_state(metering: cjt188.Metering) -> SupplyState:
    state = metering.valve_open
    if state is None:
        return SupplyState.UNKNOWN
    return SupplyState.ON if state else SupplyState.OFF


def dlt645_frame_hub(config: BusConfig, *, name: str | None = None) -> FrameHub[dlt645.Frame]:
    """Return a hub for a DL/T 645 bus."""
    return FrameHub(config, dlt645.FrameReader, name=name)


def cjt188_frame_hub(config: BusConfig, *, name: str | None = None) -> FrameHub[cjt188.Frame]:
    """Return a hub for a CJ/T 188 bus."""
    return FrameHub(config, cjt188.FrameReader, name=name)
