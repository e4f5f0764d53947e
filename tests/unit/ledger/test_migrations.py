"""S1 pragmas, S4 migration from a saved version-1 database, S5 a newer database is refused."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from custom_components.prepaid_utility.billing.errors import SchemaTooNew
from custom_components.prepaid_utility.ledger import LedgerStore, reports
from custom_components.prepaid_utility.ledger.schema import SCHEMA_VERSION

from .conftest import Backend, Clock, tariffs

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


def test_migrate_v4_per_poll_ledger(tmp_path: Path) -> None:
    """A version-4 ledger of per-poll usage entries: balances, statements, audit unchanged."""
    path = tmp_path / "v4.db"
    raw = sqlite3.connect(path)
    raw.executescript((FIXTURES / "schema_v4_sqlite.sql").read_text(encoding="utf-8"))
    raw.close()
    expected = json.loads((FIXTURES / "schema_v4_expected.json").read_text(encoding="utf-8"))
    clock = Clock(datetime(2026, 3, 1, 18, tzinfo=UTC))
    store = LedgerStore.open(f"sqlite:///{path}", clock=clock, timezone="Asia/Shanghai")

    def statements() -> dict[str, object]:
        found: dict[str, object] = {}
        with store.reading() as conn:
            for name in expected["statements"]:
                code, start, end = name.split(" ")
                st = reports.statement(
                    conn, code, datetime.fromisoformat(start), datetime.fromisoformat(end)
                )
                found[name] = {
                    "opening": st.opening_balance,
                    "closing": st.closing_balance,
                    "totals": st.totals_by_kind,
                    "usage": [
                        [u.kind, u.period, u.tier, u.quantity_milli, u.exact_nano] for u in st.usage
                    ],
                }
        return found

    report = store.check()
    same_after_migration = (store.balances(), statements())
    # The first cycle after the migration takes the checkpoints (from the whole journal, once).
    store.register_tariff("power", tariffs()["power"])
    store.bill_readings([])
    report_after_cycle = store.check()
    with store.reading() as conn:
        months = conn.execute(text("SELECT count(*) FROM checkpoint_month")).scalar_one()
        per_poll = conn.execute(
            text("SELECT count(*) FROM journal_entry WHERE kind = 'usage'")
        ).scalar_one()
    after_cycle = (store.balances(), statements())
    store.close()
    diffs = sum(
        found != (expected["balances"], expected["statements"])
        for found in (same_after_migration, after_cycle)
    )
    print(
        f"migrated_from={store.migrated_from} per_poll_entries_kept={per_poll} "
        f"checkpoint_months={months} figure_diffs={diffs}"
    )
    assert store.migrated_from == 4
    assert per_poll == expected["usage_entries"]
    assert diffs == 0
    assert report.ok, report.violations
    assert report_after_cycle.ok, report_after_cycle.violations
    assert report.generations_checked == expected["audit"]["generations"]
    assert months == 1
