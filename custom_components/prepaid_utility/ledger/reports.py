"""Read models: account statement, income, arrears, consumption by month, monthly report.

Statements select entries by their timestamp; the journal order itself is the database
sequence (timestamps are informative, see I14). Usage comes from the hourly buckets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, and_, func, select

from ..billing.errors import UnknownAccount
from . import checkpoints
from .accrual import open_accruals, open_slot
from .journal import day_hours, from_us, to_us
from .schema import account, bill, journal_entry, meter, meter_generation, posting, usage_bucket


def usage_days(first_day: int, last_day: int) -> tuple[ColumnElement[bool], ...]:
    """Return the conditions selecting usage buckets of local days ``first..last``.

    The hour range (``journal.day_hours``) reads a slice of the primary key; ``day`` is exact.
    """
    low, high = day_hours(first_day, last_day)
    return (
        usage_bucket.c.hour_us >= low,
        usage_bucket.c.hour_us < high,
        usage_bucket.c.day >= first_day,
        usage_bucket.c.day <= last_day,
    )


@dataclass(frozen=True)
class UsageLine:
    """Usage of one utility kind, TOU period and block in a statement."""

    kind: str
    period: str
    tier: int
    quantity_milli: int
    exact_nano: int


@dataclass
class Statement:
    """An account's statement for ``[start, end)``."""

    account: str
    opening_balance: int
    closing_balance: int
    totals_by_kind: dict[str, int] = field(default_factory=dict)
    usage: list[UsageLine] = field(default_factory=list)

    @property
    def charges(self) -> int:
        """Return usage charges (positive)."""
        return -self.totals_by_kind.get("usage", 0)

    @property
    def fees(self) -> int:
        """Return fees and common-area shares deducted (positive)."""
        return -(self.totals_by_kind.get("fee", 0) + self.totals_by_kind.get("apportion", 0))

    @property
    def recharges(self) -> int:
        """Return money paid in (recharges and bill payments)."""
        return self.totals_by_kind.get("recharge", 0) + self.totals_by_kind.get("bill_payment", 0)


def statement(conn: Connection, code: str, start: datetime, end: datetime) -> Statement:
    """Return the statement of an account for a period."""
    acc = conn.execute(select(account.c.id).where(account.c.code == code)).scalar_one_or_none()
    if acc is None:
        raise UnknownAccount("unknown account", account=code)
    start_us, end_us = to_us(start), to_us(end)
    joined = posting.join(journal_entry, journal_entry.c.id == posting.c.entry_id)
    opening, first_id = checkpoints.opening(conn, acc, start_us)
    totals = {
        row.kind: int(row.total)
        for row in conn.execute(
            select(journal_entry.c.kind, func.sum(posting.c.amount).label("total"))
            .select_from(joined)
            .where(
                posting.c.account_id == acc,
                posting.c.entry_id >= first_id,
                journal_entry.c.ts_us >= start_us,
                journal_entry.c.ts_us < end_us,
            )
            .group_by(journal_entry.c.kind)
        )
    }
    # The open hour's usage is in the balance already; a statement read without settling it
    # first (``LedgerCore.settle_usage``) counts it where its latest poll falls.
    accrued = _accrued(conn, acc)
    if accrued is not None:
        amount, last_us = accrued
        if last_us < start_us:
            opening += amount
        elif last_us < end_us:
            totals["usage"] = totals.get("usage", 0) + amount
    usage = [
        UsageLine(row.kind, row.period, row.tier, int(row.q), int(row.n))
        for row in conn.execute(
            select(
                meter.c.kind,
                usage_bucket.c.period,
                usage_bucket.c.tier,
                func.sum(usage_bucket.c.quantity_milli).label("q"),
                func.sum(usage_bucket.c.exact_nano).label("n"),
            )
            .select_from(usage_bucket.join(meter, meter.c.id == usage_bucket.c.meter_id))
            .where(
                usage_bucket.c.account_id == acc,
                usage_bucket.c.hour_us >= start_us,
                usage_bucket.c.hour_us < end_us,
            )
            .group_by(meter.c.kind, usage_bucket.c.period, usage_bucket.c.tier)
            .order_by(meter.c.kind, usage_bucket.c.period, usage_bucket.c.tier)
        )
    ]
    closing = int(opening) + sum(totals.values())
    return Statement(code, int(opening), closing, totals, usage)


def _accrued(conn: Connection, acc: int) -> tuple[int, int] | None:
    """Return an account's usage accrued in the open hour and the hour's latest poll."""
    found = open_slot(conn)
    if found is None:
        return None
    amount = conn.execute(select(account.c.accrued).where(account.c.id == acc)).scalar_one()
    return (int(amount), found[1]) if amount else None


@dataclass(frozen=True)
class StatementLine:
    """One journal entry as it touched an account: what, when, how much, balance after."""

    entry_id: int
    at: datetime
    kind: str
    reason: str
    amount: int
    balance: int


def statement_lines(
    conn: Connection, code: str, start: datetime, end: datetime
) -> list[StatementLine]:
    """Return an account's entries in ``[start, end)`` in journal order, with running balance."""
    acc = conn.execute(select(account.c.id).where(account.c.code == code)).scalar_one_or_none()
    if acc is None:
        raise UnknownAccount("unknown account", account=code)
    start_us, end_us = to_us(start), to_us(end)
    joined = posting.join(journal_entry, journal_entry.c.id == posting.c.entry_id)
    balance, first_id = checkpoints.opening(conn, acc, start_us)
    lines: list[StatementLine] = []
    rows = conn.execute(
        select(
            journal_entry.c.id,
            journal_entry.c.ts_us,
            journal_entry.c.kind,
            journal_entry.c.reason,
            func.sum(posting.c.amount).label("amount"),
        )
        .select_from(joined)
        .where(
            posting.c.account_id == acc,
            posting.c.entry_id >= first_id,
            journal_entry.c.ts_us >= start_us,
            journal_entry.c.ts_us < end_us,
        )
        .group_by(journal_entry.c.id, journal_entry.c.ts_us, journal_entry.c.kind)
        .group_by(journal_entry.c.reason)
        .order_by(journal_entry.c.id)
    )
    for row in rows:
        balance += int(row.amount)
        lines.append(
            StatementLine(
                int(row.id), from_us(row.ts_us), row.kind, row.reason, int(row.amount), balance
            )
        )
    return lines


class Granularity(StrEnum):
    """Grouping of the income report."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


_DIVISOR = {Granularity.DAY: 1, Granularity.MONTH: 100, Granularity.YEAR: 10_000}


def income(
    conn: Connection, granularity: Granularity, start_day: int, end_day: int
) -> list[tuple[int, int]]:
    """Return money received (recharges, bill payments) per day, month or year.

    Days are ``YYYYMMDD`` integers in the store's time zone; keys are ``YYYYMMDD``,
    ``YYYYMM`` or ``YYYY``.
    """
    clearing = select(account.c.id).where(account.c.code == "clearing:payments").scalar_subquery()
    bucket = (journal_entry.c.day // _DIVISOR[granularity]).label("bucket")
    rows = conn.execute(
        select(bucket, func.sum(-posting.c.amount))
        .select_from(posting.join(journal_entry, journal_entry.c.id == posting.c.entry_id))
        .where(
            posting.c.account_id == clearing,
            journal_entry.c.day >= start_day,
            journal_entry.c.day <= end_day,
        )
        .group_by(bucket)
        .order_by(bucket)
    )
    return [(int(row[0]), int(row[1])) for row in rows]


@dataclass(frozen=True)
class Arrear:
    """An unpaid bill past its due date."""

    account: str
    bill_id: int
    kind: str
    amount: int
    overdue_days: int


def arrears(conn: Connection, now: datetime) -> list[Arrear]:
    """Return unpaid bills whose due date has passed, oldest first."""
    now_us = to_us(now)
    rows = conn.execute(
        select(account.c.code, bill.c.id, bill.c.kind, bill.c.amount, bill.c.due_us)
        .join(account, account.c.id == bill.c.account_id)
        .where(bill.c.paid_entry_id.is_(None), bill.c.due_us < now_us)
        .order_by(bill.c.due_us, bill.c.id)
    )
    day_us = 86_400_000_000
    return [Arrear(r.code, r.id, r.kind, r.amount, (now_us - r.due_us) // day_us) for r in rows]


def consumption_by_month(
    conn: Connection, code: str, year: int
) -> list[tuple[int, dict[str, int], dict[str, int]]]:
    """Return, per month of a year, usage by kind and the same month of the previous year."""
    acc = conn.execute(select(account.c.id).where(account.c.code == code)).scalar_one_or_none()
    if acc is None:
        raise UnknownAccount("unknown account", account=code)
    month = (usage_bucket.c.day // 100).label("month")
    rows = conn.execute(
        select(month, meter.c.kind, func.sum(usage_bucket.c.quantity_milli))
        .select_from(usage_bucket.join(meter, meter.c.id == usage_bucket.c.meter_id))
        .where(
            usage_bucket.c.account_id == acc,
            *usage_days((year - 1) * 10_000, year * 10_000 + 9_999),
        )
        .group_by(month, meter.c.kind)
    )
    usage: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        usage[int(row[0])][row[1]] = int(row[2])
    return [
        (m, usage.get(year * 100 + m, {}), usage.get((year - 1) * 100 + m, {}))
        for m in range(1, 13)
    ]


@dataclass(frozen=True)
class MonthlyLine:
    """One account's month in the all-accounts report."""

    account: str
    usage_milli: dict[str, int]
    totals_by_kind: dict[str, int]
    balance: int


def monthly_report(conn: Connection, year: int, month: int) -> list[MonthlyLine]:
    """Return every tenant account's usage and money movements of a month."""
    first, last = year * 10_000 + month * 100, year * 10_000 + month * 100 + 99
    usage: dict[int, dict[str, int]] = defaultdict(dict)
    for row in conn.execute(
        select(usage_bucket.c.account_id, meter.c.kind, func.sum(usage_bucket.c.quantity_milli))
        .select_from(usage_bucket.join(meter, meter.c.id == usage_bucket.c.meter_id))
        .where(*usage_days(first, last))
        .group_by(usage_bucket.c.account_id, meter.c.kind)
    ):
        usage[int(row[0])][row[1]] = int(row[2])
    money: dict[int, dict[str, int]] = defaultdict(dict)
    for row in conn.execute(
        select(posting.c.account_id, journal_entry.c.kind, func.sum(posting.c.amount))
        .select_from(posting.join(journal_entry, journal_entry.c.id == posting.c.entry_id))
        .where(journal_entry.c.day >= first, journal_entry.c.day <= last)
        .group_by(posting.c.account_id, journal_entry.c.kind)
    ):
        money[int(row[0])][row[1]] = int(row[2])
    found = open_slot(conn)
    if found is not None and first <= found[2] <= last:
        for acc, amount in open_accruals(conn).items():
            money[acc]["usage"] = money[acc].get("usage", 0) + amount
    return [
        MonthlyLine(row.code, usage.get(row.id, {}), money.get(row.id, {}), row.balance)
        for row in conn.execute(
            select(account.c.id, account.c.code, account.c.balance)
            .where(account.c.kind == "wallet")
            .order_by(account.c.code)
        )
    ]


@dataclass(frozen=True)
class UsageTotals:
    """One account's billed usage in a time range: quantity per utility, exact cost."""

    quantity_milli: dict[str, int]
    exact_nano: int
    first_hour_us: int  # the earliest hour with usage in the range


def account_ids(conn: Connection, codes: Sequence[str]) -> dict[int, str]:
    """Return ledger id -> code of the accounts that exist among ``codes``."""
    if not codes:
        return {}
    rows = conn.execute(select(account.c.id, account.c.code).where(account.c.code.in_(codes)))
    return {int(i): str(c) for i, c in rows}


def meter_kinds(conn: Connection, meter_ids: Iterable[str]) -> dict[str, str]:
    """Return meter id -> utility kind."""
    ids = list(meter_ids)
    if not ids:
        return {}
    rows = conn.execute(select(meter.c.id, meter.c.kind).where(meter.c.id.in_(ids)))
    return {str(i): str(k) for i, k in rows}


# Reading the usage of many accounts: the filter is on the hour only, and accounts and meters
# are named in Python. ``usage_bucket`` is clustered by its primary key, which starts with the
# hour, so a range of hours is one contiguous read. Filtering by account through the
# ``(account_id, hour_us)`` index costs a random lookup into that key per row instead (the
# table has no rowid), and joining ``account`` and ``meter`` per row cost more than the whole
# read: for one hour of 1,000 accounts, 33 ms with both against 2 ms without (bench_usage).


def usage_totals(
    conn: Connection,
    accounts: Mapping[int, str],
    start_us: int,
    end_us: int,
    kinds: MutableMapping[str, str],
) -> dict[str, UsageTotals]:
    """Return the usage in ``[start_us, end_us)`` of the accounts ``accounts`` (id -> code).

    ``kinds`` caches meter id -> utility kind and is filled as needed. A local day
    ``[midnight, next midnight)`` selects exactly the buckets whose ``day`` is that day.
    Accounts without usage in the range are absent.
    """
    rows = conn.execute(
        select(
            usage_bucket.c.account_id,
            usage_bucket.c.meter_id,
            func.sum(usage_bucket.c.quantity_milli),
            func.sum(usage_bucket.c.exact_nano),
            func.min(usage_bucket.c.hour_us),
        )
        .where(usage_bucket.c.hour_us >= start_us, usage_bucket.c.hour_us < end_us)
        .group_by(usage_bucket.c.account_id, usage_bucket.c.meter_id)
    ).all()
    mine = [row for row in rows if row[0] in accounts]
    unknown = {str(row[1]) for row in mine} - kinds.keys()
    kinds.update(meter_kinds(conn, unknown))
    quantities: dict[str, dict[str, int]] = defaultdict(dict)
    nano: dict[str, int] = defaultdict(int)
    first: dict[str, int] = {}
    for account_id, meter_id, quantity, exact, hour in mine:
        code, kind = accounts[account_id], kinds[meter_id]
        quantities[code][kind] = quantities[code].get(kind, 0) + int(quantity)
        nano[code] += int(exact)
        first[code] = min(first.get(code, int(hour)), int(hour))
    return {code: UsageTotals(quantities[code], nano[code], first[code]) for code in first}


@dataclass(frozen=True)
class UsageHour:
    """One account's usage of one utility in one hour."""

    account: str
    hour_us: int
    kind: str
    quantity_milli: int
    exact_nano: int


def hourly_usage(
    conn: Connection, codes: Sequence[str], start_us: int, end_us: int
) -> list[UsageHour]:
    """Return per account, hour and utility the usage in ``[start_us, end_us)``, in hour order."""
    accounts = account_ids(conn, codes)
    if not accounts:
        return []
    rows = conn.execute(
        select(
            usage_bucket.c.account_id,
            usage_bucket.c.hour_us,
            usage_bucket.c.meter_id,
            func.sum(usage_bucket.c.quantity_milli),
            func.sum(usage_bucket.c.exact_nano),
        )
        .where(usage_bucket.c.hour_us >= start_us, usage_bucket.c.hour_us < end_us)
        .group_by(usage_bucket.c.hour_us, usage_bucket.c.account_id, usage_bucket.c.meter_id)
        .order_by(usage_bucket.c.hour_us)
    ).all()
    mine = [row for row in rows if row[0] in accounts]
    kinds = meter_kinds(conn, {str(row[2]) for row in mine})
    merged: dict[tuple[int, str, str], list[int]] = {}
    for account_id, hour, meter_id, quantity, exact in mine:
        key = (int(hour), accounts[account_id], kinds[meter_id])
        sums = merged.setdefault(key, [0, 0])
        sums[0] += int(quantity)
        sums[1] += int(exact)
    return [UsageHour(code, hour, kind, q, n) for (hour, code, kind), (q, n) in merged.items()]


def first_usage_hours(conn: Connection, codes: Sequence[str]) -> dict[str, int]:
    """Return each account's earliest hour with usage (accounts without usage are absent)."""
    if not codes:
        return {}
    # A correlated MIN per account is one index seek each; a grouped MIN would read every row.
    first = (
        select(func.min(usage_bucket.c.hour_us))
        .where(usage_bucket.c.account_id == account.c.id)
        .scalar_subquery()
    )
    rows = conn.execute(select(account.c.code, first).where(account.c.code.in_(list(codes))))
    return {code: int(hour) for code, hour in rows if hour is not None}


def meter_last_readings(conn: Connection, meter_ids: Sequence[str]) -> dict[str, int]:
    """Return the instant (µs) of each meter's last accepted reading (unknown meters absent)."""
    if not meter_ids:
        return {}
    rows = conn.execute(
        select(meter.c.id, meter_generation.c.last_us)
        .join(
            meter_generation,
            and_(
                meter_generation.c.meter_id == meter.c.id,
                meter_generation.c.generation == meter.c.generation,
            ),
        )
        .where(meter.c.id.in_(list(meter_ids)))
    )
    return {str(m): int(last) for m, last in rows}
