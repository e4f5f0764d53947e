"""Engines for the ledger: SQLite with the durability settings, or any SQLAlchemy URL.

SQLite: WAL journal, ``synchronous=FULL`` (every commit durable: this is money, like the
recorder with ``commit_interval=0``), foreign keys on, a busy timeout, and write transactions
opened with ``BEGIN IMMEDIATE`` so a writer takes the lock at the start instead of failing on
upgrade, which serialises every writer of the file (other processes included). PostgreSQL:
READ COMMITTED, and every read a write depends on holds what it read until commit, so several
Home Assistant instances can share one ledger. Locks are taken in one order, so two writers
wait for each other instead of deadlocking:

1. meter rows (``FOR UPDATE``, by id): a poll cycle, an assignment, a replacement, a move-out;
2. the open hour (advisory lock ``rows.HOUR_LOCK``; the ``accrual_slot`` row may not exist):
   every money entry and every charged poll;
3. a bill row (``FOR UPDATE``): payment;
4. account rows (``FOR UPDATE`` where a balance decides, by id when balances move).

Conditional writes back the locks up (a cursor moves only from the value read, a bill is marked
paid only while unpaid); a lost race, a deadlock or a serialisation failure is retried by the
store (bounded, with jitter). Balances change only by ``balance = balance + x``.

No writer waits for a lock forever: a holder frozen with its connection alive (a stopped
process, a debugger, a swapped-out machine) would otherwise block every other writer. Each
PostgreSQL transaction sets ``lock_timeout`` (row locks and the advisory locks alike); a lock
wait that times out is retried once, then refused as "ledger unavailable". SQLite waits its busy
timeout at ``BEGIN IMMEDIATE`` and then refuses at once (retrying would only double the wait).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, create_engine, event

BUSY_TIMEOUT_MS = 10_000
READ_ONLY = "prepaid_read_only"

APPEND_ONLY_TABLES = ("journal_entry", "posting", "apportionment")


def sqlite_url(path: str) -> str:
    """Return the SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def make_engine(
    url: str, connect_args: Mapping[str, Any] | None = None, lock_wait_ms: int = BUSY_TIMEOUT_MS
) -> Engine:
    """Return an engine configured for the ledger; a lock is waited for ``lock_wait_ms``."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            # Whole seconds until the connect hook sets the busy timeout to the millisecond.
            connect_args={"timeout": max(1, lock_wait_ms // 1000), "check_same_thread": False},
        )
        _configure_sqlite(engine, lock_wait_ms)
        return engine
    engine = create_engine(url, connect_args=dict(connect_args or {}), pool_pre_ping=True)
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # Per transaction (SET LOCAL): a pooled connection carries nothing over.
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(lock_wait_ms)}")

    return engine


def _configure_sqlite(engine: Engine, lock_wait_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_wait_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Readers (reports) must not take the write lock; writers take it at once.
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def append_only_ddl(dialect: str) -> list[str]:
    """Return the statements that make the append-only tables refuse UPDATE and DELETE."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            for table in APPEND_ONLY_TABLES
            for op in ("UPDATE", "DELETE")
        ]
    statements = [
        "CREATE OR REPLACE FUNCTION prepaid_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"
    ]
    for table in APPEND_ONLY_TABLES:
        statements.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        statements.append(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION prepaid_append_only()"
        )
    return statements
