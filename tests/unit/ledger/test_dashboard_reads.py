"""Read models of the dashboard cards: today, this month, days-left average, months, finance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from custom_components.prepaid_utility.billing.engine import CounterReading
from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.ledger import dashboard as read

from .conftest import ESPEC, Backend, setup_tenant

LAST_YEAR = datetime(2025, 3, 1, 4, tzinfo=UTC)  # 12:00 in Asia/Shanghai, the store's zone
TODAY = datetime(2026, 3, 5, 4, tzinfo=UTC)
BEFORE = [20260226, 20260227, 20260228, 20260301, 20260302, 20260303, 20260304]


def _bill(backend: Backend, store: LedgerStore, meter: str, at: datetime, counter: int) -> None:
    backend.clock.now = at
    store.bill_readings([CounterReading(meter, at, Decimal(counter))])


def _building(backend: Backend) -> LedgerStore:
    """A101: 10 kWh last March; 5 kWh a day from 26 Feb to 5 Mar. B102: 5 kWh today, no money."""
    store = backend.open()
    backend.clock.now = LAST_YEAR
    setup_tenant(store)
    store.recharge("A101", 10_000, "o-2025")
    _bill(backend, store, "e1", LAST_YEAR + timedelta(days=1), 110)
    counter = 110
    for day in range(8):  # 26 Feb .. 5 Mar 2026, each day's 5 kWh inside one hour
        at = datetime(2026, 2, 26, 3, tzinfo=UTC) + timedelta(days=day)
        _bill(backend, store, "e1", at, counter)
        counter += 5
        _bill(backend, store, "e1", at + timedelta(hours=1), counter)
    backend.clock.now = datetime(2026, 3, 2, 5, tzinfo=UTC)
    store.recharge("A101", 2_000, "o-2026")
    backend.clock.now = TODAY - timedelta(hours=2)
    store.create_account("B102", "Tenant B102")
    store.add_meter("e2", ESPEC, "power", start=Decimal(100), at=backend.clock.now)
    store.assign_meter("e2", "B102", backend.clock.now)
    _bill(backend, store, "e2", TODAY - timedelta(hours=1), 100)
    _bill(backend, store, "e2", TODAY, 105)
    backend.clock.now = TODAY + timedelta(minutes=5)
    store.refund("A101", 1_000, "r-1")
    return store


def test_today_month_average_and_movements(backend: Backend) -> None:
    store = _building(backend)
    with store.reading() as conn:
        today = read.today_by_account(conn, ["A101", "B102", "nobody"], 20260305)
        detail = read.account_detail(conn, "A101", 20260305, BEFORE)
        balances = read.balances(conn, ["A101", "B102"])
    assert today == {
        "A101": read.Figures({"electricity": 5_000}, 300),
        "B102": read.Figures({"electricity": 5_000}, 300),
    }
    assert detail.today == read.Figures({"electricity": 5_000}, 300)
    assert detail.month == read.Figures({"electricity": 25_000}, 1_500)  # 1..5 March
    assert sum(detail.month_by_period["electricity"].values()) == 25_000
    assert detail.average_daily_cost == 300  # 7 full days before today at 3.00 a day
    assert detail.balance == 10_000 - 600 - 8 * 300 + 2_000 - 1_000
    assert balances == {"A101": detail.balance, "B102": -300}
    assert detail.balance == store.balance("A101")
    # Newest first, usage left out (it is one entry per poll).
    assert [(m.kind, m.amount) for m in detail.movements] == [
        ("refund", -1_000),
        ("recharge", 2_000),
        ("recharge", 10_000),
    ]


def test_months_with_last_year_and_finance(backend: Backend) -> None:
    store = _building(backend)
    with store.reading() as conn:
        months = read.monthly(conn, ["A101"], 2026)
        both = read.monthly(conn, ["A101", "B102"], 2026)
        report = read.finance(conn, 20260301, 20260305, 1)
        by_year = read.finance(conn, 20250101, 20261231, 10_000)
        split = read.breakdown(conn, ["A101", "B102"], 2026)
    used = [(m.month, m.this_year.cost, m.last_year.cost) for m in months if m.this_year.cost]
    assert used == [(2, 900, 0), (3, 1_500, 600)]
    assert months[2].last_year.usage_milli == {"electricity": 10_000}
    assert both[2].this_year == read.Figures({"electricity": 30_000}, 1_800)
    assert report.income == [(20260302, 2_000)]
    assert report.refunds_total == 1_000
    assert [(m.account, m.kind, m.amount) for m in report.movements] == [
        ("A101", "refund", -1_000),
        ("A101", "recharge", 2_000),
    ]
    assert report.debtors == [("B102", -300)]
    assert by_year.income == [(2025, 10_000), (2026, 2_000)]
    # Two ledgers (gateways keeping money apart) add up month by month and period by period.
    merged = read.merge_months([months, months])
    assert merged[2].this_year == read.Figures({"electricity": 50_000}, 3_000)
    twice = read.merge_finance([report, report])
    assert twice.income == [(20260302, 4_000)]
    assert len(twice.movements) == 4
    assert twice.refunds_total == 2_000
    assert twice.debtors == [("B102", -300), ("B102", -300)]
    assert read.merge_finance([]) == read.FinanceReport([], [], [], 0)
    # A flat tariff: one period, one block, all of the year's 45 kWh.
    assert sum(split.by_period["electricity"].values()) == 45_000
    assert sum(split.by_tier["electricity"].values()) == 45_000
    assert read.merge_breakdowns([split, split]).by_tier["electricity"] == {
        tier: 2 * milli for tier, milli in split.by_tier["electricity"].items()
    }
