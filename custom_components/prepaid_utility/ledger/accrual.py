"""The open hour's usage: accrued in place, posted as one journal entry when the hour closes.

A poll cycle does not write a journal entry. It adds each consuming account's charge (and the
revenue accounts' matching credits) to ``account.balance`` and to ``account.accrued`` in the
same transaction as the meter cursors and the hourly buckets, so every balance is current
after every poll (cut-off and alarms act on it) while what is stored grows with hours, not
polls. The accruals of one local hour (``accrual_slot``) become one immutable, balanced
``usage`` entry (key ``<hour>``, then ``<hour>.1`` ... if the hour was closed early):

* at the first poll of a later hour (or an earlier one: the clock went back);
* before any other money entry is written (recharge, refund, adjustment, reversal, fee, bill,
  apportionment, move-out: :func:`.entries.write_entry` closes the hour first), so the journal
  keeps the order in which money moved;
* when a poll takes a tenant's balance from above zero to zero or below (the cut-off decision
  then rests on a posted entry);
* when a statement is made or the store is closed (``LedgerCore.settle_usage``).

The invariant (checked by :mod:`.audit` as I16): for every account
``balance == sum(postings) + accrued``; ``sum(accrued) == 0``; accruals exist only with an open
slot. Closing turns accruals into postings without touching ``balance``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, select

from . import checkpoints
from .bulk import BulkStatement
from .journal import NewEntry, from_us, insert_entry, local_day, step, to_us
from .rows import lock_hour
from .schema import account, accrual_slot, journal_entry

SLOT_ID = 1
_ACCRUE = BulkStatement(
    lambda _dialect: (
        account.update()
        .where(account.c.id == bindparam("acc"))
        .values(
            balance=account.c.balance + bindparam("delta"),
            accrued=account.c.accrued + bindparam("delta"),
        )
    )
)


def slot_of(micros: int, timezone: str) -> int:
    """Return the start of the local hour holding an instant (whole-hour or not, DST-aware)."""
    local = from_us(micros).astimezone(ZoneInfo(timezone))
    return to_us(local.replace(minute=0, second=0, microsecond=0))


def accrue(conn: Connection, deltas: Mapping[int, int], now: datetime, timezone: str) -> int | None:
    """Add a cycle's balanced charges to the open hour; return the id of an entry it closed.

    A cycle in another hour than the open one closes it first.
    """
    lines = {acc: amount for acc, amount in deltas.items() if amount}
    if sum(lines.values()) != 0:
        raise ValueError("accrual does not balance")
    now_us = to_us(now)
    slot = slot_of(now_us, timezone)
    lock_hour(conn)
    row = conn.execute(select(accrual_slot).where(accrual_slot.c.id == SLOT_ID)).first()
    closed = None
    if row is not None and row.slot_us != slot:
        closed = close(conn)
        row = None
    if not lines:
        return closed
    _ACCRUE.run(conn, [{"acc": acc, "delta": delta} for acc, delta in sorted(lines.items())])
    step("accrual:accounts")
    day = local_day(now_us, timezone)
    if row is None:
        conn.execute(
            accrual_slot.insert().values(id=SLOT_ID, slot_us=slot, last_us=now_us, day=day)
        )
    elif now_us > row.last_us:
        conn.execute(
            accrual_slot.update()
            .where(accrual_slot.c.id == SLOT_ID)
            .values(last_us=now_us, day=day)
        )
    step("accrual:slot")
    return closed


def open_accruals(conn: Connection) -> dict[int, int]:
    """Return the accounts with usage accrued and not yet posted (signed like postings)."""
    return {
        int(r.id): int(r.accrued)
        for r in conn.execute(select(account.c.id, account.c.accrued).where(account.c.accrued != 0))
    }


def open_slot(conn: Connection) -> tuple[int, int, int] | None:
    """Return the open hour as (slot start, latest accrual instant, its local day), or None."""
    row = conn.execute(select(accrual_slot).where(accrual_slot.c.id == SLOT_ID)).first()
    return None if row is None else (int(row.slot_us), int(row.last_us), int(row.day))


def close(conn: Connection) -> int | None:
    """Post the open hour's accruals as one usage entry; return its id (None if nothing)."""
    lock_hour(conn)
    found = open_slot(conn)
    if found is None:
        return None
    slot, last_us, day = found
    lines = open_accruals(conn)
    conn.execute(accrual_slot.delete().where(accrual_slot.c.id == SLOT_ID))
    if not lines:
        return None
    # An hour closed early (a recharge) or reopened (the clock went back) gets the next suffix.
    # Exact lookups on the unique key: a range or LIKE would depend on the server's collation.
    key, suffix = str(slot), 0
    while conn.execute(
        select(journal_entry.c.id).where(
            journal_entry.c.source == "usage", journal_entry.c.key == key
        )
    ).first():
        suffix += 1
        key = f"{slot}.{suffix}"
    postings = sorted(lines.items())
    checkpoints.invalidate_before(conn, day)
    return insert_entry(
        conn,
        NewEntry(
            source="usage",
            key=key,
            payload={"hour": slot, "postings": postings},
            kind="usage",
            amount=sum(amount for _, amount in postings if amount > 0),
            ts_us=last_us,
            day=day,
        ),
        postings,
        settles_accrual=True,
    )
