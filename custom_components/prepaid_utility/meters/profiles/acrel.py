"""Acrel DDSY1352 (single phase) and DTSY1352 (three phase) prepaid meters.

One FC03 read of the 48-register live block at 0x0200 gives everything a room needs; firmware
without that block falls back to the manual's 0x0000 map. Relay via FC10 at 0x0057, read back
from the status bits at 0x0224. The prepaid-parameter block (0x0046, 28 registers) and the
time-of-use day tables are handled in ``commands.py``. Register facts: docs/meter-registers.md.
"""

from __future__ import annotations

from decimal import Decimal

from ..decode import DataType
from ..reading import Medium, MeterFlag
from .base import Block, Field, FlagBit, Identify, Profile, Role, SupplyControl

METER_TYPE_ADDRESS = 0x0200
METER_TYPE_DDSY1352 = 7
METER_TYPE_DTSY1352 = 5

RELAY_ADDRESS = 0x0057
STATUS_ADDRESS = 0x0224
#: High byte of 0x0224: bits 5/6/7 are relay L1/L2/L3 closed.
RELAY_L1_CLOSED = 0x2000
RELAY_ALL_CLOSED = 0xE000

PREPAID_BLOCK_ADDRESS = 0x0046
PREPAID_BLOCK_COUNT = 28
VENDOR_WRITE_FUNCTION = 0xAA

#: Day-table addresses (two tables of 14 slots each, 21 registers per table).
TOU_TABLES_DDSY1352 = (0x2006, 0x201B)
TOU_TABLES_DTSY1352 = (0x2000, 0x2015)
TOU_SLOTS = 14
TOU_TABLE_REGISTERS = 21

CENT = Decimal("0.01")
U32 = DataType.U32
S16 = DataType.S16

LEGACY = Profile(
    key="acrel_legacy",
    name="Acrel prepaid meter (0x0000 map)",
    medium=Medium.ELECTRICITY,
    blocks=(Block(3, 0x0000, 0x11),),
    fields=(
        Field(Role.TOTAL, 0x0000, U32, CENT),
        Field(Role.SHARP, 0x0002, U32, CENT),
        Field(Role.PEAK, 0x0004, U32, CENT),
        Field(Role.FLAT, 0x0006, U32, CENT),
        Field(Role.VALLEY, 0x0008, U32, CENT),
        Field(Role.VOLTAGE, 0x000B, DataType.U16, Decimal("0.1")),
        Field(Role.CURRENT, 0x000C, DataType.U16, CENT),
        Field(Role.POWER, 0x000D, S16, Decimal("0.001")),
        Field(Role.POWER_FACTOR, 0x0010, S16, Decimal("0.001")),
    ),
)

_LIVE_FIELDS = (
    Field(Role.METER_TYPE, METER_TYPE_ADDRESS),
    Field(Role.VOLTAGE, 0x0201, DataType.U16, Decimal("0.1")),
    Field(Role.CURRENT, 0x0204, DataType.U16, CENT),
    Field(Role.POWER, 0x020A, S16, Decimal("0.001")),
    Field(Role.POWER_FACTOR, 0x0212, S16, Decimal("0.001")),
    Field(Role.TOTAL, 0x0215, U32, CENT),
    Field(Role.SHARP, 0x0217, U32, CENT),
    Field(Role.PEAK, 0x0219, U32, CENT),
    Field(Role.FLAT, 0x021B, U32, CENT),
    Field(Role.VALLEY, 0x021D, U32, CENT),
    Field(Role.BALANCE, 0x021F, U32, CENT),
    Field(Role.PURCHASE_COUNT, 0x0221),
    Field(Role.STATUS, STATUS_ADDRESS),
)

_FLAGS = (
    FlagBit(Role.STATUS, 0x0100, MeterFlag.FAULT),
    FlagBit(Role.STATUS, 0x0010, MeterFlag.OVER_POWER),
    FlagBit(Role.STATUS, 0x0020, MeterFlag.ARREARS),
    FlagBit(Role.STATUS, 0x0040, MeterFlag.ALARM_1),
    FlagBit(Role.STATUS, 0x0080, MeterFlag.ALARM_2),
)


def _relay(closed_mask: int) -> SupplyControl:
    # Word 0 = 1 forces the relay; word 1 = 1 trips it, 0 closes it (bypassing the meter's own
    # zero-balance trip). Read back the contact bits, never trust the write reply alone.
    return SupplyControl(
        write_function=16,
        write_address=RELAY_ADDRESS,
        on_values=(1, 0),
        off_values=(1, 1),
        state_address=STATUS_ADDRESS,
        state_mask=closed_mask,
        on_pattern=closed_mask,
        off_pattern=0,
    )


DDSY1352 = Profile(
    key="acrel_ddsy1352",
    name="Acrel DDSY1352 (single phase, prepaid)",
    medium=Medium.ELECTRICITY,
    blocks=(Block(3, 0x0200, 48),),
    fields=_LIVE_FIELDS,
    flags=_FLAGS,
    supply=_relay(RELAY_L1_CLOSED),
    fallback=LEGACY,
    identify=Identify(3, METER_TYPE_ADDRESS, frozenset({METER_TYPE_DDSY1352})),
    features=frozenset({"acrel_prepaid", "acrel_tou"}),
)

DTSY1352 = Profile(
    key="acrel_dtsy1352",
    name="Acrel DTSY1352 (three phase, prepaid)",
    medium=Medium.ELECTRICITY,
    blocks=(Block(3, 0x0200, 48),),
    fields=_LIVE_FIELDS,
    flags=_FLAGS,
    supply=_relay(RELAY_ALL_CLOSED),
    fallback=LEGACY,
    identify=Identify(3, METER_TYPE_ADDRESS, frozenset({METER_TYPE_DTSY1352})),
    features=frozenset({"acrel_prepaid", "acrel_tou"}),
)


def tou_tables(profile: Profile) -> tuple[int, int]:
    """Return the two day-table addresses for an Acrel profile."""
    return TOU_TABLES_DTSY1352 if profile.key == DTSY1352.key else TOU_TABLES_DDSY1352
