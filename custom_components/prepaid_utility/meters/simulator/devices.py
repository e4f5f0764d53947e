"""Simulated meters: register images computed from a load model over the simulator clock.

Each device integrates its load (day/night shape, per-meter jitter) since the last look, so
counters only ever move with the clock. A tripped relay or closed valve really stops the
counter. Acrel meters in meter-side mode deduct from their own balance and raise alarm bits.

Energy is counted as a real meter counts it: every register (the total and each time-of-use
period's) accumulates its own exact energy, in integer quanta of a thousandth of a Wh or mL,
and shows it rounded down to its own resolution. So the total register and the sum of the
period registers differ by their rounding, as on an Acrel meter, and the exact per-period
energy (``tou_exact``) is the truth a test can audit the bills against. The meter's own clock,
which decides its time-of-use period, may run ``clock_offset`` ahead of (or behind) the
simulator's.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from ..decode import DataType, WordOrder, encode_scaled, encode_value
from ..profiles import PROFILES
from ..profiles.acrel import (
    METER_TYPE_DDSY1352,
    METER_TYPE_DTSY1352,
    PREPAID_BLOCK_ADDRESS,
    PREPAID_BLOCK_COUNT,
    RELAY_ADDRESS,
    STATUS_ADDRESS,
    TOU_TABLE_REGISTERS,
    TOU_TABLES_DDSY1352,
    TOU_TABLES_DTSY1352,
    VENDOR_WRITE_FUNCTION,
)
from ..profiles.base import Role
from .clock import SimClock
from .faults import ILLEGAL_ADDRESS, ILLEGAL_FUNCTION, ILLEGAL_VALUE, Faults

# Relative load by hour of day: low at night, a morning bump, the evening peak.
DAY_SHAPE = (
    0.3, 0.25, 0.25, 0.25, 0.25, 0.3, 0.6, 1.0, 0.9, 0.6, 0.5, 0.5,
    0.6, 0.5, 0.45, 0.45, 0.55, 0.8, 1.2, 1.4, 1.3, 1.0, 0.7, 0.4,
)  # fmt: skip
WATER_SHAPE = (
    0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.8, 1.5, 1.0, 0.4, 0.3, 0.4,
    0.6, 0.4, 0.2, 0.2, 0.3, 0.6, 1.0, 1.4, 1.2, 0.8, 0.4, 0.1,
)  # fmt: skip
# Tariff of each hour (1 sharp, 2 peak, 3 flat, 4 valley) for the TOU counters.
TARIFF_OF_HOUR = (
    4, 4, 4, 4, 4, 4, 4, 3, 2, 2, 2, 3, 3, 3, 3, 3, 3, 2, 1, 1, 2, 2, 3, 4,
)  # fmt: skip
STEP = timedelta(minutes=15)
U32_RANGE = 1 << 32
QUANTA = 1000  # exact energy per milli-unit (Wh or litre): integers, so registers stay exact
KWH_STEP = 10 * QUANTA  # one 0.01 kWh register step
# How a used meter's history is spread over sharp, peak, flat and valley (percent).
HISTORY_SHARES = (10, 30, 35, 25)


def _f32(value: float, order: WordOrder = WordOrder.BIG) -> list[int]:
    return encode_value(value, DataType.F32, order)


def _u32(value: int) -> list[int]:
    return encode_value(value % U32_RANGE, DataType.U32)


def _next_quarter(when: datetime, offset: timedelta = timedelta(0)) -> datetime:
    """Return the next quarter-hour after ``when`` on a clock ``offset`` from the simulator's."""
    shown = when + offset
    floor = shown.replace(minute=shown.minute - shown.minute % 15, second=0, microsecond=0)
    return floor + STEP - offset


class SimDevice:
    """Base of all simulated meters: load model, supply state, faults, counter tricks."""

    profile_key = ""
    protocol = "modbus"
    water = False

    def __init__(self, unit: int, clock: SimClock, *, seed: int = 0, start: float = -1.0) -> None:
        """Create a meter at slave ``unit`` whose counter starts at ``start`` (kWh or m³)."""
        self.unit = unit
        self.clock = clock
        rng = random.Random(seed * 1000 + unit)  # noqa: S311  # a load model, not crypto
        self.scale = rng.uniform(0.5, 1.6)  # this household's appetite
        # Electricity: mean load in W; water: mean flow in L/h.
        self.mean = (400.0 if not self.water else 25.0) * self.scale
        if start < 0:  # a used meter: some history on the counter
            start = rng.uniform(100.0, 8000.0) if not self.water else rng.uniform(10.0, 500.0)
        self.total_q = round(start * 1000.0 * QUANTA)  # Wh or litres, in quanta
        # Split the history over the tariffs: the exact energies add up to the total's.
        shares = [self.total_q * share // 100 for share in HISTORY_SHARES[:-1]]
        self.tou_q = [*shares, self.total_q - sum(shares)]
        self.clock_offset = timedelta(0)  # the meter's own clock minus the simulator's
        self.supply_on = True
        self._shown_until = 0.0  # monotonic time until which the status shows the old state
        self.faults = Faults()
        self.last = clock.now()
        self.power_w = 0.0

    @property
    def milli(self) -> float:
        """Return the total's exact energy in Wh or litres (for load tricks and tests)."""
        return self.total_q / QUANTA

    @milli.setter
    def milli(self, value: float) -> None:
        self.total_q = round(value * QUANTA)

    @property
    def tou_milli(self) -> list[float]:
        """Return each period's exact energy in Wh (sharp, peak, flat, valley)."""
        return [q / QUANTA for q in self.tou_q]

    @property
    def tou_exact(self) -> list[Decimal]:
        """Return each period's exact energy in kWh, advanced to now (the truth of a split)."""
        self.advance()
        return [Decimal(q).scaleb(-6) for q in self.tou_q]

    @property
    def tou_registers(self) -> list[Decimal]:
        """Return what the period registers show now (kWh at 0.01, each rounded on its own)."""
        self.advance()
        return [Decimal(q // KWH_STEP % U32_RANGE).scaleb(-2) for q in self.tou_q]

    def meter_time(self, when: datetime) -> datetime:
        """Return what the meter's own clock shows at the simulator's ``when``."""
        return when + self.clock_offset

    # -- load model ---------------------------------------------------------------------

    def rate_at(self, when: datetime) -> float:
        """Return the load (W, or L/h for water) at ``when``; zero when the supply is off.

        A ``bypass`` fault (wired around the relay) keeps consuming while the relay reads off.
        """
        if not self.supply_on and not self.faults.bypass:
            return 0.0
        shape = WATER_SHAPE if self.water else DAY_SHAPE
        return self.mean * shape[when.hour]

    def advance(self) -> None:
        """Integrate the load from the last look until now."""
        now = self.clock.now()
        when = self.last
        while when < now:
            # Steps end on the quarter-hours of both clocks: the load changes on the building's
            # hours, the period on the meter's own.
            end = min(now, when + STEP, _next_quarter(when), _next_quarter(when, self.clock_offset))
            rate = self.rate_at(when)
            amount = rate * (end - when).total_seconds() / 3600.0
            quanta = round(amount * QUANTA)
            self.total_q += quanta
            tariff = self.tariff_at(self.meter_time(when))
            self.tou_q[tariff - 1] += quanta
            self.consumed(amount, tariff)
            when = end
        self.last = now
        self.power_w = self.rate_at(now)

    def tariff_at(self, when: datetime) -> int:
        """Return the tariff (1 sharp .. 4 valley) whose counter takes use at ``when``."""
        return TARIFF_OF_HOUR[when.hour]

    def consumed(self, amount: float, tariff: int) -> None:
        """Let a subclass react to ``amount`` Wh/L used in ``tariff`` (meter-side balance)."""

    # -- persistence: a simulated building survives a Home Assistant restart ------------------

    def state(self) -> dict[str, Any]:
        """Return what a restart must keep (plain JSON types)."""
        return {
            "milli": self.milli,
            "tou_milli": list(self.tou_milli),
            "total_q": self.total_q,
            "tou_q": list(self.tou_q),
            "clock_offset_s": self.clock_offset.total_seconds(),
            "supply_on": self.supply_on,
            "last": self.last.isoformat(),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        """Continue from a saved state; the time since ``last`` is consumed on the next read.

        Real meters keep counting while Home Assistant is down, so the simulated ones do too.
        """
        if "total_q" in state:
            self.total_q = int(state["total_q"])
            self.tou_q = [int(x) for x in state["tou_q"]]
        else:  # saved before registers were exact
            self.milli = float(state["milli"])
            self.tou_q = [round(float(x) * QUANTA) for x in state["tou_milli"]]
        self.clock_offset = timedelta(seconds=float(state.get("clock_offset_s", 0.0)))
        self.supply_on = bool(state["supply_on"])
        last = datetime.fromisoformat(state["last"])
        self.last = min(last, self.clock.now())

    # -- counter tricks for fault injection ----------------------------------------------

    def reset_counter(self) -> None:
        """Reset the counter to 0 (meter reset)."""
        self.advance()
        self.milli = 0.0

    def replace_meter(self, start: float) -> None:
        """Swap in a new meter whose counter shows ``start`` (kWh or m³)."""
        self.advance()
        self.milli = start * 1000.0

    def near_rollover(self, margin: float = 0.05) -> None:
        """Put the counter ``margin`` kWh below the 32-bit wrap of a 0.01 kWh register."""
        self.advance()
        self.milli = (U32_RANGE * 10.0) - margin * 1000.0

    def garbage_jump(self, amount: float) -> None:
        """Add an implausible ``amount`` (kWh or m³) at once."""
        self.advance()
        self.milli += amount * 1000.0

    @property
    def total(self) -> Decimal:
        """Return what the counter register shows now (kWh at 0.01 or m³ at 0.001)."""
        self.advance()
        if self.water:
            return Decimal(self.total_q // QUANTA).scaleb(-3)
        return Decimal(self.total_q // KWH_STEP % U32_RANGE).scaleb(-2)

    # -- register access -------------------------------------------------------------------

    def image(self, function: int) -> dict[int, int]:
        """Return the readable registers of ``function`` (3 holding, 4 input)."""
        raise NotImplementedError

    def read(self, function: int, address: int, count: int) -> list[int] | int:
        """Return the registers, or an exception code."""
        if function not in (3, 4):
            return ILLEGAL_FUNCTION
        if not 1 <= count <= 125:
            return ILLEGAL_VALUE
        if any(a in self.faults.illegal_addresses for a in range(address, address + count)):
            return ILLEGAL_ADDRESS
        self.advance()
        image = self.image(function)
        try:
            return [image[a] for a in range(address, address + count)]
        except KeyError:
            return ILLEGAL_ADDRESS

    def write(self, function: int, address: int, values: list[int]) -> int | None:
        """Apply a write; return an exception code or None."""
        return ILLEGAL_FUNCTION

    def set_supply(self, on: bool) -> None:
        """Move the relay/valve unless the fault says it ignores commands."""
        self.advance()
        if not self.faults.ignore_supply:
            if on != self.supply_on and self.faults.supply_lag_s > 0:
                self._shown_until = time.monotonic() + self.faults.supply_lag_s
            self.supply_on = on

    def supply_shown(self) -> bool:
        """Return the supply state the status register shows (late by ``supply_lag_s``)."""
        if time.monotonic() < self._shown_until:
            return not self.supply_on
        return self.supply_on


class AcrelSim(SimDevice):
    """Acrel DDSY1352 (``phases=1``) or DTSY1352 (``phases=3``)."""

    def __init__(
        self,
        unit: int,
        clock: SimClock,
        *,
        phases: int = 1,
        seed: int = 0,
        start: float = -1.0,
        meter_side: bool = False,
        legacy_only: bool = False,
        clock_offset: timedelta = timedelta(0),
    ) -> None:
        """Create the meter; ``meter_side`` makes it deduct from its own balance."""
        super().__init__(unit, clock, seed=seed, start=start)
        self.clock_offset = clock_offset
        self.phases = phases
        self.profile_key = "acrel_dtsy1352" if phases == 3 else "acrel_ddsy1352"
        if legacy_only:
            self.profile_key = "acrel_legacy"
        self.meter_side = meter_side
        self.legacy_only = legacy_only
        self.forced = False
        self.params = [0] * PREPAID_BLOCK_COUNT
        # Defaults: alarms at 20.00 and 10.00, price 0.60/kWh in every tariff, 100.00 credit.
        self.params[0:2] = _u32(2000)
        self.params[2:4] = _u32(1000)
        self.params[8] = 0
        self.params[9:11] = _u32(10000)
        for off in (0x13, 0x15, 0x17, 0x19):
            self.params[off : off + 2] = _u32(60)
        self.remaining_cents = 10000.0
        tables = TOU_TABLES_DTSY1352 if phases == 3 else TOU_TABLES_DDSY1352
        self.tou_tables = tables
        self.tou_store = {a: 0 for t in tables for a in range(t, t + TOU_TABLE_REGISTERS)}

    def state(self) -> dict[str, Any]:
        """Add the prepaid block, the meter-side balance and the forced relay."""
        return {
            **super().state(),
            "params": list(self.params),
            "remaining_cents": self.remaining_cents,
            "forced": self.forced,
            "meter_side": self.meter_side,
            "tou_store": {str(a): v for a, v in self.tou_store.items()},
        }

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore the prepaid block and balance too."""
        super().load_state(state)
        self.params = [int(x) for x in state["params"]]
        self.remaining_cents = float(state["remaining_cents"])
        self.forced = bool(state["forced"])
        self.meter_side = bool(state.get("meter_side", self.meter_side))
        self.tou_store = {int(a): int(v) for a, v in state["tou_store"].items()}

    def tariff_at(self, when: datetime) -> int:
        """Follow the first day table once one was written (a new meter has the built-in one)."""
        words = [
            self.tou_store[a]
            for a in range(self.tou_tables[0], self.tou_tables[0] + TOU_TABLE_REGISTERS)
        ]
        if not any(words):
            return super().tariff_at(when)
        data = b"".join(w.to_bytes(2, "big") for w in words)
        minute = when.hour * 60 + when.minute
        current = data[0]
        for i in range(0, len(data), 3):
            code, start = data[i], data[i + 2] * 60 + data[i + 1]
            if start <= minute and 1 <= code <= 4:
                current = code
        return current if 1 <= current <= 4 else super().tariff_at(when)

    def consumed(self, amount: float, tariff: int) -> None:
        """Deduct at the tariff's price (raw unit 0.01 currency per kWh) in meter-side mode."""
        if not self.meter_side or amount <= 0:
            return
        offset = 0x13 + 2 * (tariff - 1)  # sharp, peak, flat, valley prices
        price = self.params[offset] << 16 | self.params[offset + 1]
        self.remaining_cents -= amount / 1000.0 * price
        overdraft = self.params[4] << 16 | self.params[5]
        if self.remaining_cents <= -overdraft and not self.forced:
            self.supply_on = False  # the meter trips itself at zero (plus overdraft)

    def _status(self) -> int:
        status = 0
        if self.supply_shown():
            status |= 0x2000 if self.phases == 1 else 0xE000
        if self.meter_side:
            alarm_1 = self.params[0] << 16 | self.params[1]
            alarm_2 = self.params[2] << 16 | self.params[3]
            if self.remaining_cents < alarm_1:
                status |= 0x0040
            if self.remaining_cents < alarm_2:
                status |= 0x0080
            if self.remaining_cents <= 0:
                status |= 0x0020
        return status

    def image(self, function: int) -> dict[int, int]:
        """Return the 0x0000 map, the prepaid block, the live block and the TOU tables."""
        if function != 3:
            return {}
        counter = self.total_q // KWH_STEP
        tou = [q // KWH_STEP for q in self.tou_q]
        volts = 2300 if self.phases == 1 else 2310
        amps = int(self.power_w / 230.0 / self.phases * 100)
        power = int(self.power_w)  # W = 0.001 kW
        remaining = max(0, int(self.remaining_cents))
        params = list(self.params)
        params[9:11] = _u32(remaining)
        image: dict[int, int] = {}
        legacy = [0] * 0x11
        legacy[0:2] = _u32(counter)
        for i, value in enumerate(tou):
            legacy[2 + 2 * i : 4 + 2 * i] = _u32(value)
        legacy[0x0B], legacy[0x0C], legacy[0x0D], legacy[0x10] = volts, amps, power & 0xFFFF, 980
        image.update(enumerate(legacy))
        image.update((PREPAID_BLOCK_ADDRESS + i, w) for i, w in enumerate(params))
        if not self.legacy_only:
            live = [0] * 48
            live[0] = METER_TYPE_DTSY1352 if self.phases == 3 else METER_TYPE_DDSY1352
            live[1:4] = [volts] * 3 if self.phases == 3 else [volts, 0, 0]
            live[4:7] = [amps] * 3 if self.phases == 3 else [amps, 0, 0]
            live[10] = power & 0xFFFF
            live[0x12] = 980
            live[0x13], live[0x14] = 1, 1
            live[0x15:0x17] = _u32(counter)
            for i, value in enumerate(tou):
                live[0x17 + 2 * i : 0x19 + 2 * i] = _u32(value)
            live[0x1F:0x21] = _u32(remaining)
            live[0x21] = self.params[8]
            live[STATUS_ADDRESS - 0x0200] = self._status()
            image.update((0x0200 + i, w) for i, w in enumerate(live))
        image.update(self.tou_store)
        return image

    def write(self, function: int, address: int, values: list[int]) -> int | None:
        """Relay at 0x0057 (FC10), prepaid block (0xAA), TOU tables (FC10)."""
        self.advance()
        if function == 16 and address == RELAY_ADDRESS and len(values) == 2:
            if values[0] == 0:
                self.forced = False  # the meter's own logic decides again
                self.set_supply(self.remaining_cents > 0 or not self.meter_side)
            else:
                self.forced = values[1] == 0
                self.set_supply(values[1] == 0)
            return None
        if function == VENDOR_WRITE_FUNCTION:
            if address != PREPAID_BLOCK_ADDRESS or len(values) != PREPAID_BLOCK_COUNT:
                return ILLEGAL_ADDRESS
            self.params = list(values)
            self.remaining_cents = float(values[9] << 16 | values[10])
            if self.meter_side and self.remaining_cents > 0 and not self.forced:
                self.set_supply(True)
            return None
        if function == 16 and all(
            a in self.tou_store for a in range(address, address + len(values))
        ):
            for i, value in enumerate(values):
                self.tou_store[address + i] = value
            return None
        return ILLEGAL_ADDRESS if function in (6, 16) else ILLEGAL_FUNCTION


#: Eastron meter code at holding register 0xFC02 (profiles/eastron.py names the sources).
EASTRON_CODES = {
    "eastron_sdm120": 0x0020,
    "eastron_sdm230": 0x002B,
    "eastron_sdm630": 0x0070,
    "eastron_sdm72": 0x0084,
    "eastron_sdm72v2": 0x0089,
}
EASTRON_SERIAL_BASE = 20_000_000  # serial = base + unit: distinct on a bus, stable across runs


def eastron_identity(serial: int, code: int | None) -> dict[int, int]:
    """Return holding registers 0xFC00..0xFC03 (serial, meter code, software version).

    ``code`` None: a firmware without them, which answers an illegal-address exception.
    """
    if code is None:
        return {}
    return dict(enumerate([*_u32(serial), code, 0x0102], start=0xFC00))


class EastronSim(SimDevice):
    """Eastron SDM120 (``phases=1``) or SDM630 (``phases=3``): float32 input registers."""

    def __init__(
        self, unit: int, clock: SimClock, *, phases: int = 1, seed: int = 0, start: float = -1.0
    ) -> None:
        """Create the meter."""
        super().__init__(unit, clock, seed=seed, start=start)
        self.phases = phases
        self.profile_key = "eastron_sdm630" if phases == 3 else "eastron_sdm120"
        self.meter_code: int | None = EASTRON_CODES[self.profile_key]

    def image(self, function: int) -> dict[int, int]:
        """Return the input registers 0x0000..0x004B, or the identity holding registers."""
        if function == 3:
            return eastron_identity(EASTRON_SERIAL_BASE + self.unit, self.meter_code)
        if function != 4:
            return {}
        words = [0] * 0x4C
        kwh = (self.total_q // KWH_STEP) / 100.0
        amps = self.power_w / 230.0 / self.phases

        def put(address: int, value: float) -> None:
            words[address : address + 2] = _f32(value)

        for i in range(self.phases):
            put(2 * i, 230.0)
            put(6 + 2 * i, amps)
        put(0x0C if self.phases == 1 else 0x34, self.power_w)
        put(0x1E if self.phases == 1 else 0x3E, 0.98)
        put(0x46, 50.0)
        put(0x48, kwh)
        put(0x4A, 0.0)
        return dict(enumerate(words))


class HikingSim(SimDevice):
    """Hiking DDS238-2 ZN/SR: u32 counter, relay at 0x001A written with FC16 only."""

    profile_key = "hiking_dds238"

    def image(self, function: int) -> dict[int, int]:
        """Return the holding registers 0x0000..0x001A."""
        if function != 3:
            return {}
        words = [0] * 0x1B
        words[0:2] = _u32(self.total_q // KWH_STEP)
        words[0x0C] = 2300
        words[0x0D] = int(self.power_w / 230.0 * 100)
        words[0x0E] = int(self.power_w) & 0xFFFF
        words[0x1A] = 1 if self.supply_shown() else 0
        return dict(enumerate(words))

    def write(self, function: int, address: int, values: list[int]) -> int | None:
        """Relay on/off at 0x001A; FC06 is not supported by this meter."""
        if function != 16:
            return ILLEGAL_FUNCTION
        if address != 0x001A or len(values) != 1 or values[0] not in (0, 1):
            return ILLEGAL_ADDRESS
        self.set_supply(values[0] == 1)
        return None


class WaterValveSim(SimDevice):
    """A Xintai-style valve water meter: float32 low word first, valve at 0x001C (FC06)."""

    profile_key = "xintai_water"
    water = True

    def __init__(self, unit: int, clock: SimClock, *, seed: int = 0, start: float = -1.0) -> None:
        """Create the meter with 10 m³ of prepaid volume and a healthy battery."""
        super().__init__(unit, clock, seed=seed, start=start)
        self.remaining_l = 10000.0
        self.battery_cv = 360
        self.valve_fault = False

    def consumed(self, amount: float, tariff: int) -> None:
        """Count down the prepaid volume."""
        self.remaining_l -= amount

    def state(self) -> dict[str, Any]:
        """Add the prepaid volume."""
        return {**super().state(), "remaining_l": self.remaining_l}

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore the prepaid volume too."""
        super().load_state(state)
        self.remaining_l = float(state["remaining_l"])

    def image(self, function: int) -> dict[int, int]:
        """Return the holding registers 0x0001..0x001C."""
        if function != 3:
            return {}
        little = WordOrder.LITTLE
        words = [0] * 0x1D
        words[1:3] = _f32((self.total_q // QUANTA) / 1000.0, little)
        words[5:7] = _f32(self.power_w / 1000.0, little)  # m³/h
        words[8:10] = _f32(max(self.remaining_l, 0.0) / 1000.0, little)
        words[0x1A] = self.battery_cv
        state = 1 if self.supply_shown() else 2
        if self.valve_fault:
            state |= 4
        if self.battery_cv < 330:
            state |= 8
        words[0x1C] = state
        return {a: w for a, w in enumerate(words) if a >= 1}

    def write(self, function: int, address: int, values: list[int]) -> int | None:
        """Valve command: FC06 at 0x001C, 1 open, 2 close."""
        if function != 6:
            return ILLEGAL_FUNCTION
        if address != 0x001C or values[0] not in (1, 2):
            return ILLEGAL_VALUE
        self.set_supply(values[0] == 1)
        return None


class ProfileSim(SimDevice):
    """A read-only meter whose registers are laid out by a profile (the DIN-rail meters).

    The image is built from the profile's own fields, so it is only as good as the profile:
    these simulate the transport and the load, not the vendor's map (which the profile's
    docstring cross-checks against public sources). ``extra`` adds identity registers.
    """

    def __init__(
        self,
        unit: int,
        clock: SimClock,
        profile_key: str,
        *,
        phases: int = 1,
        extra: dict[tuple[int, int], int] | None = None,
        seed: int = 0,
        start: float = -1.0,
    ) -> None:
        """Create the meter for ``profile_key``."""
        super().__init__(unit, clock, seed=seed, start=start)
        self.profile = PROFILES[profile_key]
        self.profile_key = profile_key
        self.phases = phases
        self.extra = extra or {}
        self.meter_code: int | None = EASTRON_CODES.get(profile_key)

    @property
    def total(self) -> Decimal:
        """Return what the counter shows: the exact energy floored to the register's step."""
        self.advance()
        fld = self.profile.field(Role.TOTAL)
        assert fld is not None
        step = fld.scale if fld.dtype is not DataType.F32 else Decimal("0.01")
        exact = Decimal(self.total_q).scaleb(-6)  # kWh
        return (exact / step).to_integral_value(rounding=ROUND_FLOOR) * step

    def image(self, function: int) -> dict[int, int]:
        """Return every register of the profile's blocks of ``function``."""
        words: dict[int, int] = {}
        for block in self.profile.blocks:
            if block.function == function:
                words.update(dict.fromkeys(range(block.address, block.address + block.count), 0))
        if function == 3 and self.profile_key in EASTRON_CODES:
            words.update(eastron_identity(EASTRON_SERIAL_BASE + self.unit, self.meter_code))
        if not words:
            return {}
        amps = self.power_w / 230.0 / self.phases
        values = {
            Role.TOTAL: self.total,
            Role.VOLTAGE: Decimal("230.0"),
            Role.CURRENT: Decimal(str(round(amps, 3))),
            Role.POWER: Decimal(str(round(self.power_w / 1000.0, 4))),
            Role.POWER_FACTOR: Decimal("0.98"),
        }
        for fld in self.profile.fields:
            if fld.address in words and fld.role in values:
                encoded = encode_scaled(values[fld.role], fld.dtype, fld.scale, fld.order)
                for offset, word in enumerate(encoded):
                    words[fld.address + offset] = word
        for (fn, address), word in self.extra.items():
            if fn == function:
                words[address] = word
        return words


#: Simulated DIN-rail meters: profile key -> (phases, identity registers).
PROFILE_SIMS: dict[str, tuple[int, dict[tuple[int, int], int]]] = {
    "chint_ddsu666": (1, {}),
    "chint_dtsu666": (3, {}),
    "chint_dtsu666h": (3, {}),
    "eastron_sdm72": (3, {}),
    # L2/L3 voltages: what tells a three-phase Eastron map from a single-phase one in a scan.
    "eastron_sdm72v2": (3, {(4, a + i): w for a in (2, 4) for i, w in enumerate(_f32(230.0))}),
    "eastron_sdm230": (1, {}),
    "carlo_gavazzi_em111": (1, {(4, 0x000B): 121}),
    "abb_b21": (1, {(3, 0x8960): 0x4232, (3, 0x8961): 0x3120}),
    "abb_b23": (3, {(3, 0x8960): 0x4232, (3, 0x8961): 0x3320}),
}
