"""Every profile decoded from the simulator over a real socket, plus decode edge cases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from custom_components.prepaid_utility.meters.decode import (
    DataType,
    WordOrder,
    encode_value,
    to_decimal,
)
from custom_components.prepaid_utility.meters.modbus_meter import ModbusMeter
from custom_components.prepaid_utility.meters.profiles import (
    DDS238,
    DDSY1352,
    DTSY1352,
    PROFILES,
    SDM120,
    SDM630,
    WATER_VALVE,
    profile_from_data,
)
from custom_components.prepaid_utility.meters.profiles.base import Block, Field, Role
from custom_components.prepaid_utility.meters.reading import Medium, Meter, SupplyState


def test_decode_types_and_word_order() -> None:
    assert to_decimal([0x0001, 0x86A0], DataType.U32, Decimal("0.01")) == Decimal("1000.00")
    assert to_decimal([0x86A0, 0x0001], DataType.U32, Decimal("0.01"), WordOrder.LITTLE) == Decimal(
        "1000.00"
    )
    assert to_decimal([0xFFFF], DataType.S16, Decimal("0.001")) == Decimal("-0.001")
    words = encode_value(1234.56, DataType.F32)
    assert to_decimal(words, DataType.F32, Decimal(1), resolution=Decimal("0.01")) == Decimal(
        "1234.56"
    )
    little = encode_value(12.345, DataType.F32, WordOrder.LITTLE)
    assert to_decimal(
        little, DataType.F32, Decimal(1), WordOrder.LITTLE, Decimal("0.001")
    ) == Decimal("12.345")
    assert to_decimal(encode_value(-5, DataType.S32), DataType.S32, Decimal(1)) == -5


def test_profiles_never_split_32_bit_values() -> None:
    with pytest.raises(ValueError, match="in no block"):
        type(DDSY1352)(
            key="bad",
            name="bad",
            medium=Medium.ELECTRICITY,
            blocks=(Block(3, 0, 1),),
            fields=(Field(Role.TOTAL, 0, DataType.U32),),
        )
    for profile in PROFILES.values():
        # One transaction per meter per poll, unless the map puts values too far apart.
        spread = max(f.address + f.words for f in profile.fields) - min(
            f.address for f in profile.fields
        )
        assert len(profile.blocks) == 1 or spread > 125, profile.key


async def test_every_profile_decodes_over_tcp(mixed, hub_factory, clock) -> None:
    hub = hub_factory(mixed)
    clock.advance(6 * 3600)
    expected = {1: DDSY1352, 2: DTSY1352, 3: SDM120, 4: SDM630, 5: DDS238, 6: WATER_VALVE}
    for unit, profile in expected.items():
        meter = ModbusMeter(hub, profile, unit)
        assert isinstance(meter, Meter)
        reading = await meter.read()
        sim = mixed.device(0, unit)
        assert reading.total == sim.total, profile.key
        assert reading.total > 0
        assert reading.medium is profile.medium
        assert reading.taken_at.tzinfo is not None
        if profile.supply is not None:
            assert reading.supply is SupplyState.ON, profile.key
    acrel = await ModbusMeter(hub, DDSY1352, 1).read()
    assert acrel.tou is not None
    assert sum(
        (acrel.tou.sharp, acrel.tou.peak, acrel.tou.flat, acrel.tou.valley)
    ) == pytest.approx(acrel.total, abs=Decimal("0.05"))
    assert acrel.meter_balance == Decimal("100.00")
    assert acrel.purchase_count == 0
    assert acrel.voltage_v == Decimal("230.0")
    water = await ModbusMeter(hub, WATER_VALVE, 6).read()
    assert water.remaining_volume is not None
    assert water.battery_v == Decimal("3.60")
    assert hub.stats.transactions == 8  # one per meter read


async def test_acrel_falls_back_to_legacy_map(mixed, hub_factory) -> None:
    hub = hub_factory(mixed)
    meter = ModbusMeter(hub, DDSY1352, 7)  # firmware without the 0x0200 block
    reading = await meter.read()
    assert meter.active_profile.key == "acrel_legacy"
    assert reading.total == mixed.device(0, 7).total
    before = hub.stats.transactions
    await meter.read()
    assert hub.stats.transactions == before + 1  # no second try of the live block


async def test_custom_profile_from_data(mixed, hub_factory, clock) -> None:
    clock.advance(3600)
    profile = profile_from_data(
        {
            "key": "diy_hiking",
            "medium": "electricity",
            "function": 3,
            "registers": {
                "total": {"address": 0, "type": "u32", "scale": "0.01"},
                "voltage": {"address": 12, "type": "u16", "scale": "0.1"},
                "power": {"address": 14, "type": "s16", "scale": "0.001"},
            },
            "supply": {
                "write_function": 16,
                "address": 26,
                "on": [1],
                "off": [0],
                "state_address": 26,
                "state_mask": 65535,
                "on_pattern": 1,
                "off_pattern": 0,
            },
        }
    )
    assert profile.blocks == (Block(3, 0, 27),)  # values and relay state in one read
    hub = hub_factory(mixed)
    meter = ModbusMeter(hub, profile, 5)
    reading = await meter.read()
    assert reading.total == mixed.device(0, 5).total
    assert reading.supply is SupplyState.ON
    result = await meter.set_supply(False)
    assert result.outcome == "verified"
    assert mixed.device(0, 5).supply_on is False
