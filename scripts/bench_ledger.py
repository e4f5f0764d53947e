"""Ledger benchmark: one poll cycle of 1,000 readings, a year of hourly buckets, reports.

Prints ``name=value`` lines. The reference is a bare SQLite insert of the same number of rows
in one transaction with the same durability settings (WAL, synchronous=FULL), measured in the
same run. The year of history is written with bulk inserts shaped like what the ledger writes
(one bucket per meter and hour, one usage entry per day with a posting per account, monthly
recharges), not by replaying a year of polls.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import time
import types
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
import custom_components  # noqa: E402, F401

# billing/ledger import no Home Assistant; skip the package __init__ that does.
_pkg = types.ModuleType("custom_components.prepaid_utility")
_pkg.__path__ = [str(REPO / "custom_components" / "prepaid_utility")]
sys.modules.setdefault("custom_components.prepaid_utility", _pkg)

from sqlalchemy import Connection, create_engine, text  # noqa: E402

from custom_components.prepaid_utility.billing.engine import CounterReading, MeterSpec  # noqa: E402
from custom_components.prepaid_utility.billing.quantity import UtilityKind  # noqa: E402
from custom_components.prepaid_utility.billing.schedule import DayTable, TouPeriod, TouSchedule  # noqa: E402
from custom_components.prepaid_utility.billing.tariff import (  # noqa: E402
    Tariff,
    TariffBook,
    TariffVersion,
    Tier,
)
from custom_components.prepaid_utility.ledger import reports  # noqa: E402
from custom_components.prepaid_utility.ledger.journal import local_day, to_us  # noqa: E402
from custom_components.prepaid_utility.ledger.metering import add_meter, open_assignment  # noqa: E402
from custom_components.prepaid_utility.ledger.schema import account  # noqa: E402
from custom_components.prepaid_utility.ledger.store import LedgerStore  # noqa: E402

METERS = 1_000
YEAR = 2025
T0 = datetime(YEAR, 1, 1, tzinfo=UTC)
TZ = "Asia/Shanghai"
SPEC = MeterSpec(UtilityKind.ELECTRICITY, 14_490)


def tariff_book() -> TariffBook:
    table = DayTable(
        (
            (0, TouPeriod.VALLEY),
            (480, TouPeriod.FLAT),
            (600, TouPeriod.PEAK),
            (1080, TouPeriod.SHARP),
            (1200, TouPeriod.PEAK),
            (1320, TouPeriod.VALLEY),
        )
    )
    tariff = Tariff(
        UtilityKind.ELECTRICITY,
        {
            TouPeriod.SHARP: 1_100_000,
            TouPeriod.PEAK: 900_000,
            TouPeriod.FLAT: 600_000,
            TouPeriod.VALLEY: 300_000,
        },
        timezone=TZ,
        schedule=TouSchedule(TZ, weekday=table),
        tiers=(Tier(230_000, 0), Tier(400_000, 50_000), Tier(None, 300_000)),
    )
    return TariffBook((TariffVersion(T0 - timedelta(days=1), tariff),))


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def populate(store: LedgerStore) -> None:
    def work(conn: Connection) -> None:
        conn.execute(
            account.insert(),
            [
                {
                    "code": f"T{i:04d}",
                    "kind": "wallet",
                    "name": "",
                    "area_centi_m2": 6_000,
                    "postpaid": False,
                    "closed": False,
                    "balance": 0,
                    "created_us": to_us(T0),
                }
                for i in range(METERS)
            ],
        )
        for i in range(METERS):
            add_meter(conn, f"m{i:04d}", SPEC, "power", start=Decimal(1000), at=T0)
            open_assignment(conn, f"m{i:04d}", f"T{i:04d}", T0, 1_000_000)

    store._write(work)


def time_cycles(store: LedgerStore, clock: Clock, cycles: int) -> float:
    timings = []
    for cycle in range(1, cycles + 1):
        clock.now = T0 + timedelta(seconds=30 * cycle)
        readings = [
            CounterReading(
                f"m{i:04d}", clock.now, Decimal(1000) + Decimal(cycle * (10 + i % 7)) / 100
            )
            for i in range(METERS)
        ]
        start = time.perf_counter()
        result = store.bill_readings(readings, cycle_key=f"c{cycle}")
        timings.append(time.perf_counter() - start)
        assert not result.quarantined, result.quarantined[:3]
    return statistics.median(timings[1:]) * 1000


def raw_insert_ms(path: Path) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, meter TEXT, value INTEGER, ts INTEGER)")
    timings = []
    for run in range(6):
        rows = [(f"m{i:04d}", run * 1000 + i, run) for i in range(METERS)]
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO t (meter, value, ts) VALUES (?, ?, ?)", rows)
        conn.execute("COMMIT")
        timings.append(time.perf_counter() - start)
    conn.close()
    return statistics.median(timings[1:]) * 1000


def year_of_history(path: Path, days: int) -> int:
    """Bulk-load history with plain sqlite3 (setup, not the measured path: synchronous=OFF)."""
    hour = 3_600_000_000
    start_us = to_us(T0)
    rows = 0
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    ids = dict(conn.execute("SELECT code, id FROM account").fetchall())
    revenue, clearing = ids["revenue:electricity"], ids["clearing:payments"]
    wallets = [ids[f"T{i:04d}"] for i in range(METERS)]
    meters = [f"m{i:04d}" for i in range(METERS)]
    conn.execute("BEGIN")
    for day in range(days):
        day_us = start_us + day * 24 * hour
        batch = []
        for h in range(24):
            hour_us = day_us + h * hour
            period = ("valley", "flat", "peak", "sharp")[(h // 6) % 4]
            local = local_day(hour_us, TZ)
            batch.extend(
                (
                    meters[i],
                    1,
                    wallets[i],
                    hour_us,
                    period,
                    0,
                    local,
                    300 + i % 50,
                    (300 + i % 50) * 600_000,
                )
                for i in range(METERS)
            )
        conn.executemany(
            "INSERT INTO usage_bucket (meter_id, generation, account_id, hour_us, period, tier, "
            "day, quantity_milli, exact_nano) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch,
        )
        rows += len(batch)
        for kind, amount, offset in (("usage", -450, 23), ("recharge", 15_000, 1)):
            if kind == "recharge" and day % 30:
                continue
            ts = day_us + offset * hour
            cursor = conn.execute(
                "INSERT INTO journal_entry (source, key, payload_hash, kind, amount, reason, "
                "actor, ts_us, day) VALUES (?, ?, '-', ?, 0, '', 'bench', ?, ?)",
                (kind, f"hist-{kind}-{day}", kind, ts, local_day(ts, TZ)),
            )
            entry = cursor.lastrowid
            other = revenue if kind == "usage" else clearing
            lines = [(entry, w, amount) for w in wallets] + [(entry, other, -amount * METERS)]
            conn.executemany(
                "INSERT INTO posting (entry_id, account_id, amount) VALUES (?, ?, ?)", lines
            )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return rows


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench_ledger_"))
    clock = Clock()
    store = LedgerStore.open(f"sqlite:///{tmp / 'ledger.db'}", timezone=TZ, clock=clock)
    store.register_tariff("power", tariff_book())
    populate(store)
    cycle_ms = time_cycles(store, clock, 8)
    raw_ms = raw_insert_ms(tmp / "raw.db")
    print(f"meters={METERS}")
    print(f"bill_cycle_1000_ms={cycle_ms:.1f}")
    print(f"raw_insert_1000_ms={raw_ms:.1f}")
    print(f"bill_vs_raw_insert_ratio={cycle_ms / raw_ms:.1f}")
    sys.stdout.flush()

    pg_url = os.environ.get("PREPAID_UTILITY_PG_URL")
    if pg_url:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(pg_url)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        pg_clock = Clock()
        pg = LedgerStore.open(
            pg_url, timezone=TZ, clock=pg_clock, connect_args={"options": f"-csearch_path={schema}"}
        )
        pg.register_tariff("power", tariff_book())
        populate(pg)
        print(f"bill_cycle_1000_pg_ms={time_cycles(pg, pg_clock, 6):.1f}")
        pg.close()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
        sys.stdout.flush()

    store.close()
    days = int(sys.argv[1]) if len(sys.argv) > 1 else 365
    start = time.perf_counter()
    rows = year_of_history(tmp / "ledger.db", days)
    load_s = time.perf_counter() - start
    store = LedgerStore.open(f"sqlite:///{tmp / 'ledger.db'}", timezone=TZ, clock=clock)
    size = sum(p.stat().st_size for p in tmp.glob("ledger.db*"))
    print(f"history_days={days}")
    print(f"year_bucket_rows={rows}")
    print(f"year_load_s={load_s:.1f}")
    print(f"year_db_mb={size / 1_048_576:.0f}")
    print(f"bytes_per_bucket_row={size // max(rows, 1)}")

    with store.reading() as conn:
        start = time.perf_counter()
        statement = reports.statement(conn, "T0042", T0, T0 + timedelta(days=365))
        statement_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        monthly = reports.monthly_report(conn, YEAR, 6)
        monthly_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        reports.consumption_by_month(conn, "T0042", YEAR)
        consumption_ms = (time.perf_counter() - start) * 1000
    assert sum(u.quantity_milli for u in statement.usage) > 0
    assert len(monthly) == METERS
    print(f"statement_year_ms={statement_ms:.1f}")
    print(f"monthly_report_all_accounts_ms={monthly_ms:.1f}")
    print(f"consumption_by_month_ms={consumption_ms:.1f}")
    store.close()
    for path in tmp.iterdir():
        path.unlink()
    tmp.rmdir()


if __name__ == "__main__":
    main()
