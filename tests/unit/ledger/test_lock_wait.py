"""A writer frozen inside its transaction (its connection alive) cannot block the others forever.

Writer A stops at the commit step holding what it locked (the open hour, the account row), as
a process stopped by a debugger or swapped out would. Writer B on the same database waits a
bounded time (PostgreSQL ``lock_timeout`` per transaction, retried once; SQLite's busy timeout)
and then gets a clear "ledger unavailable" error having written nothing. Once A goes on, both
writers work again.
"""

from __future__ import annotations

import threading
import time

import pytest

from custom_components.prepaid_utility.billing.errors import LedgerUnavailable
from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.ledger.journal import set_step_hook

from .conftest import Backend, assert_sound, setup_tenant, tariffs

WAIT_MS = 300


def _impatient(backend: Backend) -> LedgerStore:
    store = LedgerStore.open(
        backend.url,
        connect_args=backend.connect_args,
        clock=backend.clock,
        timezone="Asia/Shanghai",
        lock_wait_ms=WAIT_MS,
    )
    for code, book in tariffs().items():
        store.register_tariff(code, book)
    backend.opened.append(store)
    return store


def test_a_frozen_holder_turns_into_a_clear_error(backend: Backend) -> None:
    a = backend.open()
    setup_tenant(a)
    b = _impatient(backend)
    at_commit, release = threading.Event(), threading.Event()

    def hook(name: str) -> None:
        if name == "commit" and threading.current_thread().name == "writer-a":
            at_commit.set()
            release.wait(30)

    a_error: list[BaseException] = []

    def frozen() -> None:
        try:
            a.recharge("A101", 100, "held-order")
        except BaseException as err:
            a_error.append(err)

    thread = threading.Thread(target=frozen, name="writer-a")
    set_step_hook(hook)
    try:
        thread.start()
        assert at_commit.wait(10), "writer A never reached its commit"
        started = time.monotonic()
        with pytest.raises(LedgerUnavailable) as refused:
            b.recharge("A101", 50, "b-order")
        waited_ms = (time.monotonic() - started) * 1000
        balance_while_held = b.balance("A101")  # reads do not wait for writers
    finally:
        release.set()
        thread.join(20)
        set_step_hook(None)
    retries = b.busy_retries
    b.recharge("A101", 50, "b-order")  # A went on: B writes again
    balance = a.balance("A101")
    print(
        f"dialect={backend.name} lock_wait_ms={WAIT_MS} b_waited_ms={waited_ms:.0f} "
        f"b_retries={retries} b_error={refused.value.translation_key} "
        f"a_ok={int(not a_error)} balance_while_held={balance_while_held} balance={balance}"
    )
    assert not a_error, a_error
    assert refused.value.translation_key == "ledger_unavailable"
    assert WAIT_MS <= waited_ms < 10 * WAIT_MS + 2000  # bounded: not the old "forever"
    assert balance_while_held == 0
    assert balance == 150
    assert_sound(a)
