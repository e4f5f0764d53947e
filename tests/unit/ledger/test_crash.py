"""L3: SIGKILL a writer process at many points inside postings; reopen; retry.

After every kill the ledger must hold each entry whole or not at all (audit I1/I2/I7 plus
every money entry having its postings), and a retry of the same script with the same keys must
end in exactly the balances of an uninterrupted run, with one entry per key.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from custom_components.prepaid_utility.ledger import LedgerStore

from .conftest import PG_URL

WORKER = Path(__file__).with_name("crash_worker.py")
REPO = Path(__file__).resolve().parents[3]


class Worker:
    """The forking worker process (see crash_worker.py)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )

    def run(self, url: str, schema: str, crash_at: int) -> tuple[int, list[str]]:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(f"{url} {schema} {crash_at}\n")
        self.proc.stdin.flush()
        lines = []
        while True:
            line = self.proc.stdout.readline().strip()
            assert line, "worker died"
            if line.startswith("rc="):
                return int(line[3:]), lines
            lines.append(line)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def open_store(url: str, schema: str) -> LedgerStore:
    args = {"options": f"-csearch_path={schema}"} if schema != "-" else None
    return LedgerStore.open(url, connect_args=args)


def partial_entries(store: LedgerStore) -> int:
    with store.reading() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM journal_entry j WHERE j.source IN "
                    "('recharge','refund','adjustment','usage','fee','apportion') AND "
                    "(SELECT count(*) FROM posting p WHERE p.entry_id = j.id) < 2"
                )
            ).scalar_one()
        )


def key_counts(store: LedgerStore) -> int:
    with store.reading() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM (SELECT source, key FROM journal_entry "
                    "GROUP BY source, key HAVING count(*) > 1) d"
                )
            ).scalar_one()
        )


class Database:
    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        self.tmp = tmp
        self.schemas: list[str] = []

    def fresh(self) -> tuple[str, str]:
        if self.backend == "sqlite":
            path = self.tmp / f"{uuid.uuid4().hex[:8]}.db"
            return f"sqlite:///{path}", "-"
        assert PG_URL
        schema = f"crash_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        self.schemas.append(schema)
        return PG_URL, schema

    def drop(self) -> None:
        if not self.schemas:
            return
        admin = create_engine(PG_URL or "")
        with admin.begin() as conn:
            for schema in self.schemas:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("backend", "points"),
    [("sqlite", 40), pytest.param("postgres", 10, marks=pytest.mark.postgres)],
)
def test_sigkill_inside_postings(backend: str, points: int, tmp_path: Path) -> None:
    if backend == "postgres" and not PG_URL:
        pytest.skip("PREPAID_UTILITY_PG_URL not set")
    db = Database(backend, tmp_path)
    worker = Worker()
    try:
        url, schema = db.fresh()
        rc, out = worker.run(url, schema, 0)
        assert rc == 0, out
        steps = int(out[-1].split("=")[1])
        store = open_store(url, schema)
        expected = store.balances()
        store.close()
        crash_points = sorted({1 + (i * steps) // points for i in range(points)})
        killed = partial = lost = mismatched = 0
        for crash_at in crash_points:
            url, schema = db.fresh()
            rc, out = worker.run(url, schema, crash_at)
            killed += rc == -9
            store = open_store(url, schema)
            report = store.check()
            partial += partial_entries(store) + (not report.ok)
            store.close()
            rc, out = worker.run(url, schema, 0)
            assert rc == 0, out
            store = open_store(url, schema)
            lost += key_counts(store) + (not store.check().ok)
            mismatched += store.balances() != expected
            store.close()
        print(
            f"backend={backend} crash_points={len(crash_points)} steps={steps} killed={killed} "
            f"partial_entries={partial} lost_after_retry={lost} balance_mismatch={mismatched}"
        )
        assert killed == len(crash_points)
        assert partial == lost == mismatched == 0
    finally:
        worker.close()
        db.drop()
