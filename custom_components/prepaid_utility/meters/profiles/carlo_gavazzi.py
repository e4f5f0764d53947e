"""Carlo Gavazzi EM111 / EM112 / ET112 (single phase): INT32 values, low word first.

Sources: Victron's dbus-modbus-client ``carlo_gavazzi.py`` (ET112: 0x0000 voltage x0.1 V,
0x0002 current x0.001 A, 0x0004 power x0.1 W, 0x000E power factor x0.001, 0x0010 import
x0.1 kWh, all signed 32-bit low word first; model id at 0x000B, 120/121 for ET112) and
evcc's ``cg-emt1xx.yaml`` template for EM110/111/112 and ET112 (0x0004 power x0.1 W and
0x0010 import x0.1 kWh, input registers). Addresses and scales agree. The two disagree on
the word order (evcc decodes ``int32``, high word first) and on the function (Victron reads
holding registers); this profile follows Victron's low-word-first order with FC04 as evcc
does - neither choice is confirmed by both sources. A wrong word order shows at once as an
absurd counter, which the bus scan's plausibility check refuses. Voltage, current and power
factor come from Victron alone. The EM111/EM112 model ids are not in either source, so the
scan recognises these meters by plausible values rather than by id.
"""

from __future__ import annotations

from decimal import Decimal

from ..decode import DataType, WordOrder
from ..reading import Medium
from .base import Block, Field, Profile, Role

LOW = WordOrder.LITTLE
MODEL_ID_ADDRESS = 0x000B
ET112_MODEL_IDS = frozenset({120, 121})

EM111 = Profile(
    key="carlo_gavazzi_em111",
    name="Carlo Gavazzi EM111 / EM112 / ET112",
    medium=Medium.ELECTRICITY,
    blocks=(Block(4, 0x0000, 0x12),),
    fields=(
        Field(Role.VOLTAGE, 0x0000, DataType.S32, Decimal("0.1"), LOW),
        Field(Role.CURRENT, 0x0002, DataType.S32, Decimal("0.001"), LOW),
        Field(Role.POWER, 0x0004, DataType.S32, Decimal("0.0001"), LOW),  # 0.1 W, read as kW
        Field(Role.POWER_FACTOR, 0x000E, DataType.S16, Decimal("0.001")),
        Field(Role.TOTAL, 0x0010, DataType.S32, Decimal("0.1"), LOW),
    ),
)
