"""Old detail rolls up: hourly usage older than the configured age becomes daily rows.

Two ledgers bill the same 16 months of readings, one keeping every hour: statements, monthly
consumption, balances and the journal are identical; the old months hold one row per day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from custom_components.prepaid_utility.billing.engine import CounterReading
from custom_components.prepaid_utility.ledger import LedgerStore, reports
from custom_components.prepaid_utility.ledger.rollup import cutoff_month

from .conftest import T0, Backend, assert_sound, setup_tenant

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _run(backend: Backend, detail_months: int | None) -> LedgerStore:
    store = backend.open()
    store.detail_months = detail_months
    setup_tenant(store, "A101", "e1")
    store.recharge("A101", 1_000_000, "order-1")
    counter = Decimal(100)
    for step in range(1, 16 * 30 * 4):
        backend.clock.now = T0 + timedelta(hours=6 * step)
        counter += Decimal("0.5") + Decimal(step % 7) / 10
        store.bill_readings([CounterReading("e1", backend.clock.now, counter)])
    return store


def _figures(store: LedgerStore) -> dict[str, object]:
    with store.reading() as conn:
        months = []
        for m in range(16):
            # Local months (the ledger's time zone): days roll up whole, hours do not survive.
            start = datetime(2026 + (2 + m) // 12, (2 + m) % 12 + 1, 1, tzinfo=SHANGHAI)
            end = datetime(2026 + (3 + m) // 12, (3 + m) % 12 + 1, 1, tzinfo=SHANGHAI)
            months.append(reports.statement(conn, "A101", start, end))
        return {
            "statements": months,
            "consumption": reports.consumption_by_month(conn, "A101", 2027),
            "monthly": reports.monthly_report(conn, 2026, 4),
            "journal": conn.execute(text("SELECT count(*) FROM posting")).scalar_one(),
            "balances": store.balances(),
        }


def test_old_hours_become_days(tmp_path: Path) -> None:
    kept = Backend("sqlite", f"sqlite:///{tmp_path / 'kept.db'}", None)
    rolled = Backend("sqlite", f"sqlite:///{tmp_path / 'rolled.db'}", None)
    full, short = _run(kept, None), _run(rolled, 13)
    with short.reading() as conn:
        rows = dict(
            conn.execute(
                text("SELECT day / 100, count(*) FROM usage_bucket GROUP BY day / 100")
            ).all()
        )
        days = dict(
            conn.execute(
                text("SELECT day / 100, count(DISTINCT day) FROM usage_bucket GROUP BY day / 100")
            ).all()
        )
    with full.reading() as conn:
        full_rows = conn.execute(text("SELECT count(*) FROM usage_bucket")).scalar_one()
    now_month = int(rolled.clock.now.strftime("%Y%m"))
    first_kept = cutoff_month(now_month, 13)
    old = {m: n for m, n in rows.items() if m < first_kept}
    print(
        f"bucket_rows_kept={full_rows} bucket_rows_rolled={sum(rows.values())} "
        f"old_months={len(old)} first_hourly_month={first_kept}"
    )
    assert old, "the run spans more than 13 months"
    assert all(old[m] == days[m] for m in old)
    assert all(rows[m] > days[m] for m in rows if m >= first_kept and m < now_month)
    assert _figures(full) == _figures(short)
    assert_sound(short)
    kept.close_all()
    rolled.close_all()


def test_cutoff_month() -> None:
    assert cutoff_month(202703, 13) == 202602
    assert cutoff_month(202701, 1) == 202612
    assert cutoff_month(202612, 12) == 202512


def _hourly_months(store: LedgerStore) -> set[int]:
    """Return the local months that still hold more than one row for some day."""
    with store.reading() as conn:
        return {
            int(row[0])
            for row in conn.execute(
                text(
                    "SELECT day / 100 FROM usage_bucket GROUP BY day, meter_id, generation, "
                    "account_id, period, tier HAVING count(*) > 1"
                )
            )
        }


def test_detail_age_is_the_stores_setting(tmp_path: Path) -> None:
    """The age the gateway option sets (``LedgerStore.detail_months``) is what rolls up."""
    backends = {
        months: Backend("sqlite", f"sqlite:///{tmp_path / f'{months}.db'}", None)
        for months in (3, 13)
    }
    stores = {months: _run(backend, months) for months, backend in backends.items()}
    now_month = int(backends[3].clock.now.strftime("%Y%m"))
    hourly = {months: _hourly_months(store) for months, store in stores.items()}
    print(
        f"now={now_month} first_hourly_3={min(hourly[3])} first_hourly_13={min(hourly[13])} "
        f"cutoff_3={cutoff_month(now_month, 3)} cutoff_13={cutoff_month(now_month, 13)}"
    )
    assert min(hourly[3]) == cutoff_month(now_month, 3)
    assert min(hourly[13]) == cutoff_month(now_month, 13)
    assert _figures(stores[3]) == _figures(stores[13])
    assert_sound(stores[3])
    for backend in backends.values():
        backend.close_all()
