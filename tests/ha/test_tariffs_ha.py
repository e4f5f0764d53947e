"""Named tariffs through the real stack: the options editor, accounts' choices, billing, meters.

The simulated building runs in UTC here, so its hours are the tariff's hours. Billing is checked
in the ledger's hourly usage buckets (each keeps the quantity and the exact charge in nano-units,
so ``exact == quantity x price`` per bucket is the proof of the price used) and in the balance
(the posted cents: the exact sum, floored, with the sub-cent carry of earlier intervals).
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncGenerator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from homeassistant import config_entries
from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from sqlalchemy import select

from custom_components.prepaid_utility.billing.quantity import counter_to_milli
from custom_components.prepaid_utility.const import (
    CONF_LOW_1,
    CONF_LOW_2,
    CONF_LOW_3,
    CONF_METERS,
    CONF_ROOM,
    CONF_TENANT,
    DOMAIN,
    SUBENTRY_ACCOUNT,
)
from custom_components.prepaid_utility.ledger.schema import meter as meter_table
from custom_components.prepaid_utility.ledger.schema import usage_bucket
from custom_components.prepaid_utility.money.ledger_runtime import LEDGER_FILE
from custom_components.prepaid_utility.tariffs.catalog import CONF_ACCOUNT_TARIFFS, CONF_TARIFFS

from .conftest import add_simulated_building, poll

pytestmark = pytest.mark.usefixtures("sockets", "entity_registry_enabled_by_default")

NANO_PER_CENT = 10**7
# Matches the simulator's own TOU counters (sharp 18-20, peak 8-11/17-18/20-22, valley 23-7).
TOU_HOURS = {
    "sharp_hours": "18:00-20:00",
    "sharp_price": "1.50",
    "peak_hours": "08:00-11:00, 17:00-18:00, 20:00-22:00",
    "peak_price": "1.00",
    "flat_hours": "07:00-08:00, 11:00-17:00, 22:00-23:00",
    "flat_price": "0.60",
    "valley_hours": "23:00-07:00",
    "valley_price": "0.30",
}


@pytest.fixture
async def building(hass: HomeAssistant, sockets: None) -> AsyncGenerator[Any]:
    """The mixed simulated building, in UTC so that simulated hours are tariff hours."""
    await hass.config.async_set_time_zone("UTC")
    entry = await add_simulated_building(hass, "mixed")
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


def _meter(entry: Any, unit: int) -> str:
    return next(s.subentry_id for s in entry.subentries.values() if s.unique_id == str(unit))


async def _options(hass: HomeAssistant, entry: Any) -> str:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "tariffs"}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["tariff_add", "tariff_edit", "tariff_remove"]
    return str(result["flow_id"])


async def _add_tariff(
    hass: HomeAssistant, entry: Any, name: str, kind: str, values: dict[str, Any], **extra: Any
) -> Any:
    flow_id = await _options(hass, entry)
    result = await hass.config_entries.options.async_configure(
        flow_id, {"next_step_id": "tariff_add"}
    )
    result = await hass.config_entries.options.async_configure(
        flow_id, {"name": name, "utility": extra.get("utility", "electricity"), "kind": kind}
    )
    assert result["step_id"] == f"tariff_{kind}", result
    result = await hass.config_entries.options.async_configure(flow_id, values)
    await hass.async_block_till_done()
    return result


async def _open_account(
    hass: HomeAssistant, entry: Any, tenant: str, meters: list[str], **values: Any
) -> tuple[str, str]:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_ACCOUNT), context={"source": config_entries.SOURCE_USER}
    )
    data = {
        CONF_TENANT: tenant,
        CONF_ROOM: f"Room of {tenant}",
        CONF_METERS: meters,
        CONF_LOW_1: "50",
        CONF_LOW_2: "20",
        CONF_LOW_3: "5",
        **values,
    }
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], data)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    code = next(
        s.subentry_id
        for s in entry.subentries.values()
        if s.subentry_type == SUBENTRY_ACCOUNT and s.title == tenant
    )
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_{code}"), entry.entry_id
    )
    assert device is not None
    return code, device.id


def _entity(hass: HomeAssistant, entry: Any, code: str, platform: str, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{entry.entry_id}_{code}_{key}"
    )
    assert entity_id, key
    return entity_id


async def _to_hour(hass: HomeAssistant, entry: Any, hour: int) -> datetime:
    """Move the simulated clock to the next ``hour``:00 UTC (plus a second) and poll there."""
    sim = entry.runtime_data.building.building
    now = sim.clock.now()
    target = now.replace(hour=hour, minute=0, second=1, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    sim.clock.advance((target - now).total_seconds())
    await poll(hass, entry)
    return target


def _counter(entry: Any, meter_id: str, period: str | None = None) -> int:
    reading = entry.runtime_data.coordinator.data.meters[meter_id].reading
    return counter_to_milli(reading.total if period is None else getattr(reading.tou, period))


async def _buckets(entry: Any, meter_id: str, start: datetime, end: datetime) -> list[Any]:
    def work(store: Any) -> list[Any]:
        with store.reading() as conn:
            return list(
                conn.execute(
                    select(usage_bucket).where(
                        usage_bucket.c.meter_id == meter_id,
                        usage_bucket.c.hour_us >= int(start.timestamp() * 1_000_000),
                        usage_bucket.c.hour_us < int(end.timestamp() * 1_000_000),
                    )
                ).all()
            )

    return await entry.runtime_data.ledger.run(work)


async def _balance(entry: Any, code: str) -> int:
    return int(await entry.runtime_data.ledger.balance(code))


def _posted_ok(delta_minor: int, *exact_nano: int) -> bool:
    """Each meter posts its exact charge floored; its own carry of sub-cents may add one."""
    floor = sum(e // NANO_PER_CENT for e in exact_nano)
    return floor <= -delta_minor <= floor + len(exact_nano)


async def _set_tariff(hass: HomeAssistant, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN, "set_tariff", data, blocking=True, return_response=True
    )


# -- the options-flow editor -------------------------------------------------------------------


async def test_editor_refuses_every_bad_input(hass: HomeAssistant, building: Any) -> None:
    entry = building
    before = dict(entry.options)
    flow_id = await _options(hass, entry)
    for reason_step in ("tariff_edit", "tariff_remove"):
        result = await hass.config_entries.options.async_configure(
            flow_id, {"next_step_id": reason_step}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "no_tariffs"
        flow_id = await _options(hass, entry)
    await hass.config_entries.options.async_configure(flow_id, {"next_step_id": "tariff_add"})
    for name, error in (
        ("  ", "invalid_name"),
        ("x" * 65, "name_too_long"),
        ("default", "tariff_exists"),
    ):
        result = await hass.config_entries.options.async_configure(
            flow_id, {"name": name, "utility": "electricity", "kind": "flat"}
        )
        assert result["errors"] == {"name": error}, name
    result = await hass.config_entries.options.async_configure(
        flow_id, {"name": "Shop", "utility": "electricity", "kind": "flat"}
    )
    assert result["step_id"] == "tariff_flat"
    for bad in ("-1", "abc", "0.1234567", "NaN", "1e999", "", "1000.000001"):
        result = await hass.config_entries.options.async_configure(flow_id, {"price": bad})
        assert result["errors"] == {"price": "invalid_price"}, bad
    # Time-of-use: every way a day table can be wrong.
    flow_id = await _options(hass, entry)
    await hass.config_entries.options.async_configure(flow_id, {"next_step_id": "tariff_add"})
    result = await hass.config_entries.options.async_configure(
        flow_id, {"name": "TOU", "utility": "electricity", "kind": "tou"}
    )
    assert result["step_id"] == "tariff_tou"
    good = {"valley_hours": "22:00-08:00", "valley_price": "0.30",
            "peak_hours": "08:00-22:00", "peak_price": "1.00"}  # fmt: skip
    cases: list[tuple[dict[str, str], dict[str, str]]] = [
        ({"peak_hours": "8-22"}, {"peak_hours": "invalid_time_range"}),
        ({"peak_hours": "08:00-25:00"}, {"peak_hours": "invalid_time_range"}),
        ({"peak_hours": "08:00-08:00"}, {"peak_hours": "invalid_time_range"}),
        ({"peak_hours": "08:10-22:00"}, {"peak_hours": "not_quarter_hour"}),
        ({"peak_hours": "07:00-22:00"}, {"base": "tou_overlap"}),
        ({"peak_hours": "09:00-22:00"}, {"base": "tou_gap"}),
        ({"peak_hours": "08:00-21:00"}, {"base": "tou_gap"}),
        ({"peak_price": "-0.5"}, {"peak_price": "invalid_price"}),
        ({"peak_price": "0.1234567"}, {"peak_price": "invalid_price"}),
        ({"peak_price": ""}, {"peak_price": "invalid_price"}),
    ]
    for change, errors in cases:
        result = await hass.config_entries.options.async_configure(flow_id, {**good, **change})
        assert result["type"] is FlowResultType.FORM, change
        assert result["errors"] == errors, change
    # Blocks.
    flow_id = await _options(hass, entry)
    await hass.config_entries.options.async_configure(flow_id, {"next_step_id": "tariff_add"})
    result = await hass.config_entries.options.async_configure(
        flow_id, {"name": "Blocks", "utility": "water", "kind": "tiered"}
    )
    assert result["step_id"] == "tariff_tiered"
    block_cases: list[tuple[dict[str, str], dict[str, str]]] = [
        ({"thresholds": "abc"}, {"thresholds": "invalid_threshold"}),
        ({"thresholds": "0, 10"}, {"thresholds": "invalid_threshold"}),
        ({"thresholds": "1.0001"}, {"thresholds": "invalid_threshold"}),
        ({"thresholds": ""}, {"thresholds": "invalid_threshold"}),
        ({"thresholds": "20, 10"}, {"thresholds": "thresholds_not_increasing"}),
        ({"thresholds": "10, 10"}, {"thresholds": "thresholds_not_increasing"}),
        ({"prices": "3.00, 4.00"}, {"prices": "tier_count_mismatch"}),
        ({"prices": "3.00, 4.00, 5.00, 6.00"}, {"prices": "tier_count_mismatch"}),
        ({"prices": "3.00, 2.00, 5.00"}, {"prices": "tier_prices_decrease"}),
        ({"prices": "3.00, x, 5.00"}, {"prices": "invalid_price"}),
    ]
    good_blocks = {"thresholds": "10, 20", "prices": "3.00, 4.00, 5.00", "reset": "month"}
    for change, errors in block_cases:
        result = await hass.config_entries.options.async_configure(
            flow_id, {**good_blocks, **change}
        )
        assert result["errors"] == errors, change
    assert dict(entry.options) == before  # nothing saved by any refused form
    print(f"tou_errors={len(cases)} block_errors={len(block_cases)} saved=0")


async def test_editor_adds_edits_and_removes(hass: HomeAssistant, building: Any) -> None:
    entry = building
    result = await _add_tariff(hass, entry, "Residential TOU", "tou", TOU_HOURS)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await _add_tariff(hass, entry, "Water blocks", "tiered",
                      {"thresholds": "10, 20", "prices": "3, 4, 5.5", "reset": "year"},
                      utility="water")  # fmt: skip
    tariffs = entry.options[CONF_TARIFFS]
    assert tariffs["Water blocks"]["versions"][0]["prices"] == ["3", "4", "5.5"]
    assert tariffs["Residential TOU"]["versions"][0]["periods"]["valley"] == {
        "hours": "23:00-24:00, 00:00-07:00",
        "price": "0.30",
    }
    # Editing: the form shows the latest version; saving adds a version, the old one stays.
    flow_id = await _options(hass, entry)
    await hass.config_entries.options.async_configure(flow_id, {"next_step_id": "tariff_edit"})
    result = await hass.config_entries.options.async_configure(
        flow_id, {"tariff": "Residential TOU", "kind": "tou"}
    )
    assert result["step_id"] == "tariff_tou"
    defaults = {str(k): k.default() for k in result["data_schema"].schema}
    assert defaults["peak_price"] == "1.00"
    sim = entry.runtime_data.building.building
    sim.clock.advance(60)
    result = await hass.config_entries.options.async_configure(
        flow_id, {**TOU_HOURS, "peak_price": "1.10"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    versions = entry.options[CONF_TARIFFS]["Residential TOU"]["versions"]
    assert [v["periods"]["peak"]["price"] for v in versions] == ["1.00", "1.10"]
    # A kind change is a new version too.
    flow_id = await _options(hass, entry)
    await hass.config_entries.options.async_configure(flow_id, {"next_step_id": "tariff_edit"})
    await hass.config_entries.options.async_configure(
        flow_id, {"tariff": "Residential TOU", "kind": "flat"}
    )
    sim.clock.advance(60)
    await hass.config_entries.options.async_configure(flow_id, {"price": "0.70"})
    await hass.async_block_till_done()
    assert [v["kind"] for v in entry.options[CONF_TARIFFS]["Residential TOU"]["versions"]] == [
        "tou", "tou", "flat"
    ]  # fmt: skip
    # Editing a flat or a tiered tariff shows its latest prices too.
    for name, kind, key, shown in (
        ("Residential TOU", "flat", "price", "0.70"),
        ("Water blocks", "tiered", "prices", "3, 4, 5.5"),
    ):
        flow_id = await _options(hass, entry)
        await hass.config_entries.options.async_configure(flow_id, {"next_step_id": "tariff_edit"})
        result = await hass.config_entries.options.async_configure(
            flow_id, {"tariff": name, "kind": kind}
        )
        assert result["step_id"] == f"tariff_{kind}"
        defaults = {str(k): k.default() for k in result["data_schema"].schema}
        assert defaults[key] == shown, defaults
        hass.config_entries.options.async_abort(flow_id)
    # A tariff an account has chosen cannot go; one nobody has can.
    await _open_account(hass, entry, "Li Wei", [_meter(entry, 3)],
                        tariff_electricity="Residential TOU")  # fmt: skip
    flow_id = await _options(hass, entry)
    await hass.config_entries.options.async_configure(flow_id, {"next_step_id": "tariff_remove"})
    result = await hass.config_entries.options.async_configure(
        flow_id, {"tariff": "Residential TOU"}
    )
    assert result["errors"] == {"tariff": "tariff_in_use"}
    result = await hass.config_entries.options.async_configure(flow_id, {"tariff": "Water blocks"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert set(entry.options[CONF_TARIFFS]) == {"Residential TOU"}
    assert entry.state is config_entries.ConfigEntryState.LOADED


# -- billing ------------------------------------------------------------------------------------


async def test_peak_and_valley_bill_at_their_prices(hass: HomeAssistant, building: Any) -> None:
    """An SDM120 (no TOU counters: the table decides) and an Acrel (its own TOU counters)."""
    entry = building
    await _add_tariff(hass, entry, "Residential TOU", "tou", TOU_HOURS)
    sdm, acrel = _meter(entry, 3), _meter(entry, 1)
    code, device_id = await _open_account(
        hass, entry, "Li Wei", [sdm, acrel], tariff_electricity="Residential TOU"
    )
    await hass.services.async_call(DOMAIN, "recharge", {"device_id": device_id, "amount": "5000",
                                   "order_id": "TOU-1"}, blocking=True)  # fmt: skip
    period = _entity(hass, entry, code, "sensor", "electricity_period")
    price = _entity(hass, entry, code, "sensor", "electricity_unit_price")
    select_id = _entity(hass, entry, code, "select", "electricity_tariff")
    assert hass.states.get(select_id).state == "Residential TOU"
    prices = {"valley": 300_000, "peak": 1_000_000}
    for label, (start_hour, end_hour) in (("valley", (1, 5)), ("peak", (8, 11))):
        start = await _to_hour(hass, entry, start_hour)
        assert hass.states.get(period).state == label
        assert Decimal(hass.states.get(price).state) == Decimal(prices[label]) / 10**6
        # The Acrel is billed by its own period register, which rounds on its own: its truth.
        counted = {sdm: None, acrel: label}
        before = {m: _counter(entry, m, counted[m]) for m in (sdm, acrel)}
        balance = await _balance(entry, code)
        end = await _to_hour(hass, entry, end_hour)
        used = {m: _counter(entry, m, counted[m]) - before[m] for m in (sdm, acrel)}
        assert all(q > 0 for q in used.values())
        exact_total, by_meter = 0, []
        for meter_id in (sdm, acrel):
            rows = await _buckets(entry, meter_id, start.replace(second=0), end)
            assert sum(r.quantity_milli for r in rows) == used[meter_id]
            assert {r.period for r in rows} == {label}
            for row in rows:  # every bucket priced at exactly the period's price
                assert row.exact_nano == row.quantity_milli * prices[label]
            by_meter.append(sum(r.exact_nano for r in rows))
            exact_total += by_meter[-1]
        delta = await _balance(entry, code) - balance
        assert exact_total == sum(used.values()) * prices[label]
        assert _posted_ok(delta, *by_meter), (delta, by_meter)
        print(f"period={label} kwh_milli={sum(used.values())} price_micro={prices[label]} "
              f"charged_minor={-delta} exact_nano={exact_total}")  # fmt: skip
    report = await entry.runtime_data.ledger.run(lambda store: store.check())
    assert report.ok, report


async def test_a_block_crossed_within_one_poll_splits_exactly(
    hass: HomeAssistant, building: Any
) -> None:
    entry = building
    sdm = _meter(entry, 3)
    code, device_id = await _open_account(hass, entry, "Zhang San", [sdm])
    await _to_hour(hass, entry, 10)
    state = await entry.runtime_data.ledger.run(lambda store: store.meter_state(sdm))
    used_before = state.tier_used_milli
    limit_milli = used_before + 700  # the block ends 0.7 kWh into the next interval
    await _add_tariff(hass, entry, "Blocks", "tiered", {
        "thresholds": str(Decimal(limit_milli) / 1000), "prices": "0.50, 0.80", "reset": "month",
    })  # fmt: skip
    await _set_tariff(hass, device_id=[device_id], tariff="Blocks")
    await hass.async_block_till_done()
    start = await _to_hour(hass, entry, 11)
    # A heavy load from here on: counters integrate lazily, so 11:00-13:00 runs at 2 kW.
    entry.runtime_data.building.building.device(0, 3).mean = 2000.0
    before, balance = _counter(entry, sdm), await _balance(entry, code)
    state = await entry.runtime_data.ledger.run(lambda store: store.meter_state(sdm))
    in_first = limit_milli - state.tier_used_milli
    assert in_first > 0
    end = await _to_hour(hass, entry, 13)
    used = _counter(entry, sdm) - before
    assert used > in_first
    rows = await _buckets(entry, sdm, start.replace(second=0), end)
    by_tier = {0: 0, 1: 0}
    for row in rows:
        by_tier[row.tier] += row.quantity_milli
        assert row.exact_nano == row.quantity_milli * (500_000 if row.tier == 0 else 800_000)
    assert by_tier == {0: in_first, 1: used - in_first}
    exact = in_first * 500_000 + (used - in_first) * 800_000
    delta = await _balance(entry, code) - balance
    assert _posted_ok(delta, exact)
    price = _entity(hass, entry, code, "sensor", "electricity_unit_price")
    await hass.async_block_till_done()
    assert Decimal(hass.states.get(price).state) == Decimal("0.8")  # now in the second block
    print(f"block_1_milli={in_first} block_2_milli={used - in_first} charged_minor={-delta}")


async def test_future_tariff_applies_from_then_and_survives_a_restart(
    hass: HomeAssistant, building: Any
) -> None:
    entry = building
    sdm = _meter(entry, 3)
    await _add_tariff(hass, entry, "Dear", "flat", {"price": "2.00"})
    code, device_id = await _open_account(hass, entry, "Wang Fang", [sdm])
    start = await _to_hour(hass, entry, 9)
    effective = start.replace(second=0) + timedelta(hours=2)  # 11:00
    response = await _set_tariff(
        hass, device_id=[device_id], tariff="Dear", effective=effective.isoformat()
    )
    assert response["changed"] == [{"account_id": code, "utility": "electricity", "tariff": "Dear"}]
    select_id = _entity(hass, entry, code, "select", "electricity_tariff")
    state = hass.states.get(select_id)
    assert state.state == "default"
    assert state.attributes["next_tariff"] == "Dear"
    # A restart in between: the choice and its time come back from the options.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.options[CONF_ACCOUNT_TARIFFS][code]["electricity"][-1] == [
        effective.isoformat(), "Dear"
    ]  # fmt: skip
    await _to_hour(hass, entry, 13)
    rows = await _buckets(entry, sdm, start.replace(second=0), effective + timedelta(hours=2))
    before = [r for r in rows if r.hour_us < effective.timestamp() * 1_000_000]
    after = [r for r in rows if r.hour_us >= effective.timestamp() * 1_000_000]
    assert before
    assert after
    assert all(r.exact_nano == r.quantity_milli * 600_000 for r in before)
    assert all(r.exact_nano == r.quantity_milli * 2_000_000 for r in after)
    assert hass.states.get(select_id).state == "Dear"
    print(f"old_price_buckets={len(before)} new_price_buckets={len(after)} restarts=1")


async def test_bad_set_tariff_changes_nothing(
    hass: HomeAssistant, building: Any, hass_read_only_user: User
) -> None:
    entry = building
    await _add_tariff(hass, entry, "Shop", "flat", {"price": "0.90"})
    await _add_tariff(hass, entry, "Water blocks", "tiered",
                      {"thresholds": "10", "prices": "3, 4", "reset": "month"},
                      utility="water")  # fmt: skip
    li, li_device = await _open_account(hass, entry, "Li Wei", [_meter(entry, 3), _meter(entry, 6)])
    _, zhang_device = await _open_account(hass, entry, "Zhang San", [_meter(entry, 4)])
    await _to_hour(hass, entry, 10)
    options = dict(entry.options)
    ledger = entry.runtime_data.ledger.store
    books = dict(ledger.tariffs)
    gateway = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, entry.entry_id), entry.entry_id
    )
    assert gateway is not None
    last = entry.runtime_data.building.building.clock.now() - timedelta(minutes=5)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"device_id": [li_device], "tariff": "Nope"}, "unknown_tariff"),
        ({"device_id": [li_device], "tariff": "Water blocks"}, "tariff_wrong_utility"),
        ({"device_id": [li_device], "tariff": "Shop", "utility": "water"}, "tariff_wrong_utility"),
        # Zhang has no water meter: nobody changes, not even Li Wei.
        (
            {"device_id": [li_device, zhang_device], "tariff": "Water blocks", "utility": "water"},
            "account_without_utility",
        ),
        ({"device_id": [li_device, "not-a-device"], "tariff": "Shop"}, "unknown_account"),
        ({"device_id": [gateway.id], "tariff": "Shop"}, "unknown_account"),
        ({"area_id": ["nowhere"], "tariff": "Shop"}, "no_accounts_targeted"),
        (
            {"device_id": [li_device], "tariff": "Shop", "effective": last.isoformat()},
            "effective_before_last_reading",
        ),
    ]
    for data, key in cases:
        with pytest.raises(ServiceValidationError) as err:
            await _set_tariff(hass, **data)
        assert err.value.translation_key == key, data
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN, "set_tariff", {"device_id": [li_device], "tariff": "Shop"}, blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )  # fmt: skip
    assert dict(entry.options) == options
    assert ledger.tariffs == books
    # The same call, right: both accounts by area, at once.
    area = ar.async_get(hass).async_create("Ground floor").id
    for device in (li_device, zhang_device):
        dr.async_get(hass).async_update_device(device, area_id=area)
    response = await _set_tariff(hass, area_id=[area], tariff="Shop")
    assert len(response["changed"]) == 2
    assert entry.state is config_entries.ConfigEntryState.LOADED
    assert hass.states.get(_entity(hass, entry, li, "select", "electricity_tariff")).state == "Shop"
    print(f"refused_calls={len(cases) + 1} options_changed=0 books_changed=0")


async def test_select_changes_the_tariff_now(hass: HomeAssistant, building: Any) -> None:
    entry = building
    await _add_tariff(hass, entry, "Shop", "flat", {"price": "0.90"})
    code, _ = await _open_account(hass, entry, "Li Wei", [_meter(entry, 3), _meter(entry, 6)])
    select_id = _entity(hass, entry, code, "select", "electricity_tariff")
    water = _entity(hass, entry, code, "select", "water_tariff")
    assert hass.states.get(select_id).attributes["options"] == ["default", "Shop"]
    assert hass.states.get(water).attributes["options"] == ["default"]
    await hass.services.async_call(
        "select", "select_option", {"entity_id": select_id, "option": "Shop"}, blocking=True
    )
    assert hass.states.get(select_id).state == "Shop"
    price = _entity(hass, entry, code, "sensor", "electricity_unit_price")
    assert Decimal(hass.states.get(price).state) == Decimal("0.9")
    assert Decimal(
        hass.states.get(_entity(hass, entry, code, "sensor", "water_unit_price")).state
    ) == Decimal("4.5")
    assert entry.state is config_entries.ConfigEntryState.LOADED


# -- pushing a tariff into Acrel meters ---------------------------------------------------------


def _device_of(hass: HomeAssistant, entry: Any, meter_id: str) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_{meter_id}"), entry.entry_id
    )
    assert device is not None
    return device.id


async def _push(hass: HomeAssistant, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN, "push_tariff_to_meter", data, blocking=True, return_response=True
    )


async def test_push_tariff_to_acrel_meter(hass: HomeAssistant, building: Any) -> None:
    entry = building
    await _add_tariff(hass, entry, "Residential TOU", "tou", TOU_HOURS)
    await _add_tariff(hass, entry, "Fine", "flat", {"price": "0.605"})
    await _add_tariff(hass, entry, "Blocks", "tiered",
                      {"thresholds": "100", "prices": "0.5, 0.8", "reset": "month"})  # fmt: skip
    await _add_tariff(hass, entry, "Water", "flat", {"price": "4"}, utility="water")
    acrel = _meter(entry, 1)
    sim_meter = entry.runtime_data.building.building.device(0, 1)
    device = _device_of(hass, entry, acrel)
    params = list(sim_meter.params)
    tables = dict(sim_meter.tou_store)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"device_id": [_device_of(hass, entry, _meter(entry, 3))]}, "meter_cannot_take_tariff"),
        ({"device_id": [device], "tariff": "Nope"}, "unknown_tariff"),
        ({"device_id": [device], "tariff": "Water"}, "tariff_wrong_utility"),
        ({"device_id": [device], "tariff": "Blocks"}, "tariff_not_for_meter"),
        ({"device_id": [device], "tariff": "Fine"}, "price_not_representable"),
        ({"device_id": ["not-a-device"]}, "unknown_meter"),
    ]
    for data, key in cases:
        with pytest.raises(ServiceValidationError) as err:
            await _push(hass, **data)
        assert err.value.translation_key == key, data
    assert sim_meter.params == params
    assert sim_meter.tou_store == tables
    response = await _push(hass, device_id=[device], tariff="Residential TOU")
    result = response["meters"][0]
    assert result["verified"] is True
    assert result["prices"] == {"sharp": "1.5", "peak": "1", "flat": "0.6", "valley": "0.3"}
    # In the meter's registers: prices in 0.01 units, the day table from 00:00 on.
    registers = [
        sim_meter.params[o] << 16 | sim_meter.params[o + 1] for o in (0x13, 0x15, 0x17, 0x19)
    ]
    assert registers == [150, 100, 60, 30]
    assert result["day_table"] == [
        "00:00 valley", "07:00 flat", "08:00 peak", "11:00 flat", "17:00 peak",
        "18:00 sharp", "20:00 peak", "22:00 flat", "23:00 valley",
    ]  # fmt: skip
    # The default tariff of the holder (no holder: the gateway's default price).
    response = await _push(hass, device_id=[device])
    assert response["meters"][0]["prices"]["flat"] == "0.6"
    assert response["meters"][0]["day_table"] == ["00:00 flat"]
    # The meter now counts everything as flat, night hours too (its built-in table said valley).
    await _to_hour(hass, entry, 1)
    valley, flat = sim_meter.tou_milli[3], sim_meter.tou_milli[2]
    await _to_hour(hass, entry, 4)
    assert sim_meter.tou_milli[3] == valley
    assert sim_meter.tou_milli[2] > flat
    sim_meter.faults.no_reply = True
    await poll(hass, entry)
    with pytest.raises(ServiceValidationError) as err:
        await _push(hass, device_id=[device], tariff="Residential TOU")
    assert err.value.translation_key == "meter_offline"
    print(f"refused={len(cases) + 1} pushed=2 verified=2")


async def test_account_form_changes_the_tariff_from_now_on(
    hass: HomeAssistant, building: Any
) -> None:
    entry = building
    await _add_tariff(hass, entry, "Shop", "flat", {"price": "0.90"})
    code, _ = await _open_account(hass, entry, "Li Wei", [_meter(entry, 3)])
    sub = entry.subentries[code]
    assert sub.data["tariff_electricity"] == "default"
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_ACCOUNT),
        context={"source": config_entries.SOURCE_RECONFIGURE, "subentry_id": code},
    )
    schema = {str(k): k for k in result["data_schema"].schema}
    assert schema["tariff_electricity"].default() == "default"
    data = {**sub.data, CONF_TENANT: "Li Wei", "tariff_electricity": "Shop"}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], data)
    assert result["type"] is FlowResultType.ABORT
    await hass.async_block_till_done()
    line = entry.options[CONF_ACCOUNT_TARIFFS][code]["electricity"]
    assert [name for _, name in line] == ["default", "Shop"]
    select_id = _entity(hass, entry, code, "select", "electricity_tariff")
    assert hass.states.get(select_id).state == "Shop"


async def test_meters_billed_under_the_old_gateway_tariff_move_to_their_own_book(
    hass: HomeAssistant, building: Any
) -> None:
    """An installation from before named tariffs: meters point at ``<entry>:electricity``."""
    entry = building
    sdm = _meter(entry, 3)
    legacy = f"{entry.entry_id}:electricity"
    # As an old release left it (its gateway books are no longer registered, so no store call
    # could point a meter at one any more).
    with sqlite3.connect(hass.config.path(LEDGER_FILE)) as db:
        db.execute("UPDATE meter SET tariff_code = ? WHERE id = ?", (legacy, sdm))
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert (
        await entry.runtime_data.ledger.run(lambda store: _row_code(store, sdm)) == f"{sdm}@vacant"
    )
    balance = await _balance(entry, "vacant")
    start = await _to_hour(hass, entry, 2)
    before = _counter(entry, sdm)
    end = await _to_hour(hass, entry, 3)
    rows = await _buckets(entry, sdm, start.replace(second=0), end)
    assert sum(r.quantity_milli for r in rows) == _counter(entry, sdm) - before
    assert all(r.exact_nano == r.quantity_milli * 600_000 for r in rows)  # the default price
    assert await _balance(entry, "vacant") < balance


def _row_code(store: Any, meter_id: str) -> str:
    with store.reading() as conn:
        query = select(meter_table.c.tariff_code).where(meter_table.c.id == meter_id)
        return str(conn.execute(query).scalar())


async def test_reload_with_the_ledger_kept_open_by_another_gateway(
    hass: HomeAssistant, building: Any
) -> None:
    """Two gateways share the ledger: one reloads for a new price, the other keeps it open."""
    entry = building
    other = await add_simulated_building(hass, "mixed", name="Annex")
    sdm = _meter(entry, 3)
    code, _ = await _open_account(hass, entry, "Li Wei", [sdm])
    assert entry.runtime_data.ledger is other.runtime_data.ledger
    await _to_hour(hass, entry, 9)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"electricity_price": "0.80", "water_price": "4.50", "poll_interval": 30}
    )
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED
    start = await _to_hour(hass, entry, 10)
    end = await _to_hour(hass, entry, 12)
    rows = await _buckets(entry, sdm, start.replace(second=0), end)
    assert rows
    assert all(r.exact_nano == r.quantity_milli * 800_000 for r in rows)
    price = _entity(hass, entry, code, "sensor", "electricity_unit_price")
    assert Decimal(hass.states.get(price).state) == Decimal("0.8")
    await hass.config_entries.async_unload(other.entry_id)


async def test_account_form_asks_only_for_tariffs_of_the_gateways_utilities(
    hass: HomeAssistant, sockets: None
) -> None:
    """A gateway of electricity meters only: the account form has no water tariff."""
    entry = await add_simulated_building(hass, "acrel100")
    try:
        result = await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_ACCOUNT), context={"source": config_entries.SOURCE_USER}
        )
        asked = {str(k) for k in result["data_schema"].schema if str(k).startswith("tariff_")}
        print(f"tariff_fields={sorted(asked)}")
        assert asked == {"tariff_electricity"}
        code, _ = await _open_account(hass, entry, "Li Wei", [_meter(entry, 1)])
        assert entry.subentries[code].data["tariff_water"] == "default"
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
