"""Posting journal entries: idempotency, balanced postings, materialised balances.

Every entry has a ``(source, key)`` with a UNIQUE constraint. Within one transaction the entry,
its postings and the balance updates are written together; an existing key with the same payload
hash returns the first entry, a different payload raises ``LedgerConflict``. Usage is the
exception to "balances move with entries": it accrues in place and is posted per hour
(:mod:`.accrual`), so ``balance == sum(postings) + accrued``. The optional step hook lets the
crash test kill the process between any two statements.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, select

from ..billing.errors import LedgerConflict, UnknownAccount
from .schema import account, journal_entry, posting

StepHook = Callable[[str], None]
_step_hook: list[StepHook] = []

SYSTEM_ACCOUNTS = (
    "revenue:electricity",
    "revenue:water",
    "revenue:fees",
    "revenue:common",
    "clearing:payments",
    "refunds:payable",
    "adjustments",
    "vacant",
)


def set_step_hook(hook: StepHook | None) -> None:
    """Install (or remove) a function called between the statements of a posting."""
    _step_hook.clear()
    if hook is not None:
        _step_hook.append(hook)


def step(name: str) -> None:
    """Mark a point inside a write transaction (for the crash test)."""
    for hook in _step_hook:
        hook(name)


@dataclass(frozen=True)
class EntryResult:
    """The journal entry an operation wrote, or found when it was replayed."""

    entry_id: int
    replayed: bool
    amount: int


def to_us(instant: datetime) -> int:
    """Return an aware datetime as integer microseconds since the epoch."""
    delta = instant.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return delta.days * 86_400_000_000 + delta.seconds * 1_000_000 + delta.microseconds


def from_us(micros: int) -> datetime:
    """Return integer microseconds since the epoch as an aware UTC datetime."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)


def local_day(micros: int, timezone: str) -> int:
    """Return the local calendar day of an instant as ``YYYYMMDD``."""
    day = from_us(micros).astimezone(ZoneInfo(timezone)).date()
    return day.year * 10_000 + day.month * 100 + day.day


def day_hours(first_day: int, last_day: int) -> tuple[int, int]:
    """Return instants (microseconds) around the local days ``first_day..last_day`` anywhere.

    Usage buckets are keyed by hour first: a range of ``hour_us`` narrows a query by local day
    to a slice of the primary key (no index on ``day`` needed); the ``day`` filter stays exact.
    Local midnights are within 14 hours of UTC midnight; days are ``YYYYMMDD`` and may be
    loose (``YYYYMM31`` for "to the end of the month", ``YYYY0000``).
    """

    def midnight(day: int) -> datetime:
        month, dom = min(max(day // 100 % 100, 1), 12), min(max(day % 100, 1), 28)
        return datetime(day // 10_000, month, dom, tzinfo=UTC)

    slack = timedelta(hours=14)
    overshoot = max(last_day % 100, 1) - min(max(last_day % 100, 1), 28) + 1
    if last_day // 100 % 100 > 12:
        overshoot += 31 * (last_day // 100 % 100 - 12)
    end = midnight(last_day) + timedelta(days=overshoot) + slack
    return to_us(midnight(first_day) - slack), to_us(end)


def payload_hash(payload: Mapping[str, Any]) -> str:
    """Return a stable hash of an operation's payload (what must match on replay)."""
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def account_id(conn: Connection, code: str, *, lock: bool = False) -> int:
    """Return an account's id, optionally locking its row (PostgreSQL ``FOR UPDATE``)."""
    query = select(account.c.id).where(account.c.code == code)
    if lock:
        query = query.with_for_update()
    found = conn.execute(query).scalar_one_or_none()
    if found is None:
        raise UnknownAccount("unknown account", account=code)
    return int(found)


def find_entry(conn: Connection, source: str, key: str, digest: str) -> EntryResult | None:
    """Return the entry of a key if it exists; raise ``LedgerConflict`` on another payload."""
    row = conn.execute(
        select(journal_entry.c.id, journal_entry.c.payload_hash, journal_entry.c.amount).where(
            journal_entry.c.source == source, journal_entry.c.key == key
        )
    ).first()
    if row is None:
        return None
    if row.payload_hash != digest:
        raise LedgerConflict("idempotency key reused with another payload", key=key, source=source)
    return EntryResult(int(row.id), True, int(row.amount))


@dataclass
class NewEntry:
    """What to write for one journal entry."""

    source: str
    key: str
    payload: Mapping[str, Any]
    kind: str
    amount: int
    ts_us: int
    day: int
    account_id: int | None = None
    reverses_id: int | None = None
    reason: str = ""
    actor: str = "system"


def insert_entry(
    conn: Connection,
    entry: NewEntry,
    postings: Iterable[tuple[int, int]],
    *,
    settles_accrual: bool = False,
) -> int:
    """Insert an entry, its postings (which must add up to zero) and update balances.

    The store writes through :func:`.entries.write_entry`, which posts the open hour's usage
    first. ``settles_accrual`` is that hour's entry itself (:mod:`.accrual`): its postings are
    already in the balances and move out of ``account.accrued`` instead.
    """
    lines = [(acc, amount) for acc, amount in postings if amount != 0]
    if sum(amount for _, amount in lines) != 0:
        raise ValueError("journal entry does not balance")
    step("entry:begin")
    entry_id = conn.execute(
        journal_entry.insert().values(
            source=entry.source,
            key=entry.key,
            payload_hash=payload_hash(entry.payload),
            kind=entry.kind,
            account_id=entry.account_id,
            amount=entry.amount,
            reverses_id=entry.reverses_id,
            reason=entry.reason,
            actor=entry.actor,
            ts_us=entry.ts_us,
            day=entry.day,
        )
    ).inserted_primary_key
    assert entry_id is not None
    entry_id = entry_id[0]
    step("entry:inserted")
    if lines:
        conn.execute(
            posting.insert(),
            [{"entry_id": entry_id, "account_id": acc, "amount": amt} for acc, amt in lines],
        )
        step("entry:postings")
        totals: dict[int, int] = defaultdict(int)
        for acc, amount in lines:
            totals[acc] += amount
        moved = (
            {"accrued": account.c.accrued - bindparam("delta")}
            if settles_accrual
            else {"balance": account.c.balance + bindparam("delta")}
        )
        conn.execute(
            account.update().where(account.c.id == bindparam("acc")).values(**moved),
            [{"acc": acc, "delta": delta} for acc, delta in sorted(totals.items())],
        )
        step("entry:balances")
    return int(entry_id)
