"""One set of books: two stores on one database act as two buildings' Home Assistants.

Each store claims its accounts for its building; the finance and monthly reads of one building
hold only its accounts, and the reads of every building add up to the sum of the buildings'
(exact minor units), on SQLite and on PostgreSQL. An account stays in the building that claimed
it first, and a ledger of the version-4 shape gets its accounts' building at the first claim.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from custom_components.prepaid_utility.billing.engine import CounterReading
from custom_components.prepaid_utility.billing.errors import InvalidAmount
from custom_components.prepaid_utility.billing.fees import FeeCollection
from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.ledger import books as ledger_books
from custom_components.prepaid_utility.ledger import dashboard as read

from .conftest import ESPEC, Backend, Clock, assert_sound

DAY = datetime(2026, 3, 2, 4, tzinfo=UTC)  # 12:00 in Asia/Shanghai
FIRST, LAST = 20260301, 20260331


def _tenant(store: LedgerStore, code: str, meter_id: str, at: datetime) -> None:
    store.create_account(code)
    store.add_meter(meter_id, ESPEC, "power", start=Decimal(100), at=at)
    store.assign_meter(meter_id, code, at)


def _two_buildings(backend: Backend) -> tuple[LedgerStore, LedgerStore]:
    """Site A (A101, A102) and Site B (B201), each written by its own store."""
    a, b = backend.open(), backend.open()
    backend.clock.now = DAY
    for store, codes in ((a, ("A101", "A102")), (b, ("B201",))):
        for n, code in enumerate(codes):
            _tenant(store, code, f"m-{code}", DAY)
            store.recharge(code, 10_000 + 1_111 * n, f"order-{code}")
    a.claim_building("site-a", "Site A", ["A101", "A102"])
    b.claim_building("site-b", "Site B", ["B201"])
    backend.clock.now = DAY + timedelta(hours=2)
    for store, meter_id, kwh in ((a, "m-A101", 7), (a, "m-A102", 30), (b, "m-B201", 3)):
        store.bill_readings([CounterReading(meter_id, backend.clock.now, Decimal(100 + kwh))])
    a.refund("A101", 1_234, "refund-A101")
    b.adjust("B201", -25_000, "fine-B201", "damage")  # B201 in debt
    a.adjust("A102", -40_000, "fine-A102", "damage")  # A102 in debt
    a.apportion("common:a", "2026-03", 300, {"A101": 1, "A102": 2})
    b.apportion("common:b", "2026-03", 99, {"B201": 1}, collection=FeeCollection.BILLED)
    b.recharge("B201", 500, "order-B201-2")
    return a, b


def _finance(store: LedgerStore, building: str | None) -> ledger_books.Books:
    with store.reading() as conn:
        return ledger_books.finance(conn, FIRST, LAST, 1, building)


def test_all_buildings_are_the_sum_of_each(backend: Backend) -> None:
    a, b = _two_buildings(backend)
    every = _finance(a, None).finance
    site_a, site_b = _finance(a, "site-a").finance, _finance(b, "site-b").finance
    assert every is not None
    assert site_a is not None
    assert site_b is not None
    summed = read.merge_finance([site_a, site_b])
    with a.reading() as conn:
        months = {key: ledger_books.monthly(conn, 2026, key) for key in (None, "site-a", "site-b")}
    month_cost = {k: sum(m.this_year.cost for m in v.months or []) for k, v in months.items()}
    income = {"all": sum(v for _, v in every.income), "a": sum(v for _, v in site_a.income)}
    income["b"] = sum(v for _, v in site_b.income)
    print(
        f"dialect={backend.name} income_all={income['all']} income_a={income['a']} "
        f"income_b={income['b']} refunds_all={every.refunds_total} "
        f"debtors_all={len(every.debtors)} cost_all={month_cost[None]} "
        f"cost_a={month_cost['site-a']} cost_b={month_cost['site-b']} "
        f"books_error={int(summed != every)}"
    )
    assert income == {"all": 10_000 + 11_111 + 10_000 + 500, "a": 21_111, "b": 10_500}
    assert summed == every
    assert [d[0] for d in site_a.debtors] == ["A102"]
    assert [d[0] for d in site_b.debtors] == ["B201"]
    assert site_a.refunds_total == every.refunds_total == 1_234
    assert {m.account for m in site_b.movements} == {"B201"}
    assert [r.pool for r in site_a.apportionments] == ["common:a"]
    assert [r.pool for r in site_b.apportionments] == ["common:b"]  # billed: no posting
    # 7 + 30 kWh in A, 3 kWh in B at 0.60 a kWh.
    assert month_cost == {None: 2_400, "site-a": 2_220, "site-b": 180}
    assert months[None].accounts == months["site-a"].accounts + months["site-b"].accounts == 3
    kwh = {k: sum(m.this_year.usage_milli.get("electricity", 0) for m in v.months or [])
           for k, v in months.items()}  # fmt: skip
    assert kwh[None] == kwh["site-a"] + kwh["site-b"] == 40_000
    assert _finance(b, None).buildings == {"site-a": "Site A", "site-b": "Site B"}
    assert_sound(a)


def test_unknown_building_gives_no_books(backend: Backend) -> None:
    a, _ = _two_buildings(backend)
    found = _finance(a, "site-z")
    with a.reading() as conn:
        months = ledger_books.monthly(conn, 2026, "site-z")
    print(f"dialect={backend.name} unknown_building_books={int(found.finance is not None)}")
    assert found.finance is None
    assert months.months is None
    assert set(found.buildings) == {"site-a", "site-b"}


def test_an_account_stays_in_the_building_that_claimed_it(backend: Backend) -> None:
    a, b = _two_buildings(backend)
    moved = b.claim_building("site-b", "Site B", ["A101", "B201"])
    renamed = a.claim_building("site-a", "  Site A (north)  ", [])
    with a.reading() as conn:
        of = ledger_books.finance(conn, FIRST, LAST, 1, None).of_account
    print(f"dialect={backend.name} stolen_accounts={moved} renamed={renamed}")
    assert moved == 0
    assert of == {"A101": "site-a", "A102": "site-a", "B201": "site-b"}
    assert a.buildings() == {"site-a": "Site A (north)", "site-b": "Site B"}
    for bad in ("", "x" * 65):
        with pytest.raises(InvalidAmount):
            a.claim_building(bad, "Nowhere", ["A101"])
    assert a.buildings() == {"site-a": "Site A (north)", "site-b": "Site B"}


def test_ledger_of_version_4_gets_its_accounts_building(tmp_path: Path) -> None:
    """The saved version-4 ledger: accounts have no building until their gateway claims them."""
    path = tmp_path / "v4.db"
    raw = sqlite3.connect(path)
    fixtures = Path(__file__).parent / "fixtures"
    raw.executescript((fixtures / "schema_v4_sqlite.sql").read_text(encoding="utf-8"))
    raw.close()
    clock = Clock(datetime(2026, 3, 1, 18, tzinfo=UTC))
    store = LedgerStore.open(f"sqlite:///{path}", clock=clock, timezone="Asia/Shanghai")
    with store.reading() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("account")}
        unclaimed = conn.execute(
            text("SELECT count(*) FROM account WHERE kind = 'wallet' AND building IS NULL")
        ).scalar_one()
        codes = list(conn.execute(text("SELECT code FROM account WHERE kind = 'wallet'")).scalars())
    before = _finance(store, None).finance
    claimed = store.claim_building("gw-1", "Old building", codes)
    after_all, after_one = _finance(store, None).finance, _finance(store, "gw-1").finance
    store.close()
    print(
        f"migrated_from={store.migrated_from} accounts={len(codes)} unclaimed_before={unclaimed} "
        f"claimed={claimed} books_error={int(after_one != after_all or before != after_all)}"
    )
    assert store.migrated_from == 4
    assert "building" in columns
    assert unclaimed == len(codes) == claimed > 0
    assert after_one == after_all == before


def test_a_replayed_order_stays_in_its_building(backend: Backend) -> None:
    """Site B's store replaying Site A's order (same id, same payload) adds to no books."""
    a, b = _two_buildings(backend)
    before = (_finance(a, "site-a").finance, _finance(a, "site-b").finance)
    replay = b.recharge("A101", 10_000, "order-A101")
    after = (_finance(b, "site-a").finance, _finance(b, "site-b").finance)
    print(
        f"dialect={backend.name} replayed={int(replay.replayed)} books_error={int(before != after)}"
    )
    assert replay.replayed
    assert before == after
