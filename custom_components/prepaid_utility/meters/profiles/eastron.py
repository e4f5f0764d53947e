"""Eastron SDM120 / SDM230 / SDM72 / SDM630: read-only, float32 input registers (FC04).

One FC04 read of 0x0000..0x004B covers voltage, current, power, PF and the import counter.

SDM72 and SDM230 are cross-checked against volkszaehler mbmd (``sdm72.go``, ``sdm72v2.go``,
``sdm230.go``) and nmakel/sdm_modbus (``sdm.py``): both give import 0x0048 (kWh) and total
power 0x0034 (SDM72, W) / 0x000C (SDM230, W); voltage 0x0000, current 0x0006, power factor
0x003E (SDM72 V2) / 0x001E (SDM230). The SDM72 v1 profile reads only power and import, as
mbmd does: sdm_modbus lists voltage and current for "SDM72" at the V2 addresses, but mbmd's
v1 map has none, so they are not read (unconfirmed). evcc's templates for these meters use
mbmd's maps, so they are not an independent source.

Identity: holding registers 0xFC00 (serial, u32) and 0xFC02 (meter code, u16), read with FC03.
Eastron's SDM630MCT manual documents 0xFC02 as the meter code; the Victron Venus OS Eastron
driver (Telekatz/venus.dbus-modbus-eastron ``Eastron.py``) probes models by it, and a SmartEVSE
firmware reads 0xFC00/0xFC02 as serial and meter code. Two independent sources agree on the
code of two models only: 0x0020 SDM120 (the Eastron driver and a separate Venus OS SDM120
module) and 0x0089 SDM72D-M V2 (the Eastron driver and a separate Venus OS SDM72DM-V2 driver).
The driver alone gives 0x002B SDM230, 0x0070 SDM630 and 0x0084 SDM72D-M: the scan takes those
as a hint, orders the candidates by it, and lets the user pick.
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

SDM72 = Profile(
    key="eastron_sdm72",
    name="Eastron SDM72 (v1: no voltage or current)",
    medium=Medium.ELECTRICITY,
    blocks=(Block(4, 0x0034, 0x16),),
    fields=(
        Field(Role.POWER, 0x0034, F32, Decimal("0.001")),
        Field(Role.TOTAL, 0x0048, F32, ONE),
    ),
)

SDM72V2 = Profile(
    key="eastron_sdm72v2",
    name="Eastron SDM72 V2",
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

SDM230 = Profile(
    key="eastron_sdm230",
    name="Eastron SDM230",
    medium=Medium.ELECTRICITY,
    blocks=(Block(4, 0x0000, 0x4C),),
    fields=(
        Field(Role.VOLTAGE, 0x0000, F32, ONE),
        Field(Role.CURRENT, 0x0006, F32, ONE),
        Field(Role.POWER, 0x000C, F32, Decimal("0.001")),
        Field(Role.POWER_FACTOR, 0x001E, F32, ONE),
        Field(Role.TOTAL, 0x0048, F32, ONE),
    ),
)

SERIAL_ADDRESS = 0xFC00  # u32, FC03
METER_CODE_ADDRESS = 0xFC02  # u16, FC03

#: Meter codes two public sources agree on: the scan trusts these.
CONFIRMED_CODES: dict[int, str] = {0x0020: SDM120.key, 0x0089: SDM72V2.key}
#: Meter codes one source gives: a hint that orders the candidates, never a decision.
HINTED_CODES: dict[int, str] = {0x002B: SDM230.key, 0x0070: SDM630.key, 0x0084: SDM72.key}
#: Models that read the same registers for everything a profile uses, by phase count.
SAME_MAP = {1: (SDM120.key, SDM230.key), 3: (SDM630.key, SDM72V2.key)}
