"""A valve-controlled water meter with the Kaifeng Xintai map (FC03, float32 low word first).

Valve state and command share 0x001C: read bits 1 open, 2 closed, 4 fault, 8 low battery;
write (FC06) 1 open, 2 close.
"""

from __future__ import annotations

from decimal import Decimal

from ..decode import DataType, WordOrder
from ..reading import Medium, MeterFlag
from .base import Block, Field, FlagBit, Profile, Role, SupplyControl

VALVE_ADDRESS = 0x001C
LITTLE = WordOrder.LITTLE
ONE = Decimal(1)

WATER_VALVE = Profile(
    key="xintai_water",
    name="Valve water meter (Xintai map)",
    medium=Medium.WATER,
    blocks=(Block(3, 0x0001, 0x1C),),
    fields=(
        Field(Role.TOTAL, 0x0001, DataType.F32, ONE, LITTLE),
        Field(Role.FLOW_RATE, 0x0005, DataType.F32, ONE, LITTLE),
        Field(Role.REMAINING_VOLUME, 0x0008, DataType.F32, ONE, LITTLE),
        Field(Role.BATTERY, 0x001A, DataType.U16, Decimal("0.01")),
        Field(Role.STATUS, VALVE_ADDRESS),
    ),
    flags=(
        FlagBit(Role.STATUS, 0x0004, MeterFlag.VALVE_FAULT),
        FlagBit(Role.STATUS, 0x0008, MeterFlag.LOW_BATTERY),
    ),
    supply=SupplyControl(
        write_function=6,
        write_address=VALVE_ADDRESS,
        on_values=(1,),
        off_values=(2,),
        state_address=VALVE_ADDRESS,
        state_mask=0x0003,
        on_pattern=1,
        off_pattern=2,
    ),
)
