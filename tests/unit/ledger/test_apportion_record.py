"""The record of each common-area split (I10): written with its entry, once, never changed.

The loss figure and the quantities are the ones the split was computed from when it ran, so the
finance card shows them even after meters are re-read, replaced or moved. A ledger of schema
version 2 gets its earlier splits backfilled from the journal, without quantities.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from custom_components.prepaid_utility.billing.engine import CounterReading
from custom_components.prepaid_utility.billing.fees import FeeCollection
from custom_components.prepaid_utility.ledger import dashboard
from custom_components.prepaid_utility.ledger.journal import local_day
from custom_components.prepaid_utility.ledger.schema import SCHEMA_VERSION, apportionment
from custom_components.prepaid_utility.ledger.store import CommonArea, LedgerStore

from .conftest import ESPEC, Backend, assert_sound

COMMON = CommonArea(
    master_milli=10_000, subs_milli=6_500, pool_milli=3_500, difference_milli=3_500,
    loss_per_mille=350,
)  # fmt: skip


def _records(store: LedgerStore) -> list[dashboard.ApportionRun]:
    with store.reading() as conn:
        return dashboard.apportionments(conn, 0, 99_991_231)


def _split(store: LedgerStore, amount: int = 1_001) -> tuple[int, bool]:
    result, _ = store.apportion(
        "common:m0",
        "2026-03",
        amount,
        {"A": 1, "B": 1, "C": 1},
        method="equal",
        master="m0",
        common=COMMON,
    )
    return result.entry_id, result.replayed


def test_split_is_recorded_once_with_its_figures(backend: Backend) -> None:
    store = backend.open()
    for code in "ABC":
        store.create_account(code)
    store.add_meter("m0", ESPEC, "power", start=Decimal(0), at=store.clock())
    entry_id, replayed = _split(store)
    assert not replayed
    replays = 0
    for _ in range(5):
        again, replayed = _split(store)
        assert (again, replayed) == (entry_id, True)
        replays += 1
    records = _records(store)
    assert len(records) == 1
    run = records[0]
    assert run.entry_id == entry_id
    assert (run.period, run.method, run.collection, run.amount, run.shares) == (
        "2026-03", "equal", "deducted", 1_001, 3,
    )  # fmt: skip
    assert (run.master_meter, run.kind) == ("m0", "electricity")
    assert (run.master_milli, run.subs_milli, run.pool_milli, run.loss_per_mille) == (
        10_000, 6_500, 3_500, 350,
    )  # fmt: skip
    assert run.weights == {"A": 1, "B": 1, "C": 1}
    # The master meter's later readings do not touch what was recorded.
    store.assign_meter("m0", "A", store.clock())
    store.bill_readings([CounterReading("m0", store.clock(), Decimal("5.000"))])
    assert _records(store) == records
    # A split without meter figures (a given amount) is recorded without quantities.
    store.apportion("lift", "2026-03", 700, {"B": 1}, collection=FeeCollection.BILLED)
    lift = _records(store)[0]
    assert (lift.pool, lift.collection, lift.master_milli, lift.loss_per_mille) == (
        "lift", "billed", None, None,
    )  # fmt: skip
    with store.reading() as conn:
        count = conn.execute(select(func.count()).select_from(apportionment)).scalar_one()
    print(f"backend={backend.name} replays={replays} records={count} loss_per_mille=350")
    assert count == 2
    assert_sound(store)


def test_records_are_append_only(backend: Backend) -> None:
    store = backend.open()
    for code in "ABC":
        store.create_account(code)
    _split(store)
    refused = 0
    for statement in (
        "UPDATE apportionment SET loss_per_mille = 0",
        "DELETE FROM apportionment",
    ):
        with pytest.raises(DBAPIError), store.engine.begin() as conn:
            conn.execute(text(statement))
        refused += 1
    print(f"backend={backend.name} tamper_refused={refused}")
    assert _records(store)[0].loss_per_mille == 350


def test_finance_lists_splits_of_the_span(backend: Backend) -> None:
    store = backend.open()
    for code in "ABC":
        store.create_account(code)
    entry_id, _ = _split(store)
    day = local_day(_records(store)[0].ts_us, "Asia/Shanghai")
    with store.reading() as conn:
        inside = dashboard.finance(conn, day, day, 1)
        before = dashboard.finance(conn, day - 10, day - 1, 1)
    assert [r.entry_id for r in inside.apportionments] == [entry_id]
    assert before.apportionments == []
    merged = dashboard.merge_finance([inside, before, inside])
    assert len(merged.apportionments) == 2


def test_version_2_ledger_gets_its_splits_backfilled(backend: Backend) -> None:
    store = backend.open()
    for code in "ABC":
        store.create_account(code)
    entry_id, _ = _split(store)
    store.apportion("lift", "2026-03", 700, {"A": 0, "B": 10, "C": 0},
                    collection=FeeCollection.BILLED)  # fmt: skip
    balances = store.balances()
    # Make it a version-2 ledger again: no record table (its triggers go with it).
    with store.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP TABLE apportionment CASCADE"))
        else:
            for op in ("update", "delete"):
                conn.execute(text(f"DROP TRIGGER apportionment_no_{op}"))
            conn.execute(text("DROP TABLE apportionment"))
        conn.execute(text("UPDATE schema_version SET version = 2"))
    store.close()
    store = backend.open()
    assert store.migrated_from == 2
    with store.reading() as conn:
        version = conn.execute(text("SELECT version FROM schema_version")).scalar_one()
    runs = {r.pool: r for r in _records(store)}
    common, lift = runs["common:m0"], runs["lift"]
    assert (common.entry_id, common.period, common.amount, common.shares) == (
        entry_id, "2026-03", 1_001, 3,
    )  # fmt: skip
    assert (common.master_meter, common.collection, common.master_milli) == (
        "m0", "deducted", None,
    )  # fmt: skip
    # Zero shares left nothing behind: one account had a share of the billed split.
    assert (lift.collection, lift.amount, lift.shares, lift.master_meter) == (
        "billed", 700, 1, None,
    )  # fmt: skip
    diffs = sum(balances[c] != v for c, v in store.balances().items())
    print(f"backend={backend.name} migrated_from=2 backfilled={len(runs)} balance_diffs={diffs}")
    assert version == SCHEMA_VERSION == 8
    assert common.weights is None  # never stored before version 4, not made up
    assert diffs == 0
    assert_sound(store)


def test_version_3_ledger_gets_the_weights_column(backend: Backend) -> None:
    store = backend.open()
    for code in "ABC":
        store.create_account(code)
    entry_id, _ = _split(store)
    # Make it a version-3 ledger again: the record table without its weights column.
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for op in ("update", "delete"):
                conn.execute(text(f"DROP TRIGGER apportionment_no_{op}"))
        conn.execute(text("ALTER TABLE apportionment DROP COLUMN weights"))
        conn.execute(text("UPDATE schema_version SET version = 3"))
    store.close()
    store = backend.open()
    assert store.migrated_from == 3
    (old,) = _records(store)
    assert (old.entry_id, old.loss_per_mille, old.weights) == (entry_id, 350, None)
    # New splits record their weights; the old one answers its replay as before.
    assert _split(store) == (entry_id, True)
    store.apportion("lift", "2026-03", 700, {"A": 2, "B": 5})
    lift = next(r for r in _records(store) if r.pool == "lift")
    print(f"backend={backend.name} migrated_from=3 old_weights=None new_weights={lift.weights}")
    assert lift.weights == {"A": 2, "B": 5}
    assert_sound(store)
