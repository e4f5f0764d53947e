"""The declarative shape of a meter profile, and the one decoder every profile shares.

A profile is data: which registers to read in which blocks, what each value means, how to
switch the supply and read it back. Adding a meter is writing one of these, not code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from ..decode import WORDS, DataType, DecodeError, WordOrder, to_decimal
from ..reading import (
    COUNTER_RESOLUTION,
    Medium,
    MeterFlag,
    MeterReading,
    SupplyState,
    TouCounters,
)

#: Longest FC03/FC04 read the Modbus spec allows.
MAX_READ_REGISTERS = 125


class Role(StrEnum):
    """What a register value means."""

    TOTAL = "total"
    SHARP = "sharp"
    PEAK = "peak"
    FLAT = "flat"
    VALLEY = "valley"
    POWER = "power"
    VOLTAGE = "voltage"
    CURRENT = "current"
    POWER_FACTOR = "power_factor"
    FLOW_RATE = "flow_rate"
    BALANCE = "balance"
    PURCHASE_COUNT = "purchase_count"
    REMAINING_VOLUME = "remaining_volume"
    BATTERY = "battery"
    STATUS = "status"
    METER_TYPE = "meter_type"


@dataclass(frozen=True, slots=True)
class Field:
    """One value: where it is, how it is stored, and its scale to engineering units."""

    role: Role
    address: int
    dtype: DataType = DataType.U16
    scale: Decimal = Decimal(1)
    order: WordOrder = WordOrder.BIG

    @property
    def words(self) -> int:
        """Return how many registers the value spans."""
        return WORDS[self.dtype]


@dataclass(frozen=True, slots=True)
class Block:
    """One read transaction: function code 3 (holding) or 4 (input), start, count."""

    function: int
    address: int
    count: int

    def covers(self, fld: Field) -> bool:
        """Return True when the whole field (both words of a 32-bit value) is in this block."""
        return self.address <= fld.address and fld.address + fld.words <= self.address + self.count


@dataclass(frozen=True, slots=True)
class FlagBit:
    """A flag that is set when ``register & mask`` is non-zero."""

    role: Role
    mask: int
    flag: MeterFlag


@dataclass(frozen=True, slots=True)
class SupplyControl:
    """How to switch a relay/valve and how to read its state back.

    The state is ``on`` when ``state & state_mask == on_pattern``, ``off`` when it equals
    ``off_pattern``, and ``unknown`` otherwise (e.g. only one of three phases open).
    """

    write_function: int  # 6 (one register) or 16 (FC10)
    write_address: int
    on_values: tuple[int, ...]
    off_values: tuple[int, ...]
    state_address: int
    state_mask: int
    on_pattern: int
    off_pattern: int
    state_function: int = 3

    def state_of(self, raw: int) -> SupplyState:
        """Return the supply state a raw status register shows."""
        bits = raw & self.state_mask
        if bits == self.on_pattern:
            return SupplyState.ON
        if bits == self.off_pattern:
            return SupplyState.OFF
        return SupplyState.UNKNOWN


@dataclass(frozen=True, slots=True)
class Identify:
    """How a bus scan recognises this meter: a register whose value is one of ``values``."""

    function: int
    address: int
    values: frozenset[int]


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything the hub needs to read and control one kind of meter."""

    key: str
    name: str
    medium: Medium
    blocks: tuple[Block, ...]
    fields: tuple[Field, ...]
    flags: tuple[FlagBit, ...] = ()
    supply: SupplyControl | None = None
    fallback: Profile | None = None
    identify: Identify | None = None
    features: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        """Refuse a profile whose values are not all inside one read block (never split)."""
        for fld in self.fields:
            if not any(block.covers(fld) for block in self.blocks):
                raise ValueError(f"{self.key}: {fld.role} at {fld.address:#06x} is in no block")
        if not any(fld.role is Role.TOTAL for fld in self.fields):
            raise ValueError(f"{self.key}: a profile needs a total counter")
        for block in self.blocks:
            if not 1 <= block.count <= MAX_READ_REGISTERS or block.function not in (3, 4):
                raise ValueError(f"{self.key}: bad block {block}")

    def field(self, role: Role) -> Field | None:
        """Return the field with ``role``, if the profile has one."""
        for fld in self.fields:
            if fld.role is role:
                return fld
        return None

    @property
    def has_tou(self) -> bool:
        """Return True when the profile reads sharp/peak/flat/valley counters."""
        return self.field(Role.PEAK) is not None

    @property
    def has_balance(self) -> bool:
        """Return True when the meter keeps its own prepaid balance."""
        return self.field(Role.BALANCE) is not None

    def decode(
        self, registers: Mapping[tuple[int, int], int], meter_key: str, taken_at: datetime
    ) -> MeterReading:
        """Build a reading from ``{(function, address): word}`` of every block read."""
        function_of = {fld.address: self._function_for(fld) for fld in self.fields}
        resolution = COUNTER_RESOLUTION[self.medium]

        def value(role: Role, *, counter: bool = False) -> Decimal | None:
            fld = self.field(role)
            if fld is None:
                return None
            fn = function_of[fld.address]
            try:
                words = [registers[(fn, fld.address + i)] for i in range(fld.words)]
            except KeyError as err:
                raise DecodeError(f"{self.key}: register {err} missing") from err
            return to_decimal(
                words, fld.dtype, fld.scale, fld.order, resolution if counter else None
            )

        total = value(Role.TOTAL, counter=True)
        assert total is not None  # checked in __post_init__
        if total < 0:
            raise DecodeError(f"{self.key}: negative total {total}")
        tou = None
        if self.has_tou:
            parts = [
                value(r, counter=True) for r in (Role.SHARP, Role.PEAK, Role.FLAT, Role.VALLEY)
            ]
            tou = TouCounters(*(p if p is not None else Decimal(0) for p in parts))
        supply = SupplyState.UNKNOWN
        if self.supply is not None:
            raw = registers.get((self.supply.state_function, self.supply.state_address))
            if raw is not None:
                supply = self.supply.state_of(raw)
        flags = frozenset(
            bit.flag
            for bit in self.flags
            if (raw_flag := self._raw(registers, bit.role)) is not None and raw_flag & bit.mask
        )
        count = value(Role.PURCHASE_COUNT)
        return MeterReading(
            meter_key=meter_key,
            taken_at=taken_at,
            medium=self.medium,
            total=total,
            tou=tou,
            power_kw=value(Role.POWER),
            voltage_v=value(Role.VOLTAGE),
            current_a=value(Role.CURRENT),
            power_factor=value(Role.POWER_FACTOR),
            flow_rate=value(Role.FLOW_RATE),
            meter_balance=value(Role.BALANCE),
            purchase_count=int(count) if count is not None else None,
            remaining_volume=value(Role.REMAINING_VOLUME),
            battery_v=value(Role.BATTERY),
            supply=supply,
            flags=flags,
        )

    def _function_for(self, fld: Field) -> int:
        for block in self.blocks:
            if block.covers(fld):
                return block.function
        raise DecodeError(f"{self.key}: no block for {fld.role}")  # pragma: no cover

    def _raw(self, registers: Mapping[tuple[int, int], int], role: Role) -> int | None:
        fld = self.field(role)
        if fld is None:
            return None
        return registers.get((self._function_for(fld), fld.address))


def plan_blocks(fields: Iterable[Field], function: int, max_gap: int = 16) -> tuple[Block, ...]:
    """Group fields into as few reads as possible; a 32-bit value is never split.

    Fields closer than ``max_gap`` registers share a block (reading a few unused registers is
    cheaper on the wire than another request/response pair).
    """
    spans = sorted((f.address, f.address + f.words) for f in fields)
    blocks: list[Block] = []
    start, end = spans[0]
    for lo, hi in spans[1:]:
        if lo - end <= max_gap and max(end, hi) - start <= MAX_READ_REGISTERS:
            end = max(end, hi)
        else:
            blocks.append(Block(function, start, end - start))
            start, end = lo, hi
    blocks.append(Block(function, start, end - start))
    return tuple(blocks)
