"""Recharge, refund, adjustment, reversal: L1, L2, L4, L8 and invariants I1-I3, I5, I9."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from custom_components.prepaid_utility.billing.errors import (
    InsufficientRefundable,
    InvalidAmount,
    LedgerConflict,
    OperationRefused,
    UnknownAccount,
)
from custom_components.prepaid_utility.ledger import AsyncLedgerStore, LedgerStore

from .conftest import Backend, assert_sound


def entries(store: LedgerStore, source: str) -> int:
    with store.reading() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM journal_entry WHERE source = :s"), {"s": source}
            ).scalar_one()
        )


def postings(store: LedgerStore) -> int:
    with store.reading() as conn:
        return int(conn.execute(text("SELECT count(*) FROM posting")).scalar_one())


def test_recharge_replayed_sequential_threads_async(backend: Backend) -> None:
    store = backend.open()
    store.create_account("A101")
    first = store.recharge("A101", 10_000, "order-1", method="online")
    ids = {first.entry_id}
    for _ in range(200):
        ids.add(store.recharge("A101", 10_000, "order-1", method="online").entry_id)

    def worker() -> None:
        for _ in range(50):
            ids.add(store.recharge("A101", 10_000, "order-1", method="online").entry_id)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    async def concurrent() -> None:
        facade = AsyncLedgerStore(
            store, __import__("concurrent.futures").futures.ThreadPoolExecutor(1)
        )
        results = await asyncio.gather(
            *(facade.recharge("A101", 10_000, "order-1", method="online") for _ in range(200))
        )
        ids.update(r.entry_id for r in results)

    asyncio.run(concurrent())
    count = entries(store, "recharge")
    double = store.balance("A101") - 10_000
    print(f"backend={backend.name} replays=500 entries={count} double_credits={double}")
    assert ids == {first.entry_id}
    assert count == 1
    assert double == 0
    assert_sound(store)


def test_same_key_different_amount_conflicts(backend: Backend) -> None:
    store = backend.open()
    store.create_account("A101")
    store.recharge("A101", 10_000, "order-1")
    before = postings(store)
    with pytest.raises(LedgerConflict) as err:
        store.recharge("A101", 20_000, "order-1")
    assert err.value.translation_key == "idempotency_conflict"
    added = postings(store) - before
    print(f"backend={backend.name} conflicts=1 postings_added={added}")
    assert added == 0
    assert store.balance("A101") == 10_000


def test_refund_never_above_refundable(backend: Backend) -> None:
    store = backend.open()
    store.create_account("A101")
    store.recharge("A101", 5_000, "o1")
    accepted = []
    for amount in (5_001, 10_000):
        with pytest.raises(InsufficientRefundable) as err:
            accepted.append(store.refund("A101", amount, f"r-over-{amount}"))
        assert err.value.translation_key == "insufficient_refundable"
        assert err.value.placeholders["refundable"] == "5000"
    store.refund("A101", 3_000, "r1")
    replays = sum(not store.refund("A101", 3_000, "r1").replayed for _ in range(20))
    assert store.refundable("A101") == 2_000
    with pytest.raises(LedgerConflict):
        store.refund("A101", 1_000, "r1")
    over = len(accepted)
    print(f"backend={backend.name} over_refunds_accepted={over} refund_replays_credited={replays}")
    assert over == 0
    assert replays == 0
    assert_sound(store)


def test_adjustment_and_reversal(backend: Backend) -> None:
    store = backend.open()
    store.create_account("A101")
    recharge = store.recharge("A101", 5_000, "o1")
    store.adjust("A101", -700, "adj-1", "meter misread")
    assert store.balance("A101") == 4_300
    reversal = store.reverse(recharge.entry_id, "paid by mistake")
    assert store.balance("A101") == -700
    assert store.reverse(recharge.entry_id, "paid by mistake").entry_id == reversal.entry_id
    with pytest.raises(OperationRefused):
        store.reverse(reversal.entry_id, "undo")
    with pytest.raises(InvalidAmount):
        store.adjust("A101", 0, "adj-2", "nothing")
    assert_sound(store)


def test_postings_are_append_only(backend: Backend) -> None:
    store = backend.open()
    store.create_account("A101")
    store.recharge("A101", 5_000, "o1")
    refused = 0
    for statement in (
        "UPDATE posting SET amount = amount + 1",
        "DELETE FROM posting",
        "UPDATE journal_entry SET amount = 1",
        "DELETE FROM journal_entry",
    ):
        with pytest.raises(DBAPIError), store.engine.begin() as conn:
            conn.execute(text(statement))
        refused += 1
    print(f"backend={backend.name} tamper_statements_refused={refused}/4")
    assert_sound(store)


def test_bad_inputs(backend: Backend) -> None:
    store = backend.open()
    store.create_account("A101")
    bad = 0
    for amount in (0, -5, True, 1.5, "10"):
        with pytest.raises(InvalidAmount):
            store.recharge("A101", amount, "x")  # type: ignore[arg-type]
        bad += 1
    with pytest.raises(UnknownAccount) as err:
        store.recharge("nobody", 100, "x")
    assert err.value.translation_key == "unknown_account"
    assert postings(store) == 0
    print(f"backend={backend.name} invalid_inputs={bad} postings=0")


def test_two_writers_one_wallet(backend: Backend) -> None:
    """L4: two stores (two writers) on one database, recharges and deductions interleaved."""
    first = backend.open()
    second = backend.open()
    first.create_account("A101")
    ops = 200

    def run(store: LedgerStore, sign: int, tag: str) -> None:
        for i in range(ops):
            if sign > 0:
                store.recharge("A101", 100, f"{tag}-{i}")
            else:
                store.adjust("A101", -30, f"{tag}-{i}", "deduction")

    threads = [
        threading.Thread(target=run, args=(first, 1, "a")),
        threading.Thread(target=run, args=(second, -1, "b")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    error = first.balance("A101") - ops * 70
    retries = first.busy_retries + second.busy_retries
    print(
        f"backend={backend.name} ops={2 * ops} balance_error_minor={error} busy_retries={retries}"
    )
    assert error == 0
    assert_sound(first)


def test_same_key_from_two_writers(backend: Backend) -> None:
    """Two stores (two connections, as two processes would) race on the same order ids."""
    first = backend.open()
    second = backend.open()
    first.create_account("A101")
    ids: dict[str, set[int]] = {}
    lock = threading.Lock()

    def run(store: LedgerStore) -> None:
        for i in range(60):
            result = store.recharge("A101", 100, f"order-{i % 20}")
            with lock:
                ids.setdefault(f"order-{i % 20}", set()).add(result.entry_id)

    threads = [threading.Thread(target=run, args=(s,)) for s in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    count = entries(first, "recharge")
    double = first.balance("A101") - 20 * 100
    print(f"backend={backend.name} racing_replays=120 entries={count} double_credits={double}")
    assert count == 20
    assert double == 0
    assert all(len(v) == 1 for v in ids.values())
    assert_sound(first)
