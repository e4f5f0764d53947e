"""Old usage detail rolls up: hourly buckets older than a configurable age become daily rows.

The first poll cycle of each month (when the month's balance checkpoints are taken) merges the
usage buckets of whole local months older than ``usage_detail_months`` (13 by default, so last
year's same month keeps its hours for comparison) into one row per local day, meter,
generation, account, time-of-use period and block, dated at that day's first hour. Quantities
and exact amounts are summed, so every total by day, month or generation (I7, statements,
reports) stays what it was; only hourly detail older than the age is gone. Money is never
touched: journal entries and postings are append-only and are never rolled up or deleted.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, bindparam, func, select

from .checkpoints import month_start_us
from .schema import usage_bucket

DEFAULT_DETAIL_MONTHS = 13
_KEYS = ("day", "meter_id", "generation", "account_id", "period", "tier")


def cutoff_month(month: int, detail_months: int) -> int:
    """Return the first month (``YYYYMM``) whose hours are kept, ``detail_months`` back."""
    index = (month // 100) * 12 + (month % 100 - 1) - detail_months
    return (index // 12) * 100 + index % 12 + 1


def roll_up(conn: Connection, month: int, detail_months: int, timezone: str) -> int:
    """Merge the hourly buckets of months before the cutoff into daily rows; return rows removed."""
    if detail_months < 1:
        raise ValueError("usage detail must be kept for at least one month")
    before = month_start_us(cutoff_month(month, detail_months), timezone)
    old = usage_bucket.c.hour_us < before
    groups = conn.execute(
        select(
            *(usage_bucket.c[k] for k in _KEYS),
            func.min(usage_bucket.c.hour_us).label("first_hour"),
            func.sum(usage_bucket.c.quantity_milli).label("q"),
            func.sum(usage_bucket.c.exact_nano).label("n"),
            func.count().label("rows"),
        )
        .where(old)
        .group_by(*(usage_bucket.c[k] for k in _KEYS))
        .having(func.count() > 1)
    ).all()
    if not groups:
        return 0
    conn.execute(
        usage_bucket.delete().where(
            old, and_(*(usage_bucket.c[k] == bindparam(f"k_{k}") for k in _KEYS))
        ),
        [{f"k_{k}": getattr(g, k) for k in _KEYS} for g in groups],
    )
    conn.execute(
        usage_bucket.insert(),
        [
            {
                **{k: getattr(g, k) for k in _KEYS},
                "hour_us": g.first_hour,
                "quantity_milli": int(g.q),
                "exact_nano": int(g.n),
            }
            for g in groups
        ],
    )
    return sum(int(g.rows) - 1 for g in groups)
