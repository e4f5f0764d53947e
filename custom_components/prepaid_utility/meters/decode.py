"""Register words to numbers and back: u16/s16/u32/s32/float32, word order, Decimal scale.

Counters never pass through a float that is kept: float32 counters are turned into Decimal via
their shortest ``str`` and quantised to the counter resolution.
"""

from __future__ import annotations

import math
import struct
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum


class DataType(StrEnum):
    """How a value is stored in registers."""

    U16 = "u16"
    S16 = "s16"
    U32 = "u32"
    S32 = "s32"
    F32 = "f32"
    U64 = "u64"  # ABB's energy counters (4 registers, high word first)


class WordOrder(StrEnum):
    """Order of the two 16-bit words of a 32-bit value (bytes inside a word are big-endian)."""

    BIG = "big"  # high word first (Acrel, Eastron, Hiking)
    LITTLE = "little"  # low word first (Xintai water meters)


WORDS = {
    DataType.U16: 1,
    DataType.S16: 1,
    DataType.U32: 2,
    DataType.S32: 2,
    DataType.F32: 2,
    DataType.U64: 4,
}


class DecodeError(ValueError):
    """A register value cannot be decoded (NaN/inf float, missing register)."""


def _pair(words: list[int], order: WordOrder) -> bytes:
    high, low = (words[0], words[1]) if order is WordOrder.BIG else (words[1], words[0])
    return struct.pack(">HH", high, low)


def raw_value(words: list[int], dtype: DataType, order: WordOrder = WordOrder.BIG) -> int | float:
    """Return the raw number stored in ``words`` (1 or 2 registers)."""
    if dtype is DataType.U16:
        return words[0] & 0xFFFF
    if dtype is DataType.S16:
        value: int = struct.unpack(">h", struct.pack(">H", words[0] & 0xFFFF))[0]
        return value
    if dtype is DataType.U64:
        quad = words[:4] if order is WordOrder.BIG else words[3::-1]
        return int.from_bytes(struct.pack(">4H", *quad), "big")
    data = _pair(words, order)
    if dtype is DataType.U32:
        unsigned: int = struct.unpack(">I", data)[0]
        return unsigned
    if dtype is DataType.S32:
        signed: int = struct.unpack(">i", data)[0]
        return signed
    number: float = struct.unpack(">f", data)[0]
    return number


def to_decimal(
    words: list[int],
    dtype: DataType,
    scale: Decimal,
    order: WordOrder = WordOrder.BIG,
    resolution: Decimal | None = None,
) -> Decimal:
    """Decode ``words`` and scale to a Decimal, quantised to ``resolution`` when given.

    Integers are scaled exactly. A float32 goes through ``repr`` (its shortest exact-enough
    decimal form) and is then quantised, so 1234.56 stays 1234.56, never 1234.5600585.
    """
    raw = raw_value(words, dtype, order)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise DecodeError(f"non-finite float {raw!r}")
        value = Decimal(repr(raw)) * scale
    else:
        value = Decimal(raw) * scale
    if resolution is not None:
        return value.quantize(resolution, rounding=ROUND_HALF_EVEN)
    return value


def encode_value(
    value: int | float, dtype: DataType, order: WordOrder = WordOrder.BIG
) -> list[int]:
    """Return the registers that hold ``value`` (the inverse of ``raw_value``)."""
    if dtype is DataType.U16:
        return [int(value) & 0xFFFF]
    if dtype is DataType.S16:
        return [struct.unpack(">H", struct.pack(">h", int(value)))[0]]
    if dtype is DataType.U64:
        quad = list(struct.unpack(">4H", struct.pack(">Q", int(value) & (1 << 64) - 1)))
        return quad if order is WordOrder.BIG else quad[::-1]
    if dtype is DataType.U32:
        data = struct.pack(">I", int(value) & 0xFFFFFFFF)
    elif dtype is DataType.S32:
        data = struct.pack(">i", int(value))
    else:
        data = struct.pack(">f", float(value))
    high, low = struct.unpack(">HH", data)
    return [high, low] if order is WordOrder.BIG else [low, high]


def encode_scaled(
    value: Decimal, dtype: DataType, scale: Decimal, order: WordOrder = WordOrder.BIG
) -> list[int]:
    """Return the registers for a Decimal in engineering units (inverse of ``to_decimal``)."""
    if dtype is DataType.F32:
        return encode_value(float(value / scale), dtype, order)
    return encode_value(int((value / scale).to_integral_value()), dtype, order)
