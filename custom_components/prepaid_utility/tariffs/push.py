"""Writing a tariff into Acrel prepaid meters: the four period prices and the day tables.

Registers (docs/meter-registers.md): the sharp/peak/flat/valley prices are u32 words in the
prepaid-parameter block at 0x0046 (written whole with function 0xAA, raw unit 0.01 of the
currency, "verify"); a day table is 14 slots of (tariff code, minute, hour) at 0x2006/0x201B
(DDSY1352) or 0x2000/0x2015 (DTSY1352), written with FC10. Both day tables get the same table:
the map does not say when the meter uses the second one. Every write is read back.

What a meter cannot hold is refused before anything is written: prices finer than 0.01, tier
blocks (no block registers are known), more than 14 switching points a day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from homeassistant.exceptions import HomeAssistantError

from ..billing.errors import Refused
from ..billing.quantity import UtilityKind
from ..billing.schedule import TouPeriod
from ..billing.tariff import Tariff
from ..const import DOMAIN
from ..meters.commands import (
    TouSlot,
    read_prepaid_parameters,
    write_prepaid_parameters,
    write_tou_day_table,
)
from ..meters.modbus_meter import ModbusMeter
from ..meters.profiles.acrel import TOU_SLOTS
from ..meters.reading import ControlOutcome, MeterError
from .catalog import DEFAULT_TARIFF, books, choice_at, named_tariffs, names_for, timeline
from .runtime import GatewayTariffs

TOU_FEATURE = "acrel_tou"
PERIOD_CODE = {TouPeriod.SHARP: 1, TouPeriod.PEAK: 2, TouPeriod.FLAT: 3, TouPeriod.VALLEY: 4}
CODE_PERIOD = {code: period for period, code in PERIOD_CODE.items()}
METER_PRICE_MICRO = 10_000  # the meter keeps prices in 0.01 of the currency
MAX_METER_PRICE_MICRO = (1 << 32) * METER_PRICE_MICRO


@dataclass(frozen=True, slots=True)
class PushPlan:
    """A checked push: which meter, which tariff, the prices and the day table to write."""

    tariffs: GatewayTariffs
    meter_id: str
    meter: ModbusMeter
    tariff_name: str
    prices: dict[TouPeriod, Decimal]
    slots: list[TouSlot]


def _slots(tariff: Tariff) -> list[TouSlot]:
    if tariff.schedule is None:
        return [TouSlot(PERIOD_CODE[TouPeriod.FLAT], 0, 0)]
    return [
        TouSlot(PERIOD_CODE[period], start // 60, start % 60)
        for start, period in tariff.schedule.weekday.slots
    ]


def check_pushable(tariffs: GatewayTariffs, meter_id: str, name: str | None) -> PushPlan:
    """Return what to write, or refuse (translated) a meter or tariff that cannot take it."""
    setup = tariffs.meters[meter_id]
    meter = setup.meter
    if not isinstance(meter, ModbusMeter) or TOU_FEATURE not in meter.profile.features:
        raise Refused("meter_cannot_take_tariff", meter=setup.name)
    status = tariffs.entry.runtime_data.coordinator.data.meters.get(meter_id)
    if status is None or not status.online:
        raise Refused("meter_offline", meter=setup.name)
    kind = UtilityKind.ELECTRICITY
    options = tariffs.entry.options
    if name is None:
        holder = tariffs.holders().get(meter_id)
        name = DEFAULT_TARIFF
        if holder is not None:
            name = choice_at(
                timeline(options, holder, tariffs.accounts()[holder], kind), tariffs.now()
            )
    elif name not in names_for(options, kind):
        if name in named_tariffs(options):
            raise Refused("tariff_wrong_utility", tariff=name, utility=kind.value)
        raise Refused("unknown_tariff", tariff=name)
    tariff = books(options, kind, tariffs.timezone)[name].at(tariffs.now())
    if tariff.tiers:
        raise Refused("tariff_not_for_meter", tariff=name, meter=setup.name)
    micro = {p: tariff.unit_price(p, 0) for p in tariff.prices_micro}
    if any(m % METER_PRICE_MICRO or m >= MAX_METER_PRICE_MICRO for m in micro.values()):
        raise Refused("price_not_representable", tariff=name, meter=setup.name)
    slots = _slots(tariff)
    if len(slots) > TOU_SLOTS:
        raise Refused("tou_table_too_long", tariff=name, meter=setup.name)
    # Periods the table never uses still need a register value: the flat price (or the lowest).
    fallback = micro.get(TouPeriod.FLAT, min(micro.values()))
    prices = {p: Decimal(micro.get(p, fallback)) / 1_000_000 for p in TouPeriod}
    return PushPlan(tariffs, meter_id, meter, name, prices, slots)


def _failed(plan: PushPlan, what: str) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="tariff_push_failed",
        translation_placeholders={"meter": plan.tariffs.meters[plan.meter_id].name, "what": what},
    )


async def async_push_tariff(plan: PushPlan) -> dict[str, Any]:
    """Write the prices and both day tables, read them back; raise if the meter disagrees."""
    meter = plan.meter
    try:
        params = await read_prepaid_parameters(meter)
        wanted = replace(
            params,
            price_sharp=plan.prices[TouPeriod.SHARP],
            price_peak=plan.prices[TouPeriod.PEAK],
            price_flat=plan.prices[TouPeriod.FLAT],
            price_valley=plan.prices[TouPeriod.VALLEY],
        )
        outcome, back = await write_prepaid_parameters(meter, wanted)
        # The meter deducts its balance between write and read-back: compare the prices only.
        if back is None or [
            back.price_sharp,
            back.price_peak,
            back.price_flat,
            back.price_valley,
        ] != [plan.prices[p] for p in TouPeriod]:
            raise _failed(plan, "prices")
        tables = []
        for table in (0, 1):
            outcome, slots = await write_tou_day_table(meter, table, plan.slots)
            if outcome is not ControlOutcome.VERIFIED or slots is None:
                raise _failed(plan, f"day table {table + 1}")
            tables.append(slots)
    except MeterError as err:
        raise Refused("meter_offline", meter=plan.tariffs.meters[plan.meter_id].name) from err
    return {
        "meter": plan.meter_id,
        "tariff": plan.tariff_name,
        "prices": {p.value: str(plan.prices[p]) for p in TouPeriod},
        "day_table": [
            f"{s.hour:02d}:{s.minute:02d} {CODE_PERIOD[s.tariff].value}"
            for s in tables[0][: len(plan.slots)]
        ],
        "verified": True,
    }
