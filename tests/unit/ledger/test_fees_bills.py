"""Fees (I11, L9 clock jumps), post-paid bills and arrears, apportionment (I10, L7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from custom_components.prepaid_utility.billing.apportion import common_area_pool, loss_per_mille
from custom_components.prepaid_utility.billing.errors import LedgerConflict
from custom_components.prepaid_utility.billing.fees import (
    FeeBasis,
    FeeCollection,
    FeeItem,
    FeeRecurrence,
)
from custom_components.prepaid_utility.ledger import reports

from .conftest import T0, Backend, assert_sound

RENT = FeeItem("rent", FeeBasis.FIXED, 150_000)
PROPERTY = FeeItem("property", FeeBasis.PER_M2, 250)
DEPOSIT = FeeItem("deposit", FeeBasis.FIXED, 50_000, FeeRecurrence.ONE_OFF, FeeCollection.BILLED)


def test_fees_once_per_period_whatever_the_clock(backend: Backend) -> None:
    store = backend.open()
    store.create_account("A101", area_centi_m2=8_550)
    items = {"A101": [RENT, PROPERTY, DEPOSIT]}
    months: set[str] = set()
    now = T0
    jumps = [
        timedelta(hours=1),
        timedelta(hours=-1),
        timedelta(days=30),
        timedelta(days=-5 * 365),  # a Raspberry Pi booting in 2021
        timedelta(days=5 * 365),
        timedelta(minutes=10),
    ]
    for i in range(50):
        now += jumps[i % len(jumps)]
        store.clock.now = now  # type: ignore[attr-defined]
        store.run_periodic_fees(items, now)
        if now >= T0:
            months.add(f"{now.year:04d}-{now.month:02d}")
    with store.reading() as conn:
        rows = conn.execute(
            text("SELECT key FROM journal_entry WHERE source = 'fee' ORDER BY key")
        ).scalars()
        keys = list(rows)
    charged_months = {k.split(":")[2] for k in keys if ":rent:" in k}
    duplicates = len(keys) - len(set(keys))
    missed = len(months - charged_months)
    print(
        f"backend={backend.name} jumps=50 duplicate_period_fees={duplicates}",
        f"missed_periods={missed}",
    )
    assert duplicates == 0
    assert missed == 0
    assert not any(k.startswith("A101:rent:2021") for k in keys)
    per_month = 150_000 + 21_375
    assert store.balance("A101") == -per_month * len(charged_months)
    assert [b.kind for b in store.bills("A101")] == ["fee"]
    assert_sound(store)


def test_postpaid_bills_arrears_and_payment(backend: Backend) -> None:
    store = backend.open()
    store.create_account("P1", postpaid=True)
    store.adjust("P1", -12_345, "usage-1", "usage")
    due = T0 + timedelta(days=10)
    bill_id = store.issue_postpaid_bill("P1", "2026-03", due)
    assert bill_id is not None
    assert store.issue_postpaid_bill("P1", "2026-03", due) == bill_id
    assert store.issue_postpaid_bill("P1", "2026-04", due) is None  # nothing new owed
    with store.reading() as conn:
        late = reports.arrears(conn, T0 + timedelta(days=15))
    assert [(a.account, a.amount, a.overdue_days) for a in late] == [("P1", 12_345, 5)]
    paid = store.pay_bill(bill_id, "pay-1")
    assert store.pay_bill(bill_id, "pay-1").entry_id == paid.entry_id
    assert store.balance("P1") == 0
    with store.reading() as conn:
        assert reports.arrears(conn, T0 + timedelta(days=15)) == []
    fee_bill = store.issue_bill("P1", 500, "b-1", due, description="key copy")
    with pytest.raises(LedgerConflict):
        store.issue_bill("P1", 600, "b-1", due)
    store.pay_bill(fee_bill, "pay-2")
    assert store.balance("revenue:fees") == 500
    assert_sound(store)


def test_apportionment_exact_and_once(backend: Backend) -> None:
    store = backend.open()
    for code in ("A", "B", "C"):
        store.create_account(code)
    pool, loss = common_area_pool(10_000, [3_000, 2_500, 1_000])
    assert (pool, loss) == (3_500, 3_500)
    assert loss_per_mille(10_000, [3_000, 2_500, 1_000]) == 350
    amount = 1_001
    result, shares = store.apportion("stairs", "2026-03", amount, {"A": 1, "B": 1, "C": 1})
    assert sum(shares.values()) == amount
    assert shares == {"A": 334, "B": 334, "C": 333}
    rerun, _ = store.apportion("stairs", "2026-03", amount, {"A": 1, "B": 1, "C": 1})
    assert rerun.replayed
    assert rerun.entry_id == result.entry_id
    with pytest.raises(LedgerConflict):
        store.apportion("stairs", "2026-03", amount, {"A": 2, "B": 1, "C": 1})
    _, billed = store.apportion(
        "lift", "2026-03", 700, {"A": 0, "B": 10, "C": 0}, collection=FeeCollection.BILLED
    )
    assert billed == {"A": 0, "B": 700, "C": 0}
    assert [b.amount for b in store.bills("B")] == [700]
    mismatch = sum(-store.balance(c) for c in "ABC") - amount
    print(f"backend={backend.name} pools=3 sum_mismatch={mismatch} rerun_entries=0")
    assert mismatch == 0
    assert_sound(store)
