"""Two writers on one ledger, each stopped between what it read and what it writes.

Each test opens two stores on the same database (two engines, as two Home Assistant instances
would have), holds writer A at a step inside its transaction after its reads, starts writer B
on the same rows, and releases A. On SQLite B waits at ``BEGIN IMMEDIATE``; on PostgreSQL it
must wait on the row (or the open hour) A holds, and then see what A wrote. Without the locks
B would pass its own barrier while A is held and both would act on the same stale read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from custom_components.prepaid_utility.billing.engine import CounterReading
from custom_components.prepaid_utility.billing.errors import (
    AccountClosedError,
    InsufficientRefundable,
    OperationRefused,
)
from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.ledger.journal import set_step_hook
from custom_components.prepaid_utility.ledger.schema import (
    assignment,
    bill,
    journal_entry,
    usage_bucket,
)

from .conftest import ESPEC, Backend, assert_sound, setup_tenant

HOLD_S = 0.4


@dataclass
class Outcome:
    """What one writer returned or raised, and how long it took."""

    value: object = None
    error: BaseException | None = None
    elapsed_ms: float = 0.0


@dataclass
class Race:
    """Holds writer A at a barrier step while writer B runs into the same rows."""

    barrier: str
    a_at_barrier: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    b_passed_while_a_held: bool = False

    def hook(self, name: str) -> None:
        if name != self.barrier:
            return
        who = threading.current_thread().name
        if who == "writer-a" and not self.a_at_barrier.is_set():
            self.a_at_barrier.set()
            self.release.wait(10)
        elif who == "writer-b" and not self.release.is_set():
            self.b_passed_while_a_held = True

    def run(self, a: Callable[[], object], b: Callable[[], object]) -> tuple[Outcome, Outcome]:
        outcomes = (Outcome(), Outcome())

        def runner(work: Callable[[], object], out: Outcome) -> Callable[[], None]:
            def target() -> None:
                start = time.monotonic()
                try:
                    out.value = work()
                except Exception as err:
                    out.error = err
                out.elapsed_ms = (time.monotonic() - start) * 1000

            return target

        thread_a = threading.Thread(target=runner(a, outcomes[0]), name="writer-a")
        thread_b = threading.Thread(target=runner(b, outcomes[1]), name="writer-b")
        set_step_hook(self.hook)
        try:
            thread_a.start()
            assert self.a_at_barrier.wait(10), f"writer A never reached {self.barrier}"
            thread_b.start()
            time.sleep(HOLD_S)
            b_finished_early = not thread_b.is_alive()
            self.release.set()
            thread_a.join(20)
            thread_b.join(20)
        finally:
            set_step_hook(None)
            self.release.set()
        assert not thread_a.is_alive()
        assert not thread_b.is_alive()
        # B could only finish while A was held if it did not need what A holds.
        assert not b_finished_early, "writer B did not wait for writer A"
        assert not self.b_passed_while_a_held, "writer B passed its barrier while A held"
        return outcomes


@pytest.fixture
def pair(backend: Backend) -> tuple[LedgerStore, LedgerStore]:
    return backend.open(), backend.open()


def count(store: LedgerStore, query: object) -> int:
    with store.reading() as conn:
        return int(conn.execute(query).scalar_one())  # type: ignore[call-overload]


def entries(store: LedgerStore, source: str) -> int:
    return count(
        store,
        select(func.count()).select_from(journal_entry).where(journal_entry.c.source == source),
    )


def report(path: str, backend: Backend, b: Outcome, **figures: object) -> None:
    shown = " ".join(f"{k}={v}" for k, v in figures.items())
    print(f"path={path} dialect={backend.name} b_waited_ms={b.elapsed_ms:.0f} {shown}")


def test_pay_bill_twice_under_two_keys(
    backend: Backend, pair: tuple[LedgerStore, LedgerStore]
) -> None:
    a, b = pair
    a.create_account("A101", "Tenant")
    bill_id = a.issue_bill("A101", 4_200, "fee:march", a.clock() + timedelta(days=14))
    out_a, out_b = Race("entry:begin").run(
        lambda: a.pay_bill(bill_id, "pay-from-a"), lambda: b.pay_bill(bill_id, "pay-from-b")
    )
    payments = entries(a, "bill_payment")
    report("pay_bill", backend, out_b, payments=payments, b_refused=int(out_b.error is not None))
    assert out_a.error is None
    assert isinstance(out_b.error, OperationRefused)
    assert payments == 1
    assert a.balance("clearing:payments") == -4_200
    assert_sound(a)


def test_same_order_id_from_two_writers_credits_once(
    backend: Backend, pair: tuple[LedgerStore, LedgerStore]
) -> None:
    a, b = pair
    a.create_account("A101", "Tenant")
    out_a, out_b = Race("entry:begin").run(
        lambda: a.recharge("A101", 5_000, "order-1"), lambda: b.recharge("A101", 5_000, "order-1")
    )
    credits = entries(a, "recharge")
    report("recharge", backend, out_b, credits=credits, balance=a.balance("A101"))
    assert out_a.error is None
    assert out_b.error is None
    assert getattr(out_b.value, "replayed", None) is True
    assert credits == 1
    assert a.balance("A101") == 5_000
    assert_sound(a)


def test_two_refunds_cannot_both_spend_one_balance(
    backend: Backend, pair: tuple[LedgerStore, LedgerStore]
) -> None:
    a, b = pair
    a.create_account("A101", "Tenant")
    a.recharge("A101", 5_000, "order-1")
    out_a, out_b = Race("entry:begin").run(
        lambda: a.refund("A101", 4_000, "refund-a"), lambda: b.refund("A101", 4_000, "refund-b")
    )
    report("refund", backend, out_b, refunds=entries(a, "refund"), balance=a.balance("A101"))
    assert out_a.error is None
    assert isinstance(out_b.error, InsufficientRefundable)
    assert a.balance("A101") == 1_000
    assert_sound(a)


def test_two_polls_of_one_meter_bill_its_energy_once(
    backend: Backend, pair: tuple[LedgerStore, LedgerStore]
) -> None:
    a, b = pair
    setup_tenant(a, "A101", "e1", start="100")
    a.recharge("A101", 100_000, "order-1")
    t0 = a.clock()
    out_a, out_b = Race("cycle:judged").run(
        lambda: a.bill_readings([CounterReading("e1", t0 + timedelta(hours=1), Decimal(101))]),
        lambda: b.bill_readings([CounterReading("e1", t0 + timedelta(hours=2), Decimal(102))]),
    )
    with a.reading() as conn:
        billed = conn.execute(
            select(func.sum(usage_bucket.c.quantity_milli)).where(usage_bucket.c.meter_id == "e1")
        ).scalar_one()
    twice_kwh = Decimal(int(billed) - 2_000) / 1000
    hwm_kwh = Decimal(a.meter_state("e1").hwm_milli) / 1000
    report(
        "meter_cursor",
        backend,
        out_b,
        billed_kwh=Decimal(int(billed)) / 1000,
        energy_billed_twice_kwh=twice_kwh,
        hwm_kwh=hwm_kwh,
    )
    assert out_a.error is None
    assert out_b.error is None
    assert twice_kwh == 0
    assert a.meter_state("e1").hwm_milli == 102_000
    assert a.balance("A101") == 100_000 - 2 * 60
    assert_sound(a)


def test_same_reading_from_two_writers_is_billed_once(
    backend: Backend, pair: tuple[LedgerStore, LedgerStore]
) -> None:
    a, b = pair
    setup_tenant(a, "A101", "e1", start="100")
    reading = CounterReading("e1", a.clock() + timedelta(hours=1), Decimal("103.5"))
    out_a, out_b = Race("cycle:judged").run(
        lambda: a.bill_readings([reading]), lambda: b.bill_readings([reading])
    )
    charged = [getattr(o.value, "charged_minor", {}).get("e1", 0) for o in (out_a, out_b)]
    report("same_reading", backend, out_b, charged_a=charged[0], charged_b=charged[1])
    assert charged == [210, 0]
    assert a.balance("A101") == -210
    assert_sound(a)


def test_two_assignments_of_one_meter_leave_one_holder(
    backend: Backend, pair: tuple[LedgerStore, LedgerStore]
) -> None:
    a, b = pair
    a.create_account("A101", "Tenant A")
    a.create_account("B202", "Tenant B")
    t0 = a.clock()
    a.add_meter("e2", ESPEC, "power", start=Decimal(50), at=t0)
    opening = CounterReading("e2", t0 + timedelta(minutes=30), Decimal(50))
    out_a, out_b = Race("cycle:judged").run(
        lambda: a.assign_meter("e2", "A101", t0 + timedelta(minutes=30), opening),
        lambda: b.assign_meter("e2", "B202", t0 + timedelta(minutes=30), opening),
    )
    open_rows = count(
        a,
        select(func.count())
        .select_from(assignment)
        .where(assignment.c.meter_id == "e2", assignment.c.end_us.is_(None)),
    )
    report("assign_meter", backend, out_b, open_assignments=open_rows, holder=a.holders()["e2"])
    assert out_a.error is None
    assert out_b.error is None
    assert open_rows == 1
    assert a.holders()["e2"] == "B202"
    assert_sound(a)


def test_two_postpaid_bills_do_not_bill_one_debt_twice(
    backend: Backend, pair: tuple[LedgerStore, LedgerStore]
) -> None:
    a, b = pair
    a.create_account("P1", "Post-paid", postpaid=True)
    a.adjust("P1", -3_000, "usage-import", "opening debt")
    due = a.clock() + timedelta(days=14)
    out_a, out_b = Race("bill:insert").run(
        lambda: a.issue_postpaid_bill("P1", "2026-02", due),
        lambda: b.issue_postpaid_bill("P1", "2026-03", due),
    )
    billed = count(a, select(func.coalesce(func.sum(bill.c.amount), 0)))
    report("postpaid_bill", backend, out_b, billed=billed, owed=3_000)
    assert out_a.error is None
    assert out_b.error is None
    assert out_b.value is None
    assert billed == 3_000
    assert_sound(a)


def test_move_out_waits_for_a_poll_of_its_meter(
    backend: Backend, pair: tuple[LedgerStore, LedgerStore]
) -> None:
    a, b = pair
    setup_tenant(a, "A101", "e1", start="100")
    a.recharge("A101", 10_000, "order-1")
    t0 = a.clock()
    out_a, out_b = Race("cycle:judged").run(
        lambda: a.bill_readings([CounterReading("e1", t0 + timedelta(hours=1), Decimal(105))]),
        lambda: b.move_out("A101", t0 + timedelta(hours=1, minutes=5), [], "moveout-1"),
    )
    settled = getattr(out_b.value, "refunded", None)
    report("move_out", backend, out_b, refunded=settled, balance_after=a.balance("A101"))
    assert out_a.error is None
    assert out_b.error is None
    # The poll's 5 kWh (300) came before the settlement: the refund is what was left.
    assert settled == 10_000 - 300
    assert a.balance("A101") == 0
    assert_sound(a)


def test_a_recharge_during_a_move_out_is_refused_not_left_in_the_closed_account(
    backend: Backend, pair: tuple[LedgerStore, LedgerStore]
) -> None:
    a, b = pair
    setup_tenant(a, "A101", "e1", start="100")
    a.recharge("A101", 10_000, "order-1")
    t0 = a.clock()
    out_a, out_b = Race("move_out:settled").run(
        lambda: a.move_out("A101", t0 + timedelta(hours=1), [], "moveout-1"),
        lambda: b.recharge("A101", 2_500, "order-late"),
    )
    settled = getattr(out_a.value, "refunded", None)
    report(
        "move_out_vs_recharge",
        backend,
        out_b,
        refunded=settled,
        b_refused=int(isinstance(out_b.error, AccountClosedError)),
        balance_after=a.balance("A101"),
    )
    assert out_a.error is None
    assert settled == 10_000
    # The late payment waited for the settlement and found the account closed: the provider
    # refunds the payer. Before, it landed after the refund and stayed in a closed account.
    assert isinstance(out_b.error, AccountClosedError)
    assert a.balance("A101") == 0
    assert_sound(a)
