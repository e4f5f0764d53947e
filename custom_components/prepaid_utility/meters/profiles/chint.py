"""CHINT DDSU666 (single phase) and DTSU666 (three phase): float32 registers, no relay.

Sources, cross-checked register by register:

* DDSU666 - Tasmota ``xnrg_11_ddsu666.ino`` and OpenEMS ``MeterChintDdsu666Impl`` agree on
  float32 high word first at 0x2000 voltage (V), 0x2002 current (A), 0x2004 active power
  (kW), 0x4000 import energy (kWh). Power factor at 0x200A is Tasmota's alone. They disagree on
  the function code (Tasmota reads with FC04, OpenEMS with FC03); FC03 is used here and not
  confirmed by a second source: if a meter refuses it, the custom profile can read FC04.
* DTSU666 - mbmd ``meters/rs485/dtsu666.go`` and the manual's table transcribed in
  gerontec/dtsu666 agree on 0x2006 voltage L1, 0x200C current L1, 0x2012 total power,
  0x202A power factor (FC03, float32). The import counter is where the variants differ:
  mbmd reads 0x101E, the manual transcript and Tasmota's DTSU666-H driver
  (``xnrg_26_dtsu666h.ino``) read 0x401E. Scales differ too: mbmd's DTSU666 reports 0.1 V,
  0.001 A and 0.1 W units, Tasmota's DTSU666-H plain V, A and kW. Hence two profiles; neither
  variant's pairing of scale and import register is confirmed by two sources (mbmd alone for
  ``chint_dtsu666``, Tasmota alone for ``chint_dtsu666h``), so a new install should compare
  the counter with the meter's display once. The bus scan tells them apart by the voltage's
  scale.
"""

from __future__ import annotations

from decimal import Decimal

from ..decode import DataType
from ..reading import Medium
from .base import Block, Field, Profile, Role

F32 = DataType.F32
ONE = Decimal(1)

DDSU666 = Profile(
    key="chint_ddsu666",
    name="CHINT DDSU666",
    medium=Medium.ELECTRICITY,
    blocks=(Block(3, 0x2000, 0x0C), Block(3, 0x4000, 2)),
    fields=(
        Field(Role.VOLTAGE, 0x2000, F32, ONE),
        Field(Role.CURRENT, 0x2002, F32, ONE),
        Field(Role.POWER, 0x2004, F32, ONE),
        Field(Role.POWER_FACTOR, 0x200A, F32, ONE),
        Field(Role.TOTAL, 0x4000, F32, ONE),
    ),
)

DTSU666 = Profile(
    key="chint_dtsu666",
    name="CHINT DTSU666 (import at 0x101E)",
    medium=Medium.ELECTRICITY,
    blocks=(Block(3, 0x2006, 0x26), Block(3, 0x101E, 2)),
    fields=(
        Field(Role.VOLTAGE, 0x2006, F32, Decimal("0.1")),
        Field(Role.CURRENT, 0x200C, F32, Decimal("0.001")),
        Field(Role.POWER, 0x2012, F32, Decimal("0.0001")),  # 0.1 W units, read as kW
        Field(Role.POWER_FACTOR, 0x202A, F32, Decimal("0.001")),
        Field(Role.TOTAL, 0x101E, F32, ONE),
    ),
)

DTSU666H = Profile(
    key="chint_dtsu666h",
    name="CHINT DTSU666-H (import at 0x401E)",
    medium=Medium.ELECTRICITY,
    blocks=(Block(3, 0x2006, 0x26), Block(3, 0x401E, 2)),
    fields=(
        Field(Role.VOLTAGE, 0x2006, F32, ONE),
        Field(Role.CURRENT, 0x200C, F32, ONE),
        Field(Role.POWER, 0x2012, F32, ONE),
        Field(Role.POWER_FACTOR, 0x202A, F32, ONE),
        Field(Role.TOTAL, 0x401E, F32, ONE),
    ),
)
