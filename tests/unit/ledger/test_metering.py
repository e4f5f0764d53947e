"""Readings through the store: cycles, buckets, quarantine, assignments, replacement, move-out."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from custom_components.prepaid_utility.billing.engine import CounterReading, ReadingStatus
from custom_components.prepaid_utility.billing.errors import InvalidAmount
from custom_components.prepaid_utility.billing.quantity import UtilityKind
from custom_components.prepaid_utility.billing.tariff import (
    TariffBook,
    TariffVersion,
    flat_tariff,
)
from custom_components.prepaid_utility.ledger import LedgerStore

from .conftest import T0, WSPEC, Backend, assert_sound, setup_tenant, tariffs


def reading(meter: str, total: str, minutes: int) -> CounterReading:
    return CounterReading(meter, T0 + timedelta(minutes=minutes), Decimal(total))


def test_cycle_bills_and_replays_nothing(backend: Backend) -> None:
    store = backend.open()
    setup_tenant(store)
    store.recharge("A101", 10_000, "o1")
    first = store.bill_readings([reading("e1", "110", 60)])
    assert first.statuses["e1"] is ReadingStatus.CHARGED
    assert store.balance("A101") == 10_000 - 600  # 10 kWh x 0.60
    before = store.balances()
    extra = 0
    for i in range(300):
        again = store.bill_readings([reading("e1", "110", 60 + i % 5)])
        extra += sum(again.charged_minor.values())
    assert store.balances() == before
    print(f"backend={backend.name} replayed_readings=300 extra_charges={extra}")
    assert extra == 0
    assert_sound(store)


def test_quarantine_and_restart_keep_hwm(backend: Backend) -> None:
    store = backend.open()
    setup_tenant(store)
    store.bill_readings([reading("e1", "101", 10)])
    statuses = []
    for total, minute in (("0", 11), ("5000000", 12), ("50", 13), ("100.95", 14)):
        statuses.append(store.bill_readings([reading("e1", total, minute)]).statuses["e1"])
    assert statuses == [
        ReadingStatus.ZERO_IGNORED,
        ReadingStatus.QUARANTINED_JUMP,
        ReadingStatus.QUARANTINED_DECREASE,
        ReadingStatus.DIP,
    ]
    reopened = backend.open()
    result = reopened.bill_readings([reading("e1", "101.5", 20)])
    assert result.charged_minor == {"e1": 30}
    with reopened.reading() as conn:
        flags = conn.execute(text("SELECT count(*) FROM quarantine")).scalar_one()
    assert flags == 2
    assert reopened.balance("A101") == -90
    assert_sound(reopened)


def test_meter_replacement_opens_generation(backend: Backend) -> None:
    store = backend.open()
    setup_tenant(store)
    store.bill_readings([reading("e1", "105", 10)])
    generation = store.replace_meter(
        "e1", Decimal("0.42"), T0 + timedelta(minutes=30), final=reading("e1", "106", 29)
    )
    assert generation == 2
    store.bill_readings([reading("e1", "1.42", 60)])
    assert store.balance("A101") == -(300 + 60 + 60)  # 5 + 1 kWh old meter, 1 kWh new
    assert_sound(store)


def test_water_and_buckets_hourly(backend: Backend) -> None:
    store = backend.open()
    store.create_account("A101")
    store.add_meter("w1", WSPEC, "water", start=Decimal("10.000"), at=T0)
    store.assign_meter("w1", "A101", T0)
    for minute in range(0, 180, 1):
        total = Decimal("10.000") + Decimal(minute + 1) / 1000
        store.bill_readings([CounterReading("w1", T0 + timedelta(minutes=minute + 1), total)])
    with store.reading() as conn:
        rows = conn.execute(text("SELECT count(*), sum(quantity_milli) FROM usage_bucket")).one()
    assert tuple(rows) == (3, 180)
    assert store.balance("A101") == -72  # 0.180 m3 x 4.00
    print(f"backend={backend.name} polls=180 bucket_rows={rows[0]}")
    assert_sound(store)


def test_move_meter_and_move_out(backend: Backend) -> None:
    store = backend.open()
    setup_tenant(store)
    store.create_account("B202")
    store.recharge("A101", 1_000, "o1")
    store.move_meter("e1", "B202", T0 + timedelta(hours=1), reading("e1", "105", 60))
    store.bill_readings([reading("e1", "107", 120)])
    assert store.balance("A101") == 1_000 - 300
    assert store.balance("B202") == -120
    settlement = store.move_out("A101", T0 + timedelta(hours=3), [], "moveout-A101")
    assert (settlement.refunded, settlement.billed) == (700, 0)
    assert store.balance("A101") == 0
    assert store.account("A101").closed
    owed = store.move_out(
        "B202", T0 + timedelta(hours=3), [reading("e1", "108", 180)], "moveout-B202"
    )
    assert owed.billed == 180
    assert owed.bill_id is not None
    again = store.move_out("B202", T0 + timedelta(hours=3), [], "moveout-B202")
    assert again.bill_id == owed.bill_id
    # a vacant meter's usage goes to the landlord's vacant account
    store.bill_readings([reading("e1", "109", 240)])
    assert store.balance("vacant") == -60
    assert_sound(store)


def test_unknown_meter_reading_is_invalid(store: LedgerStore) -> None:
    result = store.bill_readings([reading("ghost", "1", 1)])
    assert result.statuses["ghost"] is ReadingStatus.INVALID


def test_quarantine_list_and_tariff_never_retroactive(backend: Backend) -> None:
    store = backend.open()
    setup_tenant(store)
    store.bill_readings([reading("e1", "9999999", 5)])
    flags = store.quarantined_readings("e1")
    assert [(f.status, f.counter_milli) for f in flags] == [("quarantined_jump", 9_999_999_000)]
    assert store.meter_state("e1").hwm_milli == 100_000
    book = tariffs()["power"]
    future = TariffVersion(T0 + timedelta(days=30), flat_tariff(UtilityKind.ELECTRICITY, 700_000))
    store.register_tariff("power", TariffBook((*book.versions, future)))
    past = TariffVersion(T0 - timedelta(days=1), flat_tariff(UtilityKind.ELECTRICITY, 1))
    with pytest.raises(InvalidAmount):
        store.register_tariff("power", TariffBook((*book.versions, past, future)))
