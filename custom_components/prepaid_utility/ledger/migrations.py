"""Schema versions and the steps between them.

Version 1 had no ``journal_entry.actor`` column and no index of usage buckets by day; version 2
adds both. Each step runs in the same transaction as the version update, so a migration is
applied whole or not at all. A database newer than this code is refused, never written.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, inspect, select, text

from ..billing.errors import SchemaTooNew
from .database import append_only_ddl
from .schema import SCHEMA_VERSION, metadata, schema_version


def _v1_to_v2(conn: Connection) -> None:
    conn.execute(
        text("ALTER TABLE journal_entry ADD COLUMN actor VARCHAR(64) NOT NULL DEFAULT 'system'")
    )
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_usage_bucket_day ON usage_bucket (day)"))


STEPS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2}


def current_version(conn: Connection) -> int | None:
    """Return the schema version of the database, or None for an empty database."""
    if not inspect(conn).has_table("schema_version"):
        return None
    return conn.execute(select(schema_version.c.version)).scalar_one_or_none()


def ensure_schema(conn: Connection) -> tuple[int | None, int]:
    """Create or upgrade the schema; return (version found, version now)."""
    found = current_version(conn)
    if found is None:
        metadata.create_all(conn)
        conn.execute(schema_version.insert().values(version=SCHEMA_VERSION))
    elif found > SCHEMA_VERSION:
        raise SchemaTooNew(
            "the ledger was written by a newer version",
            found=str(found),
            supported=str(SCHEMA_VERSION),
        )
    else:
        version = found
        while version < SCHEMA_VERSION:
            STEPS[version](conn)
            version += 1
        conn.execute(schema_version.update().values(version=SCHEMA_VERSION))
    for statement in append_only_ddl(conn.dialect.name):
        conn.execute(text(statement))
    return found, SCHEMA_VERSION
