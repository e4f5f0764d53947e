"""Usage benchmark: what the account usage and cost sensors cost the ledger, 1,000 accounts.

Prints ``name=value`` lines. A month of hourly buckets for 1,000 meters (one account each) is
bulk-loaded like ``bench_ledger`` does; then, at 15:00 on the last day of the month, we time the
reads the usage tracker makes (all through SQLAlchemy, the way the integration runs them):

- ``usage_cycle_ms``: every poll cycle: the open hour of every account, by kind, exact cost;
- ``usage_hour_end_ms``: once an hour: the hour that just ended;
- ``usage_day_ms``: once a day (or after a late reading filled an earlier day): one day;
- ``usage_start_ms``: after a start: every completed day of the month and the last week;
- ``statistics_hour_ms``: the hourly statistics import's read of one hour of every account;
- ``raw_select_hour_ms``: the reference for ``usage_cycle_ms``, a bare sqlite3
  ``SUM ... GROUP BY account`` over the same hours, measured in the same run (and
  ``raw_select_today_ms``, the same over the whole day by the ``day`` index).
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_ledger

from custom_components.prepaid_utility.ledger import reports
from custom_components.prepaid_utility.ledger.journal import to_us
from custom_components.prepaid_utility.ledger.store import LedgerStore

DAYS = 31
RUNS = 15


def timed(work: Callable[[], object], runs: int = RUNS) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench_usage_"))
    path = tmp / "ledger.db"
    clock = bench_ledger.Clock()
    store = LedgerStore.open(f"sqlite:///{path}", timezone=bench_ledger.TZ, clock=clock)
    store.register_tariff("power", bench_ledger.tariff_book())
    bench_ledger.populate(store)
    store.close()
    rows = bench_ledger.year_of_history(path, DAYS)
    store = LedgerStore.open(f"sqlite:///{path}", timezone=bench_ledger.TZ, clock=clock)

    zone = ZoneInfo(bench_ledger.TZ)
    last = bench_ledger.T0.astimezone(zone).date() + timedelta(days=DAYS - 1)
    midnight = datetime(last.year, last.month, last.day, tzinfo=zone)
    # The last loaded hour: the open hour of a cycle at 23:xx.
    now = midnight + timedelta(hours=23)
    month = datetime(last.year, last.month, 1, tzinfo=zone)
    week = midnight - timedelta(days=7)
    codes = [f"T{i:04d}" for i in range(bench_ledger.METERS)]
    next_us = to_us(midnight + timedelta(days=1))

    hour_now = to_us(now)

    with store.reading() as conn:
        ids = reports.account_ids(conn, codes)
    kinds: dict[str, str] = {}

    def read(start_us: int, end_us: int) -> dict[str, reports.UsageTotals]:
        with store.reading() as conn:
            return reports.usage_totals(conn, ids, start_us, end_us, kinds)

    days = []
    day = min(month, week)
    while day < midnight:
        following = (day + timedelta(days=1)).date()
        end = datetime(following.year, following.month, following.day, tzinfo=zone)
        days.append((to_us(day), to_us(end)))
        day = end

    def start_up() -> None:
        for first, end in days:
            read(first, end)

    def statistics_hour() -> None:
        with store.reading() as conn:
            reports.hourly_usage(conn, codes, hour_now - 3_600_000_000, hour_now)

    assert len(read(hour_now, next_us)) == bench_ledger.METERS  # history runs to midnight
    cycle_ms = timed(lambda: read(hour_now, next_us))
    hour_end_ms = timed(lambda: read(hour_now - 3_600_000_000, hour_now))
    day_ms = timed(lambda: read(days[-1][0], days[-1][1]), 5)
    start_ms = timed(start_up, 1)
    hour_ms = timed(statistics_hour)

    raw = sqlite3.connect(path)
    local_day = last.year * 10_000 + last.month * 100 + last.day

    def raw_hours(start_us: int, end_us: int) -> list[tuple[int, int, int]]:
        return raw.execute(
            "SELECT account_id, SUM(quantity_milli), SUM(exact_nano) FROM usage_bucket "
            "WHERE hour_us >= ? AND hour_us < ? GROUP BY account_id",
            (start_us, end_us),
        ).fetchall()

    def raw_today() -> list[tuple[int, int, int]]:
        return raw.execute(
            "SELECT account_id, SUM(quantity_milli), SUM(exact_nano) FROM usage_bucket "
            "WHERE day = ? GROUP BY account_id",
            (local_day,),
        ).fetchall()

    assert len(raw_hours(hour_now, next_us)) == bench_ledger.METERS
    raw_ms = timed(lambda: raw_hours(hour_now, next_us))
    raw_today_ms = timed(raw_today)
    raw.close()
    store.close()

    print(f"accounts={bench_ledger.METERS}")
    print(f"bucket_rows={rows}")
    print(f"usage_cycle_ms={cycle_ms:.1f}")
    print(f"raw_select_hour_ms={raw_ms:.1f}")
    print(f"usage_cycle_vs_raw_ratio={cycle_ms / raw_ms:.1f}")
    print(f"usage_hour_end_ms={hour_end_ms:.1f}")
    print(f"usage_day_ms={day_ms:.1f}")
    print(f"raw_select_today_ms={raw_today_ms:.1f}")
    print(f"usage_day_vs_raw_today_ratio={day_ms / raw_today_ms:.1f}")
    print(f"usage_start_days={len(days)}")
    print(f"usage_start_ms={start_ms:.0f}")
    print(f"statistics_hour_ms={hour_ms:.1f}")
    for leftover in tmp.iterdir():
        leftover.unlink()
    tmp.rmdir()


if __name__ == "__main__":
    main()
