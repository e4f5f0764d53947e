"""Schema versions and the steps between them.

Version 1 had no ``journal_entry.actor`` column and no index of usage buckets by day; version 2
adds both. Version 3 adds ``apportionment``, the record of each common-area split; splits made
before it are backfilled from the journal (amount, period, accounts) without the meter
quantities, which were never stored and must not be recomputed from today's meters. Version 4
records each split's weights (``apportionment.weights``); earlier splits keep NULL. Version 5
accrues the open hour's usage in place (``account.accrued``, ``accrual_slot``) and keeps monthly
balance checkpoints (``checkpoint_month``, ``balance_checkpoint``); the per-poll usage entries
of earlier versions stay as they were (the journal is append-only), nothing accrues yet, and the
checkpoints are taken by the first poll cycle; it drops the index of usage buckets by day
(queries by day read an hour range of the primary key). Version 6 adds ``gateway_lease``, which
instance drives each gateway of a shared ledger. Version 7 adds ``building`` and
``account.building`` (whose books an account is in); existing accounts stay NULL until their
gateway claims them at its next start (the ledger alone cannot know which gateway made them).
Version 8 adds ``meter_identity`` and ``meter_relay`` (one meter row per physical meter on a
shared gateway); existing meters keep their rows and are bound to their identities by the first
poll that reads them. Each step
runs in the same transaction as the version update, so a migration is applied whole or not at
all. A database newer than this code is refused, never written.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, func, inspect, select, text

from ..billing.errors import SchemaTooNew
from .database import append_only_ddl
from .rows import SCHEMA_LOCK, xact_lock
from .schema import (
    SCHEMA_VERSION,
    account,
    accrual_slot,
    apportionment,
    balance_checkpoint,
    bill,
    building,
    checkpoint_month,
    gateway_lease,
    journal_entry,
    metadata,
    meter_identity,
    meter_relay,
    posting,
    schema_version,
)


def _v1_to_v2(conn: Connection) -> None:
    conn.execute(
        text("ALTER TABLE journal_entry ADD COLUMN actor VARCHAR(64) NOT NULL DEFAULT 'system'")
    )
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_usage_bucket_day ON usage_bucket (day)"))


def _v2_to_v3(conn: Connection) -> None:
    apportionment.create(conn)
    wallets = select(account.c.id).where(account.c.kind == "wallet").scalar_subquery()
    for row in conn.execute(
        select(
            journal_entry.c.id,
            journal_entry.c.key,
            journal_entry.c.reason,
            journal_entry.c.amount,
            journal_entry.c.ts_us,
            journal_entry.c.day,
        ).where(journal_entry.c.kind == "apportion")
    ):
        # The entry's key is "<pool>:<period>" and its reason the pool (store_charges.apportion).
        period = row.key.removeprefix(f"{row.reason}:")
        posted = conn.execute(
            select(func.count())
            .select_from(posting)
            .where(posting.c.entry_id == row.id, posting.c.account_id.in_(wallets))
        ).scalar_one()
        billed = conn.execute(
            select(func.count()).select_from(bill).where(bill.c.key.like(f"apportion:{row.key}:%"))
        ).scalar_one()
        conn.execute(
            apportionment.insert().values(
                entry_id=row.id,
                pool=row.reason,
                period=period,
                collection="billed" if billed else "deducted",
                amount=row.amount,
                # Accounts whose share was not zero: zero shares left no posting or bill.
                shares=int(posted) + int(billed),
                master_meter=row.reason.removeprefix("common:")
                if row.reason.startswith("common:")
                else None,
                ts_us=row.ts_us,
                day=row.day,
            )
        )


def _v3_to_v4(conn: Connection) -> None:
    # A ledger coming from version 2 got the table as this code declares it, weights included.
    if "weights" not in {c["name"] for c in inspect(conn).get_columns("apportionment")}:
        conn.execute(text("ALTER TABLE apportionment ADD COLUMN weights TEXT"))


def _v4_to_v5(conn: Connection) -> None:
    # Tests build older ledgers by downgrading the version number of a current one.
    if "accrued" not in {c["name"] for c in inspect(conn).get_columns("account")}:
        conn.execute(text("ALTER TABLE account ADD COLUMN accrued BIGINT NOT NULL DEFAULT 0"))
    for table in (accrual_slot, checkpoint_month, balance_checkpoint):
        table.create(conn, checkfirst=True)
    conn.execute(text("DROP INDEX IF EXISTS ix_usage_bucket_day"))


def _v5_to_v6(conn: Connection) -> None:
    gateway_lease.create(conn, checkfirst=True)


def _v6_to_v7(conn: Connection) -> None:
    if "building" not in {c["name"] for c in inspect(conn).get_columns("account")}:
        conn.execute(text("ALTER TABLE account ADD COLUMN building VARCHAR(64)"))
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_account_building ON account (building)"))
    building.create(conn, checkfirst=True)


def _v7_to_v8(conn: Connection) -> None:
    meter_identity.create(conn, checkfirst=True)
    meter_relay.create(conn, checkfirst=True)


STEPS: dict[int, Callable[[Connection], None]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
    4: _v4_to_v5,
    5: _v5_to_v6,
    6: _v6_to_v7,
    7: _v7_to_v8,
}


def current_version(conn: Connection) -> int | None:
    """Return the schema version of the database, or None for an empty database."""
    if not inspect(conn).has_table("schema_version"):
        return None
    return conn.execute(select(schema_version.c.version)).scalar_one_or_none()


def ensure_schema(conn: Connection) -> tuple[int | None, int]:
    """Create or upgrade the schema; return (version found, version now)."""
    # Two instances starting together on one PostgreSQL ledger: one creates or upgrades, the
    # other then finds it done.
    xact_lock(conn, SCHEMA_LOCK)
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
