"""Read models for the dashboard cards: rooms at a glance, one account, months, money in and out.

Everything here reads; nothing writes. Days are ``YYYYMMDD`` integers in the store's time zone
(the ``day`` columns), so "today" and "this month" group the same way on SQLite and
PostgreSQL. Cost is what was posted to the wallet by usage entries (rounded once per entry, with
the carry), so a card shows exactly what the balance lost, not a re-priced estimate.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, func, literal, or_, select

from ..billing.errors import UnknownAccount
from .accrual import open_accruals, open_slot
from .reports import usage_days
from .schema import account, apportionment, bill, journal_entry, meter, posting, usage_bucket

USAGE = "usage"
# Entries a tenant sees on the account card; "usage" is one entry per poll and is shown as
# today's and this month's totals instead of line by line.
MOVEMENT_KINDS = ("recharge", "refund", "adjustment", "reversal", "fee", "apportion", "settlement",
                  "bill_payment")  # fmt: skip
DAYS_FOR_AVERAGE = 7


@dataclass(frozen=True, slots=True)
class Figures:
    """Usage (milli-units per utility kind) and its posted cost (minor units, positive)."""

    usage_milli: dict[str, int] = field(default_factory=dict)
    cost: int = 0


@dataclass(frozen=True, slots=True)
class Movement:
    """One money movement of an account, as the account's wallet saw it."""

    entry_id: int
    kind: str
    amount: int  # signed for the wallet: a recharge is positive, a refund negative
    ts_us: int
    day: int
    reason: str
    actor: str
    key: str
    account: str = ""


@dataclass(frozen=True, slots=True)
class AccountDetail:
    """What the account card shows."""

    code: str
    balance: int
    today: Figures
    month: Figures
    month_by_period: dict[str, dict[str, int]]  # kind -> TOU period -> milli-units
    average_daily_cost: int  # over the last full days; 0 when nothing was used
    movements: list[Movement]


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """One month of the reports card, with the same month a year before."""

    month: int
    this_year: Figures
    last_year: Figures


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A year's usage by time-of-use period and by tier block, per utility kind (milli-units)."""

    by_period: dict[str, dict[str, int]] = field(default_factory=dict)
    by_tier: dict[str, dict[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ApportionRun:
    """One common-area split as recorded when it ran (quantities in milli-units, or None)."""

    entry_id: int
    ts_us: int
    pool: str
    period: str
    method: str | None
    collection: str
    amount: int
    shares: int
    master_meter: str | None
    kind: str | None  # the master meter's utility, when the ledger knows the meter
    master_milli: int | None
    subs_milli: int | None
    pool_milli: int | None
    loss_per_mille: int | None
    weights: dict[str, int] | None = None  # None: recorded before schema version 4


@dataclass(frozen=True, slots=True)
class FinanceReport:
    """Money in and out of the building for a span of days."""

    income: list[tuple[int, int]]  # (YYYYMMDD, YYYYMM or YYYY, minor units received)
    movements: list[Movement]  # recharges and refunds, newest first
    debtors: list[tuple[str, int]]  # (account code, negative balance), largest debt first
    refunds_total: int
    apportionments: list[ApportionRun] = field(default_factory=list)  # newest first


def _wallets(
    conn: Connection, codes: Iterable[str] | None, building: str | None = None
) -> dict[int, str]:
    query = select(account.c.id, account.c.code).where(account.c.kind == "wallet")
    if codes is not None:
        query = query.where(account.c.code.in_(list(codes)))
    if building is not None:
        query = query.where(account.c.building == building)
    return {int(row.id): str(row.code) for row in conn.execute(query)}


def _wallet_id(conn: Connection, code: str) -> int:
    found = conn.execute(
        select(account.c.id).where(account.c.code == code, account.c.kind == "wallet")
    ).scalar_one_or_none()
    if found is None:
        raise UnknownAccount("unknown account", account=code)
    return int(found)


def _usage(
    conn: Connection, ids: Sequence[int], first_day: int, last_day: int, group: ColumnElement[Any]
) -> dict[tuple[Any, Any], int]:
    """Return summed milli-units grouped by (group, meter kind) for the accounts and days."""
    rows = conn.execute(
        select(group, meter.c.kind, func.sum(usage_bucket.c.quantity_milli))
        .select_from(usage_bucket.join(meter, meter.c.id == usage_bucket.c.meter_id))
        .where(
            usage_bucket.c.account_id.in_(ids),
            *usage_days(first_day, last_day),
        )
        .group_by(group, meter.c.kind)
    )
    return {(row[0], row[1]): int(row[2]) for row in rows}


def _cost(
    conn: Connection, ids: Sequence[int], first_day: int, last_day: int, group: ColumnElement[Any]
) -> dict[Any, int]:
    """Return usage cost (positive minor units) grouped by ``group`` (account id or month).

    The open hour's accrued usage (not posted yet, already in the balances) counts on the day
    of its latest poll, so today's cost is as current as the balance.
    """
    rows = conn.execute(
        select(group, func.sum(-posting.c.amount))
        .select_from(posting.join(journal_entry, journal_entry.c.id == posting.c.entry_id))
        .where(
            posting.c.account_id.in_(ids),
            journal_entry.c.kind == USAGE,
            journal_entry.c.day >= first_day,
            journal_entry.c.day <= last_day,
        )
        .group_by(group)
    )
    cost: dict[Any, int] = {row[0]: int(row[1]) for row in rows}
    found = open_slot(conn)
    if found is not None and first_day <= found[2] <= last_day:
        accrued = open_accruals(conn)
        by_account = group is posting.c.account_id
        for acc in ids:
            if accrued.get(acc):
                key = acc if by_account else found[2] // 100
                cost[key] = cost.get(key, 0) - accrued[acc]
    return cost


def today_by_account(conn: Connection, codes: Iterable[str], day: int) -> dict[str, Figures]:
    """Return each account's usage and cost of one day (accounts with none are left out)."""
    wallets = _wallets(conn, codes)
    ids = list(wallets)
    usage: dict[int, dict[str, int]] = defaultdict(dict)
    for (acc, kind), milli in _usage(conn, ids, day, day, usage_bucket.c.account_id).items():
        usage[int(acc)][str(kind)] = milli
    cost = _cost(conn, ids, day, day, posting.c.account_id)
    return {
        wallets[acc]: Figures(usage.get(acc, {}), cost.get(acc, 0))
        for acc in set(usage) | {int(a) for a in cost}
    }


def _figures(conn: Connection, wallet: int, first_day: int, last_day: int) -> Figures:
    usage = _usage(conn, [wallet], first_day, last_day, usage_bucket.c.account_id)
    cost = _cost(conn, [wallet], first_day, last_day, posting.c.account_id)
    return Figures({str(kind): milli for (_, kind), milli in usage.items()}, cost.get(wallet, 0))


def _movements(
    conn: Connection, where: ColumnElement[bool], limit: int, codes: dict[int, str]
) -> list[Movement]:
    rows = conn.execute(
        select(
            journal_entry.c.id,
            journal_entry.c.kind,
            posting.c.amount,
            posting.c.account_id,
            journal_entry.c.ts_us,
            journal_entry.c.day,
            journal_entry.c.reason,
            journal_entry.c.actor,
            journal_entry.c.key,
        )
        .select_from(posting.join(journal_entry, journal_entry.c.id == posting.c.entry_id))
        .where(where)
        .order_by(journal_entry.c.id.desc())
        .limit(limit)
    )
    return [
        Movement(
            int(r.id),
            r.kind,
            int(r.amount),
            int(r.ts_us),
            int(r.day),
            r.reason,
            r.actor,
            r.key,
            codes.get(int(r.account_id), ""),
        )
        for r in rows
    ]


def account_detail(
    conn: Connection, code: str, today: int, days_before: Sequence[int], recent: int = 15
) -> AccountDetail:
    """Return an account's balance, today's and this month's figures and recent movements.

    ``days_before`` are the full days before today (oldest first) the daily average is taken
    over; the caller knows the calendar, the ledger only knows day numbers.
    """
    wallet = _wallet_id(conn, code)
    balance = conn.execute(select(account.c.balance).where(account.c.id == wallet)).scalar_one()
    month_first, month_last = today // 100 * 100 + 1, today // 100 * 100 + 31
    by_period: dict[str, dict[str, int]] = defaultdict(dict)
    for row in conn.execute(
        select(meter.c.kind, usage_bucket.c.period, func.sum(usage_bucket.c.quantity_milli))
        .select_from(usage_bucket.join(meter, meter.c.id == usage_bucket.c.meter_id))
        .where(
            usage_bucket.c.account_id == wallet,
            *usage_days(month_first, month_last),
        )
        .group_by(meter.c.kind, usage_bucket.c.period)
    ):
        by_period[str(row[0])][str(row[1])] = int(row[2])
    average = 0
    if days_before:
        spent = _cost(conn, [wallet], min(days_before), max(days_before), posting.c.account_id)
        average = spent.get(wallet, 0) // len(days_before)
    movements = _movements(
        conn,
        and_(posting.c.account_id == wallet, journal_entry.c.kind.in_(MOVEMENT_KINDS)),
        recent,
        {wallet: code},
    )
    return AccountDetail(
        code=code,
        balance=int(balance),
        today=_figures(conn, wallet, today, today),
        month=_figures(conn, wallet, month_first, month_last),
        month_by_period=dict(by_period),
        average_daily_cost=average,
        movements=movements,
    )


def monthly(conn: Connection, codes: Iterable[str], year: int) -> list[MonthFigures]:
    """Return usage and cost per month of ``year`` and of the year before, over the accounts."""
    ids = list(_wallets(conn, codes))
    first, last = (year - 1) * 10_000 + 101, year * 10_000 + 1231
    usage: dict[int, dict[str, int]] = defaultdict(dict)
    month_of_bucket = (usage_bucket.c.day // 100).label("month")
    for (month, kind), milli in _usage(conn, ids, first, last, month_of_bucket).items():
        usage[int(month)][str(kind)] = milli
    cost = _cost(conn, ids, first, last, (journal_entry.c.day // 100).label("month"))

    def figures(key: int) -> Figures:
        return Figures(usage.get(key, {}), cost.get(key, 0))

    return [
        MonthFigures(m, figures(year * 100 + m), figures((year - 1) * 100 + m))
        for m in range(1, 13)
    ]


def breakdown(conn: Connection, codes: Iterable[str], year: int) -> Breakdown:
    """Return the year's usage split by time-of-use period and by tier, over the accounts."""
    ids = list(_wallets(conn, codes))
    by_period: dict[str, dict[str, int]] = defaultdict(dict)
    by_tier: dict[str, dict[int, int]] = defaultdict(dict)
    for row in conn.execute(
        select(
            meter.c.kind,
            usage_bucket.c.period,
            usage_bucket.c.tier,
            func.sum(usage_bucket.c.quantity_milli),
        )
        .select_from(usage_bucket.join(meter, meter.c.id == usage_bucket.c.meter_id))
        .where(
            usage_bucket.c.account_id.in_(ids),
            *usage_days(year * 10_000 + 101, year * 10_000 + 1231),
        )
        .group_by(meter.c.kind, usage_bucket.c.period, usage_bucket.c.tier)
    ):
        kind, period, tier, milli = str(row[0]), str(row[1]), int(row[2]), int(row[3])
        by_period[kind][period] = by_period[kind].get(period, 0) + milli
        by_tier[kind][tier] = by_tier[kind].get(tier, 0) + milli
    return Breakdown(dict(by_period), dict(by_tier))


def merge_breakdowns(parts: Sequence[Breakdown]) -> Breakdown:
    """Add up the breakdowns of several ledgers."""
    by_period: dict[str, dict[str, int]] = defaultdict(dict)
    by_tier: dict[str, dict[int, int]] = defaultdict(dict)
    for part in parts:
        for kind, periods in part.by_period.items():
            for period, milli in periods.items():
                by_period[kind][period] = by_period[kind].get(period, 0) + milli
        for kind, tiers in part.by_tier.items():
            for tier, milli in tiers.items():
                by_tier[kind][tier] = by_tier[kind].get(tier, 0) + milli
    return Breakdown(dict(by_period), dict(by_tier))


def finance(
    conn: Connection,
    start_day: int,
    end_day: int,
    divisor: int,
    limit: int = 200,
    *,
    building: str | None = None,
) -> FinanceReport:
    """Return income per day/month/year (``divisor`` 1, 100, 10000), movements and debtors.

    ``building`` narrows it to one building's books; None is every building on the ledger.
    A payment is the building's when its entry is its tenant's (``journal_entry.account_id``):
    the clearing account itself is one for the whole ledger.
    """
    wallets = _wallets(conn, None, building)
    clearing = select(account.c.id).where(account.c.code == "clearing:payments").scalar_subquery()
    bucket = (journal_entry.c.day // divisor).label("bucket")
    paid_in = [
        posting.c.account_id == clearing,
        journal_entry.c.day >= start_day,
        journal_entry.c.day <= end_day,
    ]
    if building is not None:
        paid_in.append(journal_entry.c.account_id.in_(list(wallets)))
    income = [
        (int(row[0]), int(row[1]))
        for row in conn.execute(
            select(bucket, func.sum(-posting.c.amount))
            .select_from(posting.join(journal_entry, journal_entry.c.id == posting.c.entry_id))
            .where(*paid_in)
            .group_by(bucket)
            .order_by(bucket)
        )
    ]
    in_span = and_(
        posting.c.account_id.in_(list(wallets)),
        journal_entry.c.kind.in_(("recharge", "refund")),
        journal_entry.c.day >= start_day,
        journal_entry.c.day <= end_day,
    )
    movements = _movements(conn, in_span, limit, wallets)
    refunds = conn.execute(
        select(func.coalesce(func.sum(posting.c.amount), 0))
        .select_from(posting.join(journal_entry, journal_entry.c.id == posting.c.entry_id))
        .where(in_span, journal_entry.c.kind == "refund")
    ).scalar_one()
    debtors = [
        (str(row.code), int(row.balance))
        for row in conn.execute(
            select(account.c.code, account.c.balance)
            .where(account.c.id.in_(list(wallets)), account.c.balance < 0)
            .order_by(account.c.balance, account.c.code)
        )
    ]
    runs = apportionments(
        conn, start_day, end_day, limit, accounts=None if building is None else list(wallets)
    )
    return FinanceReport(income, movements, debtors, -int(refunds), runs)


def apportionments(
    conn: Connection,
    start_day: int,
    end_day: int,
    limit: int = 200,
    *,
    pool: str | None = None,
    period: str | None = None,
    accounts: Sequence[int] | None = None,
) -> list[ApportionRun]:
    """Return the common-area splits recorded in a span of days, newest first.

    ``pool`` and ``period`` narrow it to one split (there is at most one per pool and period);
    ``accounts`` (wallet ids) to the splits that charged one of them, deducted or billed.
    """
    query = (
        select(apportionment, meter.c.kind)
        .select_from(apportionment.outerjoin(meter, meter.c.id == apportionment.c.master_meter))
        .where(apportionment.c.day >= start_day, apportionment.c.day <= end_day)
        .order_by(apportionment.c.entry_id.desc())
        .limit(limit)
    )
    if accounts is not None:
        # A billed split leaves bills keyed "apportion:<entry key>:<account>" and no posting.
        split = journal_entry.alias("split")
        billed_key = literal("apportion:") + split.c.key + literal(":%")
        query = query.where(
            or_(
                exists().where(
                    posting.c.entry_id == apportionment.c.entry_id,
                    posting.c.account_id.in_(accounts),
                ),
                exists().where(
                    split.c.id == apportionment.c.entry_id,
                    bill.c.account_id.in_(accounts),
                    bill.c.key.like(billed_key),
                ),
            )
        )
    if pool is not None:
        query = query.where(apportionment.c.pool == pool)
    if period is not None:
        query = query.where(apportionment.c.period == period)
    rows = conn.execute(query)
    return [
        ApportionRun(
            entry_id=int(r.entry_id),
            ts_us=int(r.ts_us),
            pool=r.pool,
            period=r.period,
            method=r.method,
            collection=r.collection,
            amount=int(r.amount),
            shares=int(r.shares),
            master_meter=r.master_meter,
            kind=r.kind,
            master_milli=r.master_milli,
            subs_milli=r.subs_milli,
            pool_milli=r.pool_milli,
            loss_per_mille=r.loss_per_mille,
            weights=None if r.weights is None else json.loads(r.weights),
        )
        for r in rows
    ]


def balances(conn: Connection, codes: Iterable[str]) -> dict[str, int]:
    """Return the balances of the given accounts."""
    query = select(account.c.code, account.c.balance).where(account.c.code.in_(list(codes)))
    return {str(row.code): int(row.balance) for row in conn.execute(query)}


def _add(a: Figures, b: Figures) -> Figures:
    usage = dict(a.usage_milli)
    for kind, milli in b.usage_milli.items():
        usage[kind] = usage.get(kind, 0) + milli
    return Figures(usage, a.cost + b.cost)


def merge_months(parts: Sequence[Sequence[MonthFigures]]) -> list[MonthFigures]:
    """Add up the months of several ledgers (gateways that keep their money apart)."""
    merged = list(parts[0])
    for part in parts[1:]:
        merged = [
            MonthFigures(m.month, _add(m.this_year, o.this_year), _add(m.last_year, o.last_year))
            for m, o in zip(merged, part, strict=True)
        ]
    return merged


def merge_finance(parts: Sequence[FinanceReport], limit: int = 200) -> FinanceReport:
    """Add up the finance reports of several ledgers."""
    income: dict[int, int] = defaultdict(int)
    for part in parts:
        for key, amount in part.income:
            income[key] += amount
    # Newest first as one ledger lists them (its entry order breaks ties of one instant).
    movements = sorted(
        (m for part in parts for m in part.movements),
        key=lambda m: (m.ts_us, m.entry_id),
        reverse=True,
    )
    debtors = sorted((d for part in parts for d in part.debtors), key=lambda d: (d[1], d[0]))
    runs = sorted(
        (r for part in parts for r in part.apportionments),
        key=lambda r: (r.ts_us, r.entry_id),
        reverse=True,
    )
    return FinanceReport(
        income=sorted(income.items()),
        movements=movements[:limit],
        debtors=debtors,
        refunds_total=sum(part.refunds_total for part in parts),
        apportionments=runs[:limit],
    )
