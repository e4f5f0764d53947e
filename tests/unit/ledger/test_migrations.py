"""S1 pragmas, S4 migration from a saved version-1 database, S5 a newer database is refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from custom_components.prepaid_utility.billing.errors import SchemaTooNew
from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.ledger.schema import SCHEMA_VERSION

from .conftest import Backend, Clock

FIXTURES = Path(__file__).parent / "fixtures"


def test_sqlite_pragmas(tmp_path: Path) -> None:
    store = LedgerStore.open(f"sqlite:///{tmp_path / 'l.db'}")
    with store.engine.connect() as conn:
        values = (
            conn.exec_driver_sql("PRAGMA journal_mode").scalar(),
            conn.exec_driver_sql("PRAGMA synchronous").scalar(),
            conn.exec_driver_sql("PRAGMA foreign_keys").scalar(),
        )
    store.close()
    ok = sum(v == e for v, e in zip(values, ("wal", 2, 1), strict=True))
    print(f"pragmas_ok={ok}/3")
    assert ok == 3


def test_migrate_from_v1(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    raw = sqlite3.connect(path)
    raw.executescript((FIXTURES / "schema_v1_sqlite.sql").read_text(encoding="utf-8"))
    before = dict(raw.execute("SELECT code, balance FROM account").fetchall())
    raw.close()
    store = LedgerStore.open(f"sqlite:///{path}", clock=Clock(), timezone="Asia/Shanghai")
    after = store.balances()
    diffs = sum(before[code] != after[code] for code in before)
    with store.reading() as conn:
        version = conn.execute(text("SELECT version FROM schema_version")).scalar_one()
        columns = {c["name"] for c in inspect(conn).get_columns("journal_entry")}
        actors = set(conn.execute(text("SELECT DISTINCT actor FROM journal_entry")).scalars())
    report = store.check()
    store.recharge("A101", 100, "after-migration", actor="admin")
    store.close()
    print(f"schemas_tested=1 migrated_from={store.migrated_from} balance_diffs={diffs}")
    assert store.migrated_from == 1
    assert version == SCHEMA_VERSION
    assert "actor" in columns
    assert actors == {"system"}
    assert diffs == 0
    assert report.ok, report.violations
    assert before["A101"] != 0


def test_newer_schema_refused(backend: Backend) -> None:
    store = backend.open()
    store.create_account("A101")
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = :v"), {"v": SCHEMA_VERSION + 1})
    store.close()
    with pytest.raises(SchemaTooNew) as err:
        backend.open()
    assert err.value.translation_key == "schema_too_new"
    with store.engine.connect() as conn:
        version = conn.execute(text("SELECT version FROM schema_version")).scalar_one()
    print(f"backend={backend.name} newer_schema_writes=0")
    assert version == SCHEMA_VERSION + 1
