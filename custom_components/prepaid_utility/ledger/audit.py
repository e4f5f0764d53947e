"""The self-audit: invariants recomputed from the journal and the usage buckets.

I1 every entry's postings add up to zero and so do all balances; I2 every materialised balance
equals the sum of its postings plus its usage accrued in the open hour (I16: the accruals add up
to zero and exist only with an open hour, see :mod:`.accrual`); I17 every stored monthly
checkpoint equals the postings dated before its month (:mod:`.checkpoints`); I7 per meter
generation the billed quantity plus the quantity held by a time-of-use split (counted by the
total register, not yet by a period register; see ``billing.engine``) equals ``hwm - start``,
and the hwm is not below the start; I10 every apportionment entry has exactly one record of its
split.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from . import checkpoints
from .accrual import open_slot
from .metering import held_milli
from .schema import account, apportionment, journal_entry, meter_generation, posting, usage_bucket


@dataclass
class InvariantReport:
    """Violations found (empty when the ledger is sound) and what was checked."""

    violations: list[str] = field(default_factory=list)
    entries_checked: int = 0
    accounts_checked: int = 0
    generations_checked: int = 0

    @property
    def ok(self) -> bool:
        """Return whether no invariant is violated."""
        return not self.violations


def check_invariants(conn: Connection) -> InvariantReport:
    """Recompute the invariants inside one read transaction."""
    report = InvariantReport()
    unbalanced = conn.execute(
        select(posting.c.entry_id, func.sum(posting.c.amount))
        .group_by(posting.c.entry_id)
        .having(func.sum(posting.c.amount) != 0)
    ).all()
    report.violations += [f"I1 entry {row[0]} sums to {row[1]}" for row in unbalanced]
    report.entries_checked = conn.execute(
        select(func.count(func.distinct(posting.c.entry_id)))
    ).scalar_one()
    sums: dict[int, int] = {
        int(row[0]): int(row[1])
        for row in conn.execute(
            select(posting.c.account_id, func.sum(posting.c.amount)).group_by(posting.c.account_id)
        )
    }
    total = accrued_total = 0
    for row in conn.execute(
        select(account.c.id, account.c.code, account.c.balance, account.c.accrued)
    ):
        report.accounts_checked += 1
        total += row.balance
        accrued_total += row.accrued
        posted = int(sums.get(row.id, 0))
        if row.balance != posted + row.accrued:
            report.violations.append(
                f"I2 {row.code} balance {row.balance} != postings {posted} + accrued {row.accrued}"
            )
    if total != 0:
        report.violations.append(f"I1 balances sum to {total}")
    if accrued_total != 0:
        report.violations.append(f"I16 accruals sum to {accrued_total}")
    elif (
        open_slot(conn) is None
        and conn.execute(
            select(func.count()).select_from(account).where(account.c.accrued != 0)
        ).scalar_one()
    ):
        report.violations.append("I16 usage accrued with no open hour")
    report.violations += checkpoints.audit(conn)
    billed = {
        (row[0], row[1]): int(row[2])
        for row in conn.execute(
            select(
                usage_bucket.c.meter_id,
                usage_bucket.c.generation,
                func.sum(usage_bucket.c.quantity_milli),
            ).group_by(usage_bucket.c.meter_id, usage_bucket.c.generation)
        )
    }
    for row in conn.execute(select(meter_generation)):
        report.generations_checked += 1
        quantity = billed.get((row.meter_id, row.generation), 0)
        held = held_milli(row.period_milli)
        if quantity + held != row.hwm_milli - row.start_milli or row.hwm_milli < row.start_milli:
            report.violations.append(
                f"I7 {row.meter_id}/{row.generation} billed {quantity} + held {held} "
                f"!= hwm {row.hwm_milli} - start {row.start_milli}"
            )
    unrecorded = conn.execute(
        select(journal_entry.c.id)
        .select_from(
            journal_entry.outerjoin(apportionment, apportionment.c.entry_id == journal_entry.c.id)
        )
        .where(journal_entry.c.kind == "apportion", apportionment.c.entry_id.is_(None))
    ).all()
    report.violations += [f"I10 apportion entry {row[0]} has no record" for row in unrecorded]
    return report
