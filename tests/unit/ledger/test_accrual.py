"""Usage accrues in the open hour and is posted once per hour: growth does not follow polls.

The same consumption billed in 12 polls and in 720 polls writes the same rows and the same
money; balances are current after every poll (balance = postings + accrued); the hour is
posted early by a recharge, by a balance crossing zero, by a statement and by closing the store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from custom_components.prepaid_utility.billing.engine import CounterReading
from custom_components.prepaid_utility.ledger import LedgerStore, reports
from custom_components.prepaid_utility.ledger.journal import day_hours, local_day, to_us

from .conftest import T0, Backend, assert_sound, setup_tenant

CODES = ("A101", "B202", "C303")
# Watt-hours per hour of each tenant: 1.2 kWh, 0.45 kWh, 2.999 kWh.
RATE_WH = {"A101": 1_200, "B202": 450, "C303": 2_999}


def _used_wh(code: str, seconds: int) -> int:
    """Consumption up to an instant: the hour's energy spread over its first 50 minutes."""
    hours, into = divmod(seconds, 3600)
    return RATE_WH[code] * hours + RATE_WH[code] * min(into, 3000) // 3000


def _bill_hours(store: LedgerStore, backend: Backend, polls_per_hour: int, hours: int) -> None:
    # A poll's money goes to the hour it is polled in: with nothing used in the last ten
    # minutes of an hour, both intervals see each hour's consumption within that hour.
    step = 3600 // polls_per_hour
    for i in range(1, polls_per_hour * hours + 1):
        backend.clock.now = T0 + timedelta(seconds=step * i)
        store.bill_readings(
            [
                CounterReading(
                    f"e-{code}",
                    backend.clock.now,
                    Decimal(100) + Decimal(_used_wh(code, step * i)) / 1000,
                )
                for code in CODES
            ]
        )
        with store.reading() as conn:
            _assert_current(conn, store)


def _assert_current(conn: Any, store: LedgerStore) -> None:
    """Every balance equals its postings plus its accrual, after every poll."""
    rows = conn.execute(
        text(
            "SELECT a.code, a.balance, a.accrued, COALESCE(SUM(p.amount), 0) FROM account a"
            " LEFT JOIN posting p ON p.account_id = a.id GROUP BY a.id, a.code, a.balance,"
            " a.accrued"
        )
    ).all()
    wrong = [r for r in rows if r[1] != r[2] + r[3]]
    assert not wrong, wrong


def _rows(store: LedgerStore) -> dict[str, Any]:
    with store.reading() as conn:
        return {
            "journal_entry": conn.execute(
                text("SELECT source, kind, amount, day FROM journal_entry ORDER BY id")
            ).all(),
            "posting": conn.execute(
                text(
                    "SELECT a.code, p.amount FROM posting p JOIN account a ON a.id = p.account_id"
                    " ORDER BY p.entry_id, a.code"
                )
            ).all(),
            "usage_bucket": conn.execute(
                text("SELECT * FROM usage_bucket ORDER BY hour_us, meter_id, period, tier")
            ).all(),
        }


def _building(backend: Backend) -> LedgerStore:
    store = backend.open()
    for code in CODES:
        setup_tenant(store, code, f"e-{code}")
        store.recharge(code, 10_000, f"order-{code}")
    return store


def test_same_rows_at_any_poll_interval(tmp_path: Any) -> None:
    found: dict[int, dict[str, Any]] = {}
    balances: dict[int, dict[str, int]] = {}
    for polls in (12, 720):
        backend = Backend("sqlite", f"sqlite:///{tmp_path / f'p{polls}.db'}", None)
        store = _building(backend)
        _bill_hours(store, backend, polls, hours=3)
        backend.clock.now = T0 + timedelta(hours=3, minutes=30)
        store.settle_usage()
        found[polls] = _rows(store)
        balances[polls] = store.balances()
        assert_sound(store)
        backend.close_all()
    counts = {p: {t: len(r) for t, r in rows.items()} for p, rows in found.items()}
    print(
        f"rows_12_polls={sum(counts[12].values())} rows_720_polls={sum(counts[720].values())} "
        f"usage_entries={counts[720]['journal_entry'] - 3} "
        f"money_diff_minor={sum(abs(balances[12][c] - balances[720][c]) for c in balances[12])}"
    )
    assert counts[12] == counts[720]
    assert found[12] == found[720]
    assert balances[12] == balances[720]
    # Three recharges, then one usage entry per hour (the poll at 3:00 saw nothing new).
    assert counts[720]["journal_entry"] == 3 + 3
    # 1.2 kWh an hour at 0.60 for three hours is 2.16 exactly.
    assert balances[720]["A101"] == 10_000 - 216


def test_recharge_closes_the_hour_first_and_balance_stays_current(backend: Backend) -> None:
    store = _building(backend)
    backend.clock.now = T0 + timedelta(minutes=10)
    store.bill_readings([CounterReading("e-A101", backend.clock.now, Decimal("101"))])
    assert store.balance("A101") == 10_000 - 60  # accrued, not posted: current anyway
    with store.reading() as conn:
        usage = conn.execute(text("SELECT count(*) FROM journal_entry WHERE kind = 'usage'"))
        assert usage.scalar_one() == 0
    store.recharge("A101", 500, "order-2")
    with store.reading() as conn:
        kinds = conn.execute(text("SELECT kind FROM journal_entry ORDER BY id")).scalars().all()
        accrued = conn.execute(text("SELECT sum(abs(accrued)) FROM account")).scalar_one()
    assert kinds[-2:] == ["usage", "recharge"]
    assert accrued == 0
    # The same hour goes on accruing, posted under the hour's next key.
    backend.clock.now = T0 + timedelta(minutes=20)
    store.bill_readings([CounterReading("e-A101", backend.clock.now, Decimal("102"))])
    store.settle_usage()
    with store.reading() as conn:
        keys = conn.execute(
            text("SELECT key FROM journal_entry WHERE kind = 'usage' ORDER BY id")
        ).scalars()
        keys = list(keys)
    print(f"backend={backend.name} usage_keys={keys}")
    assert len(keys) == 2
    assert keys[1] == f"{keys[0]}.1"
    assert store.balance("A101") == 10_500 - 120
    assert_sound(store)


def test_crossing_zero_posts_the_hour(backend: Backend) -> None:
    store = backend.open()
    setup_tenant(store, "A101", "e-A101")
    store.recharge("A101", 100, "order-1")
    backend.clock.now = T0 + timedelta(minutes=5)
    store.bill_readings([CounterReading("e-A101", backend.clock.now, Decimal("100.5"))])
    with store.reading() as conn:
        before = conn.execute(text("SELECT count(*) FROM journal_entry")).scalar_one()
    backend.clock.now = T0 + timedelta(minutes=50)
    result = store.bill_readings([CounterReading("e-A101", backend.clock.now, Decimal("101.8"))])
    with store.reading() as conn:
        after = conn.execute(text("SELECT count(*) FROM journal_entry")).scalar_one()
        accrued = conn.execute(text("SELECT sum(abs(accrued)) FROM account")).scalar_one()
    print(f"backend={backend.name} balance={store.balance('A101')} posted_at_zero={after - before}")
    assert store.balance("A101") == 100 - 108
    assert result.entry_id is not None
    assert (after - before, accrued) == (1, 0)
    assert_sound(store)


def test_statements_count_open_hour_and_close_posts_it(backend: Backend) -> None:
    store = _building(backend)
    backend.clock.now = T0 + timedelta(minutes=30)
    store.bill_readings([CounterReading("e-B202", backend.clock.now, Decimal("110"))])
    start, end = T0 - timedelta(days=1), T0 + timedelta(days=1)
    with store.reading() as conn:
        unsettled = reports.statement(conn, "B202", start, end)
    assert unsettled.closing_balance == store.balance("B202") == 10_000 - 600
    assert unsettled.charges == 600
    store.close()
    store = backend.open()
    with store.reading() as conn:
        settled = reports.statement(conn, "B202", start, end)
        accrued = conn.execute(text("SELECT sum(abs(accrued)) FROM account")).scalar_one()
        lines = reports.statement_lines(conn, "B202", start, end)
    assert accrued == 0
    assert settled == unsettled
    assert [line.kind for line in lines] == ["recharge", "usage"]
    assert lines[-1].balance == store.balance("B202")
    assert_sound(store)


def _postings_before(store: LedgerStore, code: str, at: datetime) -> int:
    with store.reading() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT COALESCE(SUM(p.amount), 0) FROM posting p JOIN journal_entry j ON"
                    " j.id = p.entry_id JOIN account a ON a.id = p.account_id WHERE a.code = :c"
                    " AND j.ts_us < :t"
                ),
                {"c": code, "t": to_us(at)},
            ).scalar_one()
        )


def test_checkpoints_give_the_same_openings_as_a_scan(backend: Backend) -> None:
    store = _building(backend)
    counter = Decimal(100)
    # Five months of daily polls (Shanghai time); a back-dated adjustment in the middle.
    for day in range(1, 150):
        backend.clock.now = T0 + timedelta(days=day, hours=3)
        counter += Decimal("1.5")
        store.bill_readings([CounterReading("e-A101", backend.clock.now, counter)])
        if day == 100:
            store.adjust("A101", -77, "late", "late correction", at=T0 + timedelta(days=40))
    with store.reading() as conn:
        months = conn.execute(text("SELECT count(*) FROM checkpoint_month")).scalar_one()
    wrong = 0
    for offset in range(0, 150, 7):
        at = T0 + timedelta(days=offset, hours=5)
        with store.reading() as conn:
            found = reports.statement(conn, "A101", at, at + timedelta(days=3)).opening_balance
        wrong += found != _postings_before(store, "A101", at)
    report = store.check()
    print(f"backend={backend.name} checkpoint_months={months} opening_mismatches={wrong}")
    assert months >= 5
    assert wrong == 0
    assert report.ok, report.violations
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE balance_checkpoint SET posted = posted + 1"))
    tampered = store.check()
    assert any(v.startswith("I17") for v in tampered.violations)


def test_day_hours_bracket_local_days_in_every_zone() -> None:
    """Queries by day read an hour range of the key: it must hold every hour of those days."""
    zones = ("Pacific/Kiritimati", "Etc/GMT+12", "Asia/Kolkata", "Asia/Kathmandu", "UTC")
    misses = checked = 0
    start = datetime(2025, 12, 20, tzinfo=UTC)
    for zone in zones:
        for hour in range(24 * 80):
            micros = to_us(start + timedelta(hours=hour))
            day = local_day(micros, zone)
            month = day // 100
            for first, last in (
                (day, day),
                (month * 100 + 1, month * 100 + 31),
                (day // 10_000 * 10_000 + 101, day // 10_000 * 10_000 + 1231),
                ((day // 10_000 - 1) * 10_000, day // 10_000 * 10_000 + 9_999),
            ):
                low, high = day_hours(first, last)
                checked += 1
                misses += not low <= micros < high
    print(f"day_ranges_checked={checked} hours_outside_range={misses}")
    assert misses == 0
