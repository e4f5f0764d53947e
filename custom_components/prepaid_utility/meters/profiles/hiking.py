"""Hiking DDS238-2 ZN/SR: a cheap DIN meter with a relay at 0x001A (FC16 writes only).

Scales of U/I/P are from the manual (verify on a real meter: a wrong guess is one line here).
"""

from __future__ import annotations

from decimal import Decimal

from ..decode import DataType
from ..reading import Medium
from .base import Block, Field, Profile, Role, SupplyControl

RELAY_ADDRESS = 0x001A

DDS238 = Profile(
    key="hiking_dds238",
    name="Hiking DDS238-2 ZN/SR",
    medium=Medium.ELECTRICITY,
    blocks=(Block(3, 0x0000, 0x1B),),
    fields=(
        Field(Role.TOTAL, 0x0000, DataType.U32, Decimal("0.01")),
        Field(Role.VOLTAGE, 0x000C, DataType.U16, Decimal("0.1")),
        Field(Role.CURRENT, 0x000D, DataType.U16, Decimal("0.01")),
        Field(Role.POWER, 0x000E, DataType.S16, Decimal("0.001")),
    ),
    supply=SupplyControl(
        write_function=16,
        write_address=RELAY_ADDRESS,
        on_values=(1,),
        off_values=(0,),
        state_address=RELAY_ADDRESS,
        state_mask=0xFFFF,
        on_pattern=1,
        off_pattern=0,
    ),
)
