"""Row-level helpers shared by the store modules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, text
from sqlalchemy.exc import DBAPIError

from ..billing.errors import AccountClosedError, InvalidAmount, UnknownAccount
from .journal import step, to_us
from .schema import account, bill

# PostgreSQL advisory lock keys (first key; the second is the schema's hash, so two ledgers in
# one database do not wait on each other). Transaction-scoped: a killed process's connection
# ends and the server releases them, and nothing of them is in a backup.
LOCK_NAMESPACE = 0x50505500
HOUR_LOCK = LOCK_NAMESPACE + 1
SCHEMA_LOCK = LOCK_NAMESPACE + 2


class LostRace(Exception):
    """A conditional write found its row changed since it was read (another writer won)."""


def xact_lock(conn: Connection, key: int) -> None:
    """Hold an advisory lock until the transaction ends (PostgreSQL; SQLite: BEGIN IMMEDIATE).

    SQLite needs nothing: every write transaction already holds the file's write lock.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"), {"k": key}
        )


def lock_hour(conn: Connection) -> None:
    """Hold the open hour (the single ``accrual_slot``, which may have no row yet).

    Taken before any account row (see :mod:`.database` for the lock order): every money
    movement and every charged poll goes through the hour, so they serialise here and not in
    a deadlock on balances.
    """
    xact_lock(conn, HOUR_LOCK)


def retryable(err: DBAPIError) -> bool:
    """Return whether a database error is worth retrying (busy, lock, serialisation)."""
    text = str(err.orig).lower()
    return any(word in text for word in ("locked", "busy", "serializ", "deadlock"))


def lock_timed_out(err: DBAPIError) -> bool:
    """Return whether PostgreSQL gave up waiting for a lock (``lock_timeout``, SQLSTATE 55P03)."""
    return getattr(err.orig, "sqlstate", None) == "55P03"


def require_positive(amount_minor: int) -> None:
    """Refuse anything but a positive integer of minor units."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise InvalidAmount(
            "amount must be a positive integer of minor units", value=repr(amount_minor)
        )


def wallet_id(conn: Connection, code: str, *, lock: bool = False) -> int:
    """Return a tenant account's id (optionally locked); refuse system accounts."""
    query = select(account.c.id, account.c.kind).where(account.c.code == code)
    if lock:
        lock_hour(conn)
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None or row.kind != "wallet":
        raise UnknownAccount("unknown account", account=code)
    return int(row.id)


def open_wallet_id(conn: Connection, code: str) -> int:
    """Return a tenant account's id, locked; refuse a closed one (no money in after move-out).

    Locked (after the open hour, the lock order) so that money arriving while a move-out settles
    waits for it and then finds the account closed, instead of landing after the settlement read
    the balance it refunds.
    """
    lock_hour(conn)
    row = conn.execute(
        select(account.c.id, account.c.kind, account.c.closed)
        .where(account.c.code == code)
        .with_for_update()
    ).first()
    if row is None or row.kind != "wallet":
        raise UnknownAccount("unknown account", account=code)
    if row.closed:
        raise AccountClosedError("the account is closed", account=code)
    return int(row.id)


def balance_of(conn: Connection, account_id_: int) -> int:
    """Return an account's materialised balance."""
    return int(
        conn.execute(select(account.c.balance).where(account.c.id == account_id_)).scalar_one()
    )


def insert_bill(  # noqa: PLR0917
    conn: Connection,
    key: str,
    wallet: int,
    kind: str,
    amount: int,
    description: str,
    issued: datetime,
    due: datetime,
) -> int:
    """Insert a bill row and return its id."""
    step("bill:insert")
    bill_id = conn.execute(
        bill.insert().values(
            key=key,
            account_id=wallet,
            kind=kind,
            amount=amount,
            description=description,
            issued_us=to_us(issued),
            due_us=to_us(due),
        )
    ).inserted_primary_key
    assert bill_id is not None
    return int(bill_id[0])
