"""Fees, bills, statements and the common-area split, through the services, on a real ledger.

Monthly fees are charged exactly once per month across polls and restarts; a one-off fee once.
Bills carry what an account owes and are paid once per payment id; a statement adds up to the
ledger's balance; the common-area split adds up to the pool to the cent. Every bad request is
refused with a translated error and changes nothing.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
from sqlalchemy import select

from custom_components.prepaid_utility.events import EVENT_BILL_ISSUED
from custom_components.prepaid_utility.ledger.schema import journal_entry

from .conftest import poll
from .ledger_ops import call, device_id, meter_key, open_account, snapshot

pytestmark = pytest.mark.usefixtures("sockets")

DAY = 24 * 3600


async def _fee_entries(entry: Any) -> dict[str, int]:
    """Return key -> amount of every fee entry in the journal."""

    def read(store: Any) -> dict[str, int]:
        with store.reading() as conn:
            rows = conn.execute(
                select(journal_entry.c.key, journal_entry.c.amount).where(
                    journal_entry.c.source == "fee"
                )
            ).all()
        return {r.key: int(r.amount) for r in rows}

    return await entry.runtime_data.ledger.run(read)


async def _two_accounts(hass: HomeAssistant, entry: Any) -> tuple[tuple[str, str], ...]:
    a = await open_account(
        hass, entry, "Li Wei", [1], "OPEN-A", opening_balance="1000.00", area_m2=50.5
    )
    b = await open_account(hass, entry, "Zhang San", [2], "OPEN-B", area_m2=30)
    return a, b


async def test_fees_are_charged_once_per_period_across_restarts(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    entry = mixed_building
    (code_a, dev_a), (code_b, dev_b) = await _two_accounts(hass, entry)
    response = await call(
        hass,
        "add_fee",
        {
            "device_id": [dev_a, dev_b],
            "fee_id": "property",
            "name": "Property management",
            "amount": "2.50",
            "basis": "per_m2",
        },
    )
    assert response["replayed"] is False
    charged = {c["account_id"]: c["amount"] for c in response["charged"]}
    assert charged == {code_a: "126.25", code_b: "75.00"}  # 2.50 x 50.5 m², 2.50 x 30 m²
    once = await call(
        hass,
        "add_fee",
        {"device_id": dev_a, "fee_id": "key-deposit", "name": "Key", "amount": "10"},
    )
    once = await call(
        hass,
        "add_fee",
        {
            "device_id": dev_a,
            "fee_id": "cleaning",
            "name": "Move-in cleaning",
            "amount": "30.00",
            "recurrence": "one_off",
        },
    )
    assert [c["period"] for c in once["charged"]] == ["once"]
    replay = await call(
        hass,
        "add_fee",
        {
            "device_id": dev_a,
            "fee_id": "cleaning",
            "name": "Move-in cleaning",
            "amount": "30.00",
            "recurrence": "one_off",
        },
    )
    assert replay["replayed"] is True
    assert replay["charged"][0]["replayed"] is True
    await call(hass, "remove_fee", {"device_id": dev_a, "fee_id": "key-deposit"})

    sim = entry.runtime_data.building.building
    periods = {dt_util.as_local(sim.clock.now()).strftime("%Y-%m")}
    for month in range(3):
        for _ in range(10):
            await poll(hass, entry)
        # A restart (reload) in the middle of every month charges nothing again.
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        for _ in range(5):
            await poll(hass, entry)
        if month < 2:
            sim = entry.runtime_data.building.building
            sim.clock.advance(31 * DAY)
            periods.add(dt_util.as_local(sim.clock.now()).strftime("%Y-%m"))
            await poll(hass, entry)
    fees = await _fee_entries(entry)
    property_keys = sorted(k for k in fees if ":property:" in k)
    one_off = len([k for k in fees if ":cleaning:" in k])
    print(f"fee_periods={len(periods)} charges={len(property_keys)} one_off={one_off}")
    assert len(periods) == 3
    assert len(property_keys) == 2 * len(periods)  # two accounts, once per month
    assert sum(fees[k] for k in property_keys if k.startswith(code_a)) == 3 * 12625
    assert sum(fees[k] for k in property_keys if k.startswith(code_b)) == 3 * 7500
    assert [k for k in fees if ":cleaning:" in k] == [f"{code_a}:cleaning:once"]
    # The removed fee was charged for the first month only.
    assert [k for k in fees if ":key-deposit:" in k] == [f"{code_a}:key-deposit:{min(periods)}"]
    report = await entry.runtime_data.ledger.run(lambda s: s.check())
    assert report.ok, report


async def test_fee_services_refuse_bad_input(hass: HomeAssistant, mixed_building: Any) -> None:
    entry = mixed_building
    (_, dev_a), _ = await _two_accounts(hass, entry)
    await call(
        hass,
        "add_fee",
        {"device_id": dev_a, "fee_id": "rent", "name": "Rent", "amount": "800"},
    )
    before = await snapshot(entry)
    meter_device = device_id(hass, entry, meter_key(entry, 3))
    base = {"device_id": dev_a, "fee_id": "service", "name": "Service", "amount": "5"}
    bad: list[tuple[dict[str, Any], str]] = [
        ({"amount": "-5"}, "invalid_amount"),
        ({"amount": "abc"}, "invalid_amount"),
        ({"amount": "0.001"}, "invalid_amount"),
        ({"amount": "0"}, "invalid_amount"),
        ({"fee_id": "no spaces"}, "invalid_order_id"),
        ({"name": "   "}, "invalid_fee_name"),
        ({"device_id": "nope"}, "unknown_account"),
        ({"device_id": meter_device}, "unknown_account"),
        ({"fee_id": "rent", "amount": "900"}, "fee_conflict"),
    ]
    for change, key in bad:
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "add_fee", {**base, **change})
        assert err.value.translation_key == key, change
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "add_fee", {k: v for k, v in base.items() if k != "device_id"})
    assert err.value.translation_key == "no_accounts"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "remove_fee", {"device_id": dev_a, "fee_id": "unknown"})
    assert err.value.translation_key == "unknown_fee"
    assert await snapshot(entry) == before


async def test_bills_are_issued_once_and_paid_once(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    entry = mixed_building
    (code_a, dev_a), (code_b, dev_b) = await _two_accounts(hass, entry)
    ledger = entry.runtime_data.ledger
    await call(
        hass,
        "adjust_balance",
        {"device_id": dev_b, "amount": "-150.00", "adjustment_id": "ADJ-1", "reason": "Arrears"},
    )
    events: list[Event] = []
    hass.bus.async_listen(EVENT_BILL_ISSUED, events.append)
    month = dt_util.now().strftime("%Y-%m")
    owed = -await ledger.balance(code_b)
    assert owed > 0
    first = await call(hass, "generate_bills", {"device_id": [dev_a, dev_b], "month": month})
    await hass.async_block_till_done()
    assert first["nothing_owed"] == [code_a]
    (issued,) = first["bills"]
    assert issued["account_id"] == code_b
    assert Decimal(issued["amount"]) * 100 == owed
    assert issued["new"] is True
    assert len(events) == 1
    assert events[0].data["bill_id"] == str(issued["bill_id"])
    assert events[0].data["amount"] == issued["amount"]
    assert events[0].data["period"] == month
    again = await call(hass, "generate_bills", {"device_id": dev_b, "month": month})
    await hass.async_block_till_done()
    assert again["bills"][0]["bill_id"] == issued["bill_id"]
    assert again["bills"][0]["new"] is False
    assert len(events) == 1
    bills = await ledger.run(lambda s: s.bills(code_b))
    assert [b.amount for b in bills] == [owed]

    before = await snapshot(entry)
    for data, key in (
        ({"bill_id": 9999, "payment_id": "PAY-1"}, "unknown_bill"),
        ({"bill_id": issued["bill_id"], "payment_id": "bad id"}, "invalid_order_id"),
        ({"bill_id": issued["bill_id"], "payment_id": "PAY-1", "device_id": dev_a}, "unknown_bill"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "mark_bill_paid", data)
        assert err.value.translation_key == key
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "generate_bills", {"device_id": dev_b, "month": "2026-13"})
    assert err.value.translation_key == "invalid_period"
    assert await snapshot(entry) == before

    balance = await ledger.balance(code_b)
    paid = await call(hass, "mark_bill_paid", {"bill_id": issued["bill_id"], "payment_id": "PAY-1"})
    assert paid["replayed"] is False
    assert await ledger.balance(code_b) == balance + owed
    replay = await call(
        hass, "mark_bill_paid", {"bill_id": issued["bill_id"], "payment_id": "PAY-1"}
    )
    assert replay["replayed"] is True
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "mark_bill_paid", {"bill_id": issued["bill_id"], "payment_id": "PAY-2"})
    assert err.value.translation_key == "invalid_operation"
    assert await ledger.balance(code_b) == balance + owed
    print(f"bills=1 events={len(events)} payments=1 replays=1")


async def test_statement_matches_the_ledger(hass: HomeAssistant, mixed_building: Any) -> None:
    entry = mixed_building
    (code_a, dev_a), _ = await _two_accounts(hass, entry)
    await call(
        hass, "add_fee", {"device_id": dev_a, "fee_id": "rent", "name": "Rent", "amount": "80"}
    )
    sim = entry.runtime_data.building.building
    for _ in range(3):
        sim.clock.advance(3600)
        await poll(hass, entry)
    ledger = entry.runtime_data.ledger
    balance = await ledger.balance(code_a)
    # Whole hours: a statement over part of an hour is refused (the ledger keeps hours).
    start = (dt_util.now() - dt_util.dt.timedelta(days=2)).replace(
        minute=0, second=0, microsecond=0
    )
    end = (sim.clock.now() + dt_util.dt.timedelta(days=2)).replace(
        minute=0, second=0, microsecond=0
    )
    data = await call(
        hass,
        "export_statement",
        {"device_id": dev_a, "start": start.isoformat(), "end": end.isoformat(), "write_csv": True},
    )
    assert data["opening_balance"] == "0.00"
    assert Decimal(data["closing_balance"]) * 100 == balance
    assert data["recharges"] == "1000.00"
    assert data["fees"] == "80.00"
    assert Decimal(data["charges"]) > 0
    assert Decimal(data["recharges"]) - Decimal(data["fees"]) - Decimal(data["charges"]) == Decimal(
        data["closing_balance"]
    )
    assert data["lines"][-1]["balance"] == data["closing_balance"]
    assert sum(Decimal(line["amount"]) for line in data["lines"]) == Decimal(
        data["closing_balance"]
    )
    assert set(data["charges_by_utility"]) == {"electricity"}
    path = Path(data["csv_path"])
    assert path.parent == Path(hass.config.path("prepaid_utility", "statements"))
    text = await hass.async_add_executor_job(path.read_text, "utf-8")
    assert f"closing_balance,{data['closing_balance']}" in text
    print(f"statement_lines={len(data['lines'])} closing={data['closing_balance']} csv=1")

    before = await snapshot(entry)
    for change in (
        {"month": "2026-00"},
        {"month": "soon"},
        {"start": end.isoformat(), "end": start.isoformat()},
    ):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "export_statement", {"device_id": dev_a, **change})
        assert err.value.translation_key == "invalid_period"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "export_statement", {"device_id": "nope", "month": "2026-11"})
    assert err.value.translation_key == "unknown_account"
    assert await snapshot(entry) == before
    monthly = await call(
        hass, "export_statement", {"device_id": dev_a, "month": dt_util.now().strftime("%Y-%m")}
    )
    assert "csv_path" not in monthly


async def test_apportion_splits_the_pool_exactly(hass: HomeAssistant, mixed_building: Any) -> None:
    entry = mixed_building
    (code_a, dev_a), (code_b, dev_b) = await _two_accounts(hass, entry)
    code_c, dev_c = await open_account(hass, entry, "Wang Wu", [3], "OPEN-C", area_m2=19.5)
    sim = entry.runtime_data.building.building
    sim.device(0, 4).mean *= 20  # unit 4 plays the building's master meter
    for _ in range(4):
        sim.clock.advance(3600)
        await poll(hass, entry)
    ledger = entry.runtime_data.ledger
    master = device_id(hass, entry, meter_key(entry, 4))
    start = dt_util.now() - dt_util.dt.timedelta(days=1)
    end = sim.clock.now() + dt_util.dt.timedelta(days=1)
    period = {"start": start.isoformat(), "end": end.isoformat()}
    targets = {"device_id": [dev_a, dev_b, dev_c], "master_meter": master}
    before_balances = {c: await ledger.balance(c) for c in (code_a, code_b, code_c)}

    before = await snapshot(entry)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"amount": "-1"}, "invalid_amount"),
        ({"price": "abc"}, "invalid_amount"),
        ({}, "apportion_needs_money"),
        ({"master_meter": dev_a, "amount": "1"}, "unknown_meter"),
        (
            {"master_meter": device_id(hass, entry, meter_key(entry, 1)), "amount": "1"},
            "apportion_master_held",
        ),
        ({"start": end.isoformat(), "end": start.isoformat(), "amount": "1"}, "invalid_period"),
    ]
    for change, key in bad:
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "apportion", {**targets, **period, **change})
        assert err.value.translation_key == key, change
    assert await snapshot(entry) == before

    by_area = await call(
        hass, "apportion", {**targets, **period, "amount": "100.01", "method": "area"}
    )
    shares = {c: int(Decimal(v) * 100) for c, v in by_area["shares"].items()}
    assert sum(shares.values()) == 10001
    # 50.5 : 30 : 19.5 m² of 100.01 -> 50.505, 30.003, 19.5195: the leftover cent goes to
    # the largest remainder.
    assert shares == {code_a: 5051, code_b: 3000, code_c: 1950}
    for code, share in shares.items():
        assert await ledger.balance(code) == before_balances[code] - share
    replay = await call(
        hass, "apportion", {**targets, **period, "amount": "100.01", "method": "area"}
    )
    assert replay["replayed"] is True
    assert replay["shares"] == by_area["shares"]
    for code, share in shares.items():
        assert await ledger.balance(code) == before_balances[code] - share
    master_q = Decimal(by_area["master_quantity"])
    subs_q = Decimal(by_area["sub_meters_quantity"])
    assert Decimal(by_area["difference_quantity"]) == master_q - subs_q
    assert Decimal(by_area["pool_quantity"]) == max(master_q - subs_q, Decimal(0))

    later = {"start": period["start"], "end": (end + dt_util.dt.timedelta(days=1)).isoformat()}
    by_usage = await call(
        hass, "apportion", {**targets, **later, "amount": "77.77", "method": "usage"}
    )
    assert sum(Decimal(v) for v in by_usage["shares"].values()) == Decimal("77.77")
    usage = await ledger.run(lambda s: s.usage_weights([code_a, code_b, code_c], start, end))
    heaviest = max(usage, key=lambda c: usage[c])
    assert by_usage["shares"][heaviest] == max(by_usage["shares"].values(), key=Decimal)

    assert Decimal(by_area["pool_quantity"]) > 0
    assert by_area["loss_per_mille"] > 0
    month = {"month": dt_util.now().strftime("%Y-%m")}
    priced = await call(hass, "apportion", {**targets, **month, "price": "0.85"})
    pool = Decimal(priced["pool_quantity"])
    assert Decimal(priced["amount"]) == (pool * Decimal("0.85")).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    assert sum(Decimal(v) for v in priced["shares"].values()) == Decimal(priced["amount"])
    wider = {"start": period["start"], "end": (end + dt_util.dt.timedelta(days=2)).isoformat()}
    equal = await call(
        hass, "apportion", {**targets, **wider, "amount": "100.00", "method": "equal"}
    )
    assert sorted(equal["shares"].values()) == ["33.33", "33.33", "33.34"]
    print(
        f"apportion_sum={sum(shares.values())} amount=10001 pool={by_area['pool_quantity']} "
        f"loss_per_mille={by_area['loss_per_mille']}"
    )


async def test_fees_target_an_area(hass: HomeAssistant, mixed_building: Any) -> None:
    entry = mixed_building
    (code_a, dev_a), (code_b, dev_b) = await _two_accounts(hass, entry)
    floor = ar.async_get(hass).async_create("First floor")
    for dev in (dev_a, dev_b):
        dr.async_get(hass).async_update_device(dev, area_id=floor.id)
    # A meter in the same area is not an account: it is skipped, not refused.
    dr.async_get(hass).async_update_device(
        device_id(hass, entry, meter_key(entry, 3)), area_id=floor.id
    )
    response = await call(
        hass,
        "add_fee",
        {"area_id": floor.id, "fee_id": "water-heating", "name": "Hot water", "amount": "12"},
    )
    assert sorted(response["accounts"]) == sorted([code_a, code_b])
    assert {c["account_id"] for c in response["charged"]} == {code_a, code_b}
    removed = await call(hass, "remove_fee", {"area_id": floor.id, "fee_id": "water-heating"})
    assert sorted(removed["removed_from"]) == sorted([code_a, code_b])
    assert "water-heating" not in entry.runtime_data.coordinator.fees.fees


async def test_statement_over_part_of_an_hour_is_refused_and_whole_hours_are_exact(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    """08:46-08:57 and 08:30-09:00 cut an hour: refused; 08:00-09:00 has that hour's usage."""
    await hass.config.async_set_time_zone("Asia/Shanghai")
    entry = mixed_building
    (_, dev_a), _ = await _two_accounts(hass, entry)
    sim = entry.runtime_data.building.building
    await poll(hass, entry)
    sim.clock.advance(3600 - sim.clock.now().timestamp() % 3600)  # to the next whole hour
    await poll(hass, entry)
    hour = sim.clock.now().replace(minute=0, second=0, microsecond=0)
    for _ in range(12):
        sim.clock.advance(300)
        await poll(hass, entry)
    sim.clock.advance(600)
    await poll(hass, entry)
    minutes = dt_util.dt.timedelta(minutes=1)
    before = await snapshot(entry)
    for first, last in ((46, 57), (30, 60)):
        request = {
            "device_id": dev_a,
            "start": (hour + first * minutes).isoformat(),
            "end": (hour + last * minutes).isoformat(),
            "write_csv": True,
        }
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "export_statement", request)
        print(f"range={first}-{last} refused={err.value.translation_key}")
        assert err.value.translation_key == "statement_not_whole_hours"
        placeholders = err.value.translation_placeholders or {}
        assert placeholders["hour_end"].endswith("+08:00")
    folder = Path(hass.config.path("prepaid_utility", "statements"))
    assert not await hass.async_add_executor_job(folder.exists)  # nothing written
    assert await snapshot(entry) == before
    data = await call(
        hass,
        "export_statement",
        {
            "device_id": dev_a,
            "start": hour.isoformat(),
            "end": (hour + 60 * minutes).isoformat(),
            "write_csv": True,
        },
    )
    usage = sum(Decimal(line["quantity"]) for line in data["usage"])
    print(f"whole_hour_usage_kwh={usage} lines={len(data['lines'])} start={data['start']}")
    assert usage > 0
    assert data["start"].endswith("+08:00")
    days = dt_util.dt.timedelta(days=2)
    wide = await call(
        hass,
        "export_statement",
        {
            "device_id": dev_a,
            "start": (hour - days).isoformat(),
            "end": (hour + days).isoformat(),
            "write_csv": True,
        },
    )
    assert wide["lines"]
    assert all(line["at"].endswith("+08:00") for line in wide["lines"])
    text = await hass.async_add_executor_job(Path(wide["csv_path"]).read_text, "utf-8")
    assert "+00:00" not in text  # every time in the CSV in the statement's zone
