"""Ledger benchmark: growth, write cost and reports on history built through the real write path.

Prints ``name=value`` lines. Every history here is written by ``LedgerStore.bill_readings`` (and
``recharge``) at accelerated time: a settable clock, readings of meters consuming 0.3-0.8 kW on
a time-of-use tariff with blocks, each stamped at its own instant as a gateway stamps them.
Nothing is bulk-loaded.

* Growth at 30 s and at 5 s polls: 100 meters for 3 simulated hours at each interval, after a
  warm-up hour; bytes are the SQLite file after a WAL checkpoint (what a backup copies), per
  meter and day; rows are journal entries + postings + usage buckets + quarantine, per meter
  and hour.
* A simulated week of 1,000 meters at one poll per 10 minutes (rows per hour do not depend on
  the interval, as the 30 s / 5 s figures show): its size per meter-day gives the size of a
  year; the monthly report of every account is timed on it; 30 s cycles are timed, each
  followed by the same statements replayed with raw sqlite3 in one transaction on a copy of
  the file (``bill_vs_raw_same_rows_ratio``, the median of the rounds' ratios: what
  SQLAlchemy, the engine and the ledger's bookkeeping cost over the bare writes).
* A year of 20 meters at one poll an hour: ``statement_year_ms`` for one account.
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import types
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

from sqlalchemy import Connection  # noqa: E402

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
from custom_components.prepaid_utility.ledger.journal import to_us  # noqa: E402
from custom_components.prepaid_utility.ledger.metering import add_meter, open_assignment  # noqa: E402
from custom_components.prepaid_utility.ledger.schema import account  # noqa: E402
from custom_components.prepaid_utility.ledger.store import LedgerStore  # noqa: E402

METERS = 1_000
YEAR = 2025
T0 = datetime(YEAR, 1, 1, tzinfo=UTC)
TZ = "Asia/Shanghai"
SPEC = MeterSpec(UtilityKind.ELECTRICITY, 14_490)
READ_SPREAD = timedelta(seconds=1.5)  # a poll's readings are taken over this long


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


def populate(store: LedgerStore, meters: int) -> None:
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
                for i in range(meters)
            ],
        )
        for i in range(meters):
            add_meter(conn, f"m{i:04d}", SPEC, "power", start=Decimal(1000), at=T0)
            open_assignment(conn, f"m{i:04d}", f"T{i:04d}", T0, 1_000_000)

    store._write(work)
    for i in range(meters):
        store.recharge(f"T{i:04d}", 10_000_000, f"opening-{i}")


class Building:
    """A ledger file and its meters, polled through the real write path."""

    def __init__(self, path: Path, meters: int) -> None:
        self.path = path
        self.meters = meters
        self.clock = Clock()
        self.store = LedgerStore.open(f"sqlite:///{path}", timezone=TZ, clock=self.clock)
        self.store.register_tariff("power", tariff_book())
        populate(self.store, meters)
        # Each meter's power in W (0.3-0.8 kW) and its counter in Wh * 3600 (exact).
        self.watts = [300 + (i * 37) % 500 for i in range(meters)]
        self.energy = [0] * meters
        self.seconds = 0

    def poll(self, interval_s: int) -> float:
        self.seconds += interval_s
        self.clock.now = T0 + timedelta(seconds=self.seconds)
        readings = []
        for i in range(self.meters):
            self.energy[i] += self.watts[i] * interval_s
            wh = Decimal(self.energy[i] // 3600) / 1000
            # Each reading stamped when its meter answered, as a gateway stamps them: one after
            # another over the last second and a half, each its own instant.
            at = self.clock.now - READ_SPREAD * (self.meters - 1 - i) / self.meters
            readings.append(CounterReading(f"m{i:04d}", at, Decimal(1000) + wh))
        start = time.perf_counter()
        result = self.store.bill_readings(readings)
        elapsed = time.perf_counter() - start
        assert not result.quarantined, result.quarantined[:3]
        return elapsed

    def run(self, hours: float, interval_s: int) -> None:
        for _ in range(round(hours * 3600 / interval_s)):
            self.poll(interval_s)

    def size(self) -> int:
        raw = sqlite3.connect(self.path, isolation_level=None)
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.close()
        return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*"))

    def rows(self) -> int:
        with self.store.reading() as conn:
            return sum(
                int(conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one())
                for t in ("journal_entry", "posting", "usage_bucket", "quarantine")
            )


def growth(tmp: Path, interval_s: int, meters: int = 100, hours: int = 3) -> tuple[float, float]:
    """Return (bytes per meter-day, rows per meter-hour) of steady polling at an interval."""
    building = Building(tmp / f"growth{interval_s}.db", meters)
    building.run(1, interval_s)
    size, rows = building.size(), building.rows()
    # Both measures right after the first poll of an hour: whole hours in between, each
    # posted by the next hour's first poll.
    building.run(hours, interval_s)
    grown, added = building.size() - size, building.rows() - rows
    building.store.close()
    return grown / meters / (hours / 24), added / meters / hours


def copy_ledger(path: Path, copy: Path) -> None:
    """Copy the ledger as it is, WAL included, with SQLite's online backup.

    Not a checkpoint and a file copy: a checkpoint resets the WAL, and the ledger's connection
    then drops its page cache, so the next timed cycle would start cold, as no cycle in steady
    polling does.
    """
    source = sqlite3.connect(path)
    target = sqlite3.connect(copy)
    source.backup(target)
    target.close()
    source.close()


def raw_cycle_ms(path: Path, statements: list[tuple[str, list[tuple[object, ...]]]]) -> float:
    """Replay a cycle's statements with bare sqlite3 in one transaction (same durability)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for sql, rows in statements:
        conn.executemany(sql, rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed * 1000


def capture_cycle(building: Building) -> tuple[float, list[tuple[str, list[tuple[object, ...]]]]]:
    """Time one 30 s cycle and record the statements it executed, with their parameters."""
    from sqlalchemy import event  # noqa: PLC0415

    seen: list[tuple[str, object, bool]] = []

    def record(
        _c: object, _cur: object, sql: str, params: object, _ctx: object, many: bool
    ) -> None:
        # Only kept here: copying 1,000 rows of parameters would be timed as the cycle's work.
        seen.append((sql, params, many))

    event.listen(building.store.engine, "before_cursor_execute", record)
    elapsed = building.poll(30) * 1000
    event.remove(building.store.engine, "before_cursor_execute", record)
    captured: list[tuple[str, list[tuple[object, ...]]]] = []
    for sql, params, many in seen:
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            rows = list(params) if many else [params]  # type: ignore[call-overload]
            captured.append((sql, [tuple(r) for r in rows]))
    return elapsed, captured


def cycle_vs_raw(building: Building, tmp: Path, rounds: int = 7) -> tuple[float, float, float]:
    """Return the medians of a 30 s cycle, of its raw replay, and of their ratio per round.

    Each round times one cycle, then replays its statements raw on a copy of the ledger as the
    cycle left it: the two are measured moments apart, so a busy machine slows both alike
    (the ratio is taken per round, and the median of the rounds is printed).
    """
    for _ in range(3):
        building.poll(30)  # warm: the first cycles after a week's build load every meter
    cycles, raws, ratios = [], [], []
    copy = tmp / "raw.db"
    for _ in range(rounds):
        cycle_ms, statements = capture_cycle(building)
        copy_ledger(building.path, copy)
        raw_ms = raw_cycle_ms(copy, statements)
        copy.unlink()
        for leftover in tmp.glob("raw.db-*"):
            leftover.unlink()
        cycles.append(cycle_ms)
        raws.append(raw_ms)
        ratios.append(cycle_ms / raw_ms)
    print(f"cycle_rounds={rounds} ratio_min={min(ratios):.1f} ratio_max={max(ratios):.1f}")
    return statistics.median(cycles), statistics.median(raws), statistics.median(ratios)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench_ledger_"))
    began = time.perf_counter()
    per_day, per_hour = {}, {}
    for interval in (30, 5):
        per_day[interval], per_hour[interval] = growth(tmp, interval)
        print(f"ledger_bytes_per_meter_day_{interval}s={per_day[interval]:.0f}")
        print(f"rows_per_meter_hour_{interval}s={per_hour[interval]:.2f}")
        sys.stdout.flush()
    print(f"ledger_bytes_per_meter_day={max(per_day.values()):.0f}")
    print(f"rows_per_meter_hour_equal={int(per_hour[30] == per_hour[5])}")

    start = time.perf_counter()
    week = Building(tmp / "week.db", METERS)
    week.run(1, 600)
    size = week.size()
    week.run(24 * 7, 600)
    week.store.settle_usage()
    week_bytes = (week.size() - size) / METERS / 7
    print(f"week_meters={METERS} week_build_s={time.perf_counter() - start:.0f}")
    print(f"week_ledger_bytes_per_meter_day={week_bytes:.0f}")
    print(f"ledger_gb_per_year_1000_meters={week_bytes * 1000 * 365 / 1e9:.2f}")
    cycle_ms, raw_ms, ratio = cycle_vs_raw(week, tmp)
    print(f"bill_cycle_1000_ms={cycle_ms:.1f}")
    print(f"raw_same_rows_1000_ms={raw_ms:.1f}")
    print(f"bill_vs_raw_same_rows_ratio={ratio:.1f}")
    week.store.close()
    week.store = LedgerStore.open(f"sqlite:///{tmp / 'week.db'}", timezone=TZ, clock=week.clock)
    with week.store.reading() as conn:
        start = time.perf_counter()
        monthly = reports.monthly_report(conn, YEAR, 1)
        print(f"monthly_report_all_accounts_ms={(time.perf_counter() - start) * 1000:.1f}")
    assert len(monthly) == METERS
    week.store.close()
    sys.stdout.flush()

    start = time.perf_counter()
    year = Building(tmp / "year.db", 20)
    year.run(24 * 365, 3600)
    year.store.settle_usage()
    print(f"year_meters=20 year_build_s={time.perf_counter() - start:.0f}")
    with year.store.reading() as conn:
        start = time.perf_counter()
        statement = reports.statement(conn, "T0007", T0, T0 + timedelta(days=365))
        lines = reports.statement_lines(conn, "T0007", T0, T0 + timedelta(days=365))
        print(f"statement_year_ms={(time.perf_counter() - start) * 1000:.1f}")
        start = time.perf_counter()
        reports.statement(conn, "T0007", T0 + timedelta(days=330), T0 + timedelta(days=360))
        print(f"statement_december_ms={(time.perf_counter() - start) * 1000:.1f}")
    assert statement.charges > 0
    assert len(lines) > 8_000
    year.store.close()
    print(f"bench_wall_s={time.perf_counter() - began:.0f}")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
