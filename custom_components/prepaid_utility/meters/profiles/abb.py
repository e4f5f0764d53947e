"""ABB B21 (single phase) and B23 / B24 (three phase, B24 CT-connected): same register map.

Sources: volkszaehler mbmd ``meters/rs485/abb.go`` and Victron's dbus-modbus-client
``abb.py`` agree (holding registers, high word first): import energy 0x5000 u64 x0.01 kWh,
voltage L1 0x5B00 u32 x0.1 V, current L1 0x5B0C u32 x0.01 A, total active power 0x5B14 s32
x0.01 W. Power factor 0x5B3A s16 x0.001 is mbmd's alone. The model register 0x8960 (ASCII
``"B21 "``, ``"B23 "``, ``"B24 "``) is Victron's alone; the scan uses it and falls back to
plausible values when it is refused.
"""

from __future__ import annotations

from decimal import Decimal

from ..decode import DataType
from ..reading import Medium
from .base import Block, Field, Profile, Role

MODEL_ADDRESS = 0x8960
MODEL_B21 = int.from_bytes(b"B21 ", "big")
MODEL_B23 = int.from_bytes(b"B23 ", "big")
MODEL_B24 = int.from_bytes(b"B24 ", "big")

_BLOCKS = (Block(3, 0x5000, 4), Block(3, 0x5B00, 0x3B))
_FIELDS = (
    Field(Role.TOTAL, 0x5000, DataType.U64, Decimal("0.01")),
    Field(Role.VOLTAGE, 0x5B00, DataType.U32, Decimal("0.1")),
    Field(Role.CURRENT, 0x5B0C, DataType.U32, Decimal("0.01")),
    Field(Role.POWER, 0x5B14, DataType.S32, Decimal("0.00001")),  # 0.01 W, read as kW
    Field(Role.POWER_FACTOR, 0x5B3A, DataType.S16, Decimal("0.001")),
)

B21 = Profile(
    key="abb_b21", name="ABB B21", medium=Medium.ELECTRICITY, blocks=_BLOCKS, fields=_FIELDS
)
B23 = Profile(
    key="abb_b23", name="ABB B23 / B24", medium=Medium.ELECTRICITY, blocks=_BLOCKS, fields=_FIELDS
)
