"""Eastron SDM120 (single phase) and SDM630 (three phase): read-only, float32 input registers.

One FC04 read of 0x0000..0x004B covers voltage, current, power, PF and the import counter.
"""

from __future__ import annotations

from decimal import Decimal

from ..decode import DataType
from ..reading import Medium
from .base import Block, Field, Profile, Role

F32 = DataType.F32
ONE = Decimal(1)

SDM120 = Profile(
    key="eastron_sdm120",
    name="Eastron SDM120",
    medium=Medium.ELECTRICITY,
    blocks=(Block(4, 0x0000, 0x4C),),
    fields=(
        Field(Role.VOLTAGE, 0x0000, F32, ONE),
        Field(Role.CURRENT, 0x0006, F32, ONE),
        # Active power is in W on the wire; the reading carries kW.
        Field(Role.POWER, 0x000C, F32, Decimal("0.001")),
        Field(Role.POWER_FACTOR, 0x001E, F32, ONE),
        Field(Role.TOTAL, 0x0048, F32, ONE),
    ),
)

SDM630 = Profile(
    key="eastron_sdm630",
    name="Eastron SDM630",
    medium=Medium.ELECTRICITY,
    blocks=(Block(4, 0x0000, 0x4C),),
    fields=(
        Field(Role.VOLTAGE, 0x0000, F32, ONE),
        Field(Role.CURRENT, 0x0006, F32, ONE),
        Field(Role.POWER, 0x0034, F32, Decimal("0.001")),
        Field(Role.POWER_FACTOR, 0x003E, F32, ONE),
        Field(Role.TOTAL, 0x0048, F32, ONE),
    ),
)
