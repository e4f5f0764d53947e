"""Monthly balance checkpoints: opening balances without summing the whole history.

For each local month M the ledger stores every account's sum of postings dated before M
(``balance_checkpoint``) and the lowest entry id dated in M or later when it was taken
(``checkpoint_month.first_entry_id``). An opening balance at an instant S is then the latest
checkpoint at or before S plus the postings dated from that month's start up to S, read from
entry ids at or above the checkpoint's ``first_entry_id`` only.

Checkpoints are taken by the write path (the first poll of a month, :func:`ensure`), each from
the one before plus one month of postings; the first from the whole journal, once. An entry
written later with an earlier date (a back-dated adjustment) deletes the checkpoints it would
falsify (:func:`invalidate_before`) and they are taken again. The audit (I17) recomputes every
checkpoint from the postings.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from .journal import to_us
from .schema import balance_checkpoint, checkpoint_month, journal_entry, posting


def month_start_us(month: int, timezone: str) -> int:
    """Return the instant a local month (``YYYYMM``) starts, in microseconds."""
    start = datetime(month // 100, month % 100, 1, tzinfo=ZoneInfo(timezone))
    return to_us(start)


def _next(month: int) -> int:
    return month + 1 if month % 100 < 12 else (month // 100 + 1) * 100 + 1


def latest(conn: Connection) -> int | None:
    """Return the latest month with a checkpoint."""
    found = conn.execute(select(func.max(checkpoint_month.c.month))).scalar()
    return None if found is None else int(found)


def invalidate_before(conn: Connection, day: int) -> None:
    """Delete the checkpoints an entry dated ``day`` (``YYYYMMDD``) would falsify."""
    newest = latest(conn)
    if newest is None or day // 100 >= newest:
        return
    stale = checkpoint_month.c.month > day // 100
    conn.execute(balance_checkpoint.delete().where(balance_checkpoint.c.month > day // 100))
    conn.execute(checkpoint_month.delete().where(stale))


def _first_id_from(conn: Connection, month: int) -> int:
    found = conn.execute(
        select(func.min(journal_entry.c.id)).where(journal_entry.c.day >= month * 100 + 1)
    ).scalar()
    if found is not None:
        return int(found)
    top = conn.execute(select(func.max(journal_entry.c.id))).scalar()
    return int(top or 0) + 1


def _sums(conn: Connection, *conditions: object) -> dict[int, int]:
    query = (
        select(posting.c.account_id, func.sum(posting.c.amount))
        .select_from(posting.join(journal_entry, journal_entry.c.id == posting.c.entry_id))
        .where(*conditions)  # type: ignore[arg-type]
        .group_by(posting.c.account_id)
    )
    return {int(r[0]): int(r[1]) for r in conn.execute(query)}


def ensure(conn: Connection, today: int, timezone: str) -> int:
    """Take the checkpoints missing up to the month of ``today`` (``YYYYMMDD``); return how many."""
    target = today // 100
    newest = latest(conn)
    if newest is not None and newest >= target:
        return 0
    if newest is None:
        oldest = conn.execute(select(func.min(journal_entry.c.day))).scalar()
        month = target if oldest is None else min(int(oldest) // 100, target)
        posted = _sums(conn, journal_entry.c.day < month * 100 + 1)
    else:
        row = conn.execute(select(checkpoint_month).where(checkpoint_month.c.month == newest)).one()
        posted = {
            int(r.account_id): int(r.posted)
            for r in conn.execute(
                select(balance_checkpoint).where(balance_checkpoint.c.month == newest)
            )
        }
        month = _next(newest)
        for acc, amount in _sums(
            conn,
            journal_entry.c.id >= row.first_entry_id,
            journal_entry.c.day >= newest * 100 + 1,
            journal_entry.c.day < month * 100 + 1,
        ).items():
            posted[acc] = posted.get(acc, 0) + amount
    taken = 0
    while True:
        conn.execute(
            checkpoint_month.insert().values(
                month=month,
                start_us=month_start_us(month, timezone),
                first_entry_id=_first_id_from(conn, month),
            )
        )
        rows = [{"month": month, "account_id": a, "posted": p} for a, p in posted.items() if p]
        if rows:
            conn.execute(balance_checkpoint.insert(), rows)
        taken += 1
        if month >= target:
            return taken
        following = _next(month)
        for acc, amount in _sums(
            conn,
            journal_entry.c.day >= month * 100 + 1,
            journal_entry.c.day < following * 100 + 1,
        ).items():
            posted[acc] = posted.get(acc, 0) + amount
        month = following


def opening(conn: Connection, acc: int, start_us: int) -> tuple[int, int]:
    """Return an account's posted balance before an instant, and the entry id to read from.

    The entry id bounds any later query of entries dated at or after ``start_us``.
    """
    row = conn.execute(
        select(checkpoint_month)
        .where(checkpoint_month.c.start_us <= start_us)
        .order_by(checkpoint_month.c.month.desc())
        .limit(1)
    ).first()
    base, first_id, from_day = 0, 0, 0
    if row is not None:
        first_id, from_day = int(row.first_entry_id), int(row.month) * 100 + 1
        base = int(
            conn.execute(
                select(balance_checkpoint.c.posted).where(
                    balance_checkpoint.c.month == row.month,
                    balance_checkpoint.c.account_id == acc,
                )
            ).scalar()
            or 0
        )
    rest = conn.execute(
        select(func.coalesce(func.sum(posting.c.amount), 0))
        .select_from(posting.join(journal_entry, journal_entry.c.id == posting.c.entry_id))
        .where(
            posting.c.account_id == acc,
            posting.c.entry_id >= first_id,
            journal_entry.c.day >= from_day,
            journal_entry.c.ts_us < start_us,
        )
    ).scalar_one()
    return base + int(rest), first_id


def audit(conn: Connection) -> list[str]:
    """Return the checkpoints that differ from their postings (I17)."""
    problems: list[str] = []
    for row in conn.execute(select(checkpoint_month)):
        truth = _sums(conn, journal_entry.c.day < int(row.month) * 100 + 1)
        stored = {
            int(r.account_id): int(r.posted)
            for r in conn.execute(
                select(balance_checkpoint).where(balance_checkpoint.c.month == row.month)
            )
        }
        wrong = {a for a in set(truth) | set(stored) if truth.get(a, 0) != stored.get(a, 0)}
        problems += [
            f"I17 checkpoint {row.month} account {a} {stored.get(a, 0)} != postings "
            f"{truth.get(a, 0)}"
            for a in sorted(wrong)
        ]
        # Entries dated before the month may sit above the bound (a clock jump), and are
        # counted by date; an entry dated in the month or later below it would be lost.
        late = conn.execute(
            select(func.count())
            .select_from(journal_entry)
            .where(
                journal_entry.c.id < row.first_entry_id,
                journal_entry.c.day >= int(row.month) * 100 + 1,
            )
        ).scalar_one()
        if late:
            problems.append(f"I17 checkpoint {row.month} entry bound crossed by {late}")
    return problems
