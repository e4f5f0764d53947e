"""Acrel meter-side commands: the prepaid-parameter block, top-ups with purchase count, TOU.

Every write is read back while the meter's lock is held, so polls of that meter wait until
the result is known.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from decimal import Decimal

from .decode import DataType, encode_value, raw_value
from .modbus_meter import ModbusMeter
from .profiles.acrel import (
    PREPAID_BLOCK_ADDRESS,
    PREPAID_BLOCK_COUNT,
    TOU_SLOTS,
    TOU_TABLE_REGISTERS,
    VENDOR_WRITE_FUNCTION,
    tou_tables,
)
from .reading import ControlOutcome, MeterCorruptReply, MeterError, MeterTimeout

CENT = Decimal("0.01")

# Offsets of the fields inside the 28-register block at 0x0046 (u32 unless noted).
_U32_FIELDS = {
    "alarm_1": 0x00,
    "alarm_2": 0x02,
    "overdraft": 0x04,
    "remaining": 0x09,
    "price_sharp": 0x13,
    "price_peak": 0x15,
    "price_flat": 0x17,
    "price_valley": 0x19,
}
_PURCHASE_COUNT = 0x08  # u16
_POWER_LIMIT = 0x1B  # u16


@dataclass(frozen=True, slots=True)
class PrepaidParameters:
    """The prepaid-parameter block, amounts in currency units at 0.01 (unit: verify).

    ``raw`` keeps all 28 words so registers this class does not name survive a write.
    """

    alarm_1: Decimal
    alarm_2: Decimal
    overdraft: Decimal
    purchase_count: int
    remaining: Decimal
    price_sharp: Decimal
    price_peak: Decimal
    price_flat: Decimal
    price_valley: Decimal
    power_limit: int
    raw: tuple[int, ...]

    @classmethod
    def from_registers(cls, words: list[int]) -> PrepaidParameters:
        """Decode the 28 registers read at 0x0046."""
        if len(words) != PREPAID_BLOCK_COUNT:
            raise MeterCorruptReply(f"prepaid block has {len(words)} registers")
        amounts = {
            name: Decimal(int(raw_value(words[off : off + 2], DataType.U32))) * CENT
            for name, off in _U32_FIELDS.items()
        }
        return cls(
            purchase_count=words[_PURCHASE_COUNT],
            power_limit=words[_POWER_LIMIT],
            raw=tuple(words),
            **amounts,
        )

    def to_registers(self) -> list[int]:
        """Encode to the 28 registers written with 0xAA."""
        words = list(self.raw)
        for name, off in _U32_FIELDS.items():
            value: Decimal = getattr(self, name)
            words[off : off + 2] = encode_value(int(value / CENT), DataType.U32)
        words[_PURCHASE_COUNT] = self.purchase_count & 0xFFFF
        words[_POWER_LIMIT] = self.power_limit & 0xFFFF
        return words


@dataclass(frozen=True, slots=True)
class TopUpResult:
    """What a meter-side top-up achieved, proven by the purchase count read back."""

    outcome: ControlOutcome
    purchase_count_before: int
    purchase_count_after: int | None
    remaining_after: Decimal | None
    writes: int
    detail: str = ""


async def read_prepaid_parameters(meter: ModbusMeter) -> PrepaidParameters:
    """Read the 28-register prepaid block with FC03."""
    async with meter.exclusive():
        return await _read_params(meter)


async def _read_params(meter: ModbusMeter) -> PrepaidParameters:
    words = await meter.hub.read_registers(
        meter.device_id, 3, PREPAID_BLOCK_ADDRESS, PREPAID_BLOCK_COUNT, meter_key=meter.key
    )
    return PrepaidParameters.from_registers(words)


async def write_prepaid_parameters(
    meter: ModbusMeter, params: PrepaidParameters
) -> tuple[ControlOutcome, PrepaidParameters | None]:
    """Write the block with function 0xAA and read it back; verified when every word matches."""
    async with meter.exclusive():
        return await _write_params(meter, params)


async def _write_params(
    meter: ModbusMeter, params: PrepaidParameters
) -> tuple[ControlOutcome, PrepaidParameters | None]:
    words = params.to_registers()
    # A lost reply is ambiguous: the read-back decides.
    with contextlib.suppress(MeterTimeout, MeterCorruptReply):
        await meter.hub.write_registers(
            meter.device_id,
            PREPAID_BLOCK_ADDRESS,
            words,
            function=VENDOR_WRITE_FUNCTION,
            meter_key=meter.key,
        )
    try:
        back = await _read_params(meter)
    except MeterError:
        return ControlOutcome.UNKNOWN, None
    ok = back.to_registers() == words
    return (ControlOutcome.VERIFIED if ok else ControlOutcome.MISMATCH), back


async def top_up(
    meter: ModbusMeter, amount: Decimal, *, expected_purchase_count: int | None = None
) -> TopUpResult:
    """Add ``amount`` to the meter-side balance exactly once.

    Writes remaining + amount with purchase count + 1. If the caller passes the purchase count
    it saw before deciding to top up and the meter already shows one more, the top-up landed
    earlier (a retry after a lost reply) and nothing is written. A lost write reply is resolved
    by reading the count back, never by writing again blindly.
    """
    if amount <= 0:
        raise ValueError("top-up amount must be positive")
    async with meter.exclusive():
        before = await _read_params(meter)
        if expected_purchase_count is not None and before.purchase_count == (
            (expected_purchase_count + 1) & 0xFFFF
        ):
            return TopUpResult(
                ControlOutcome.VERIFIED,
                expected_purchase_count,
                before.purchase_count,
                before.remaining,
                0,
                "already applied",
            )
        if expected_purchase_count is not None and before.purchase_count != expected_purchase_count:
            return TopUpResult(
                ControlOutcome.MISMATCH,
                expected_purchase_count,
                before.purchase_count,
                before.remaining,
                0,
                "purchase count moved: someone else topped up",
            )
        wanted = replace(
            before,
            remaining=before.remaining + amount,
            purchase_count=(before.purchase_count + 1) & 0xFFFF,
        )
        outcome, back = await _write_params(meter, wanted)
        if back is None:
            return TopUpResult(ControlOutcome.UNKNOWN, before.purchase_count, None, None, 1)
        landed = back.purchase_count == wanted.purchase_count
        # The meter keeps deducting between read and read-back, so the remaining amount may be
        # a little below what was written; the purchase count is the proof.
        outcome = ControlOutcome.VERIFIED if landed else ControlOutcome.MISMATCH
        return TopUpResult(outcome, before.purchase_count, back.purchase_count, back.remaining, 1)


@dataclass(frozen=True, slots=True)
class TouSlot:
    """One switching point of a day table: from hour:minute on, ``tariff`` applies.

    Tariff codes: 1 sharp, 2 peak, 3 flat, 4 valley (0- or 1-based: verify on a meter).
    """

    tariff: int
    hour: int
    minute: int


def encode_day_table(slots: list[TouSlot]) -> list[int]:
    """Pack 14 slots (tariff, minute, hour as bytes; unused slots repeat the last) in 21 words."""
    if not 1 <= len(slots) <= TOU_SLOTS:
        raise ValueError(f"a day table has 1..{TOU_SLOTS} slots")
    for slot in slots:
        if not (0 <= slot.tariff <= 4 and 0 <= slot.hour <= 23 and 0 <= slot.minute <= 59):
            raise ValueError(f"bad slot {slot}")
    padded = slots + [slots[-1]] * (TOU_SLOTS - len(slots))
    data = bytes(b for s in padded for b in (s.tariff, s.minute, s.hour))
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def decode_day_table(words: list[int]) -> list[TouSlot]:
    """Unpack 21 words into 14 slots."""
    data = b"".join(w.to_bytes(2, "big") for w in words)
    return [TouSlot(data[i], data[i + 2], data[i + 1]) for i in range(0, len(data), 3)]


async def write_tou_day_table(
    meter: ModbusMeter, table: int, slots: list[TouSlot]
) -> tuple[ControlOutcome, list[TouSlot] | None]:
    """Write day table 0 or 1 with FC10 and read it back."""
    address = tou_tables(meter.profile)[table]
    words = encode_day_table(slots)
    async with meter.exclusive():
        with contextlib.suppress(MeterTimeout, MeterCorruptReply):
            await meter.hub.write_registers(meter.device_id, address, words, meter_key=meter.key)
        try:
            back = await meter.hub.read_registers(
                meter.device_id, 3, address, TOU_TABLE_REGISTERS, meter_key=meter.key
            )
        except MeterError:
            return ControlOutcome.UNKNOWN, None
    outcome = ControlOutcome.VERIFIED if back == words else ControlOutcome.MISMATCH
    return outcome, decode_day_table(back)


async def read_tou_day_table(meter: ModbusMeter, table: int) -> list[TouSlot]:
    """Read day table 0 or 1."""
    address = tou_tables(meter.profile)[table]
    async with meter.exclusive():
        words = await meter.hub.read_registers(
            meter.device_id, 3, address, TOU_TABLE_REGISTERS, meter_key=meter.key
        )
    return decode_day_table(words)


async def release_relay(meter: ModbusMeter) -> None:
    """Hand the Acrel relay back to the meter's own prepaid logic (force control off)."""
    async with meter.exclusive():
        await meter.hub.write_registers(meter.device_id, 0x0057, [0, 0], meter_key=meter.key)
