"""Two instances on one PostgreSQL ledger, as processes: races, a shared gateway, a kill.

Each instance (``instance_worker.py``) has its own building and is configured with one shared
gateway. Both credit the same recharge order ids, pay the same bills under their own payment
ids and claim the shared gateway every cycle; only the lease holder bills it. Instance A is
SIGKILLed inside the shared gateway's billing transaction and restarted; B takes the gateway
over when A's lease lapses. The audit then reads the books.

These are ledger processes, not Home Assistant processes (see the report of issue 21): what
they share with an instance is the store, the lease and the order of calls of a poll.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from custom_components.prepaid_utility.billing.engine import MeterSpec
from custom_components.prepaid_utility.billing.quantity import UtilityKind
from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.ledger.schema import (
    bill,
    journal_entry,
    meter_generation,
    usage_bucket,
)

from .instance_worker import EPOCH, SHARED_METERS, TERM_S, book

PG_URL = os.environ.get("PREPAID_UTILITY_PG_URL")
FULL = os.environ.get("PREPAID_SOAK") == "full"
DURATION_S = 120.0 if FULL else 10.0
BILLS = 12 if FULL else 4
ORDERS = 20
WORKER = Path(__file__).with_name("instance_worker.py")
REPO = Path(__file__).resolve().parents[2]
SPEC = MeterSpec(kind=UtilityKind.ELECTRICITY, max_rate_milli_per_hour=14_490)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="PREPAID_UTILITY_PG_URL not set (scripts/test)"),
]


@pytest.fixture
def schema(sockets: None) -> Iterator[str]:
    assert PG_URL
    name = f"two_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    try:
        yield name
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()


def _open(schema: str) -> LedgerStore:
    assert PG_URL
    store = LedgerStore.open(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    store.register_tariff("power", book())
    return store


def _prepare(store: LedgerStore, start: float) -> list[int]:
    at = EPOCH + timedelta(seconds=start - EPOCH.timestamp() - 1)
    store.create_account("S1", "Shared gateway tenant")
    for i, meter_id in enumerate(SHARED_METERS):
        store.add_meter(meter_id, SPEC, "power", start=Decimal(100 + i), at=at)
        store.assign_meter(meter_id, "S1", at)
    for name in ("A", "B"):
        store.create_account(name, f"Tenant of site {name}")
        store.add_meter(f"{name}-m1", SPEC, "power", start=Decimal(100), at=at)
        store.assign_meter(f"{name}-m1", name, at)
    return [
        store.issue_bill("S1", 1_000 + i, f"fee:{i}", at + timedelta(days=14)) for i in range(BILLS)
    ]


def _start(schema: str, name: str, start: float, until: float, bills: list[int], die_at: int = 0):  # type: ignore[no-untyped-def]
    assert PG_URL
    command = [
        sys.executable, str(WORKER), PG_URL, schema, name,
        "--start", str(start), "--until", str(until), "--orders", str(ORDERS),
        "--bills", *map(str, bills), "--die-at", str(die_at),
    ]  # fmt: skip
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def _drives(output: str, who: str) -> list[tuple[float, str]]:
    return [
        (float(line.split()[1]), who) for line in output.splitlines() if line.startswith("drive ")
    ]


def test_two_instances_on_one_ledger(schema: str) -> None:
    setup = _open(schema)
    start = time.time()
    bills = _prepare(setup, start)
    until = time.time() + DURATION_S
    a1 = _start(schema, "A", start, until, bills, die_at=int(DURATION_S / 3 / 0.2))
    time.sleep(1)  # A drives first
    b = _start(schema, "B", start, until, bills)
    a1_out, a1_err = a1.communicate(timeout=DURATION_S + 60)
    killed = a1.returncode == -9
    a2 = _start(schema, "A", start, until, bills)
    a2_out, a2_err = a2.communicate(timeout=DURATION_S + 60)
    b_out, b_err = b.communicate(timeout=DURATION_S + 60)
    assert a2.returncode == 0, a2_err
    assert b.returncode == 0, b_err
    drives = sorted(_drives(a1_out, "A1") + _drives(a2_out, "A2") + _drives(b_out, "B"))
    # A new driver may start only after the old one's lease lapsed: two drivers closer in time
    # than a lease term drove the gateway at once.
    driven_by_two = sum(
        1
        for (t0, w0), (t1, w1) in itertools.pairwise(drives)
        if w0 != w1 and t1 - t0 < TERM_S * 0.9
    )
    handovers = sum(1 for (_, w0), (_, w1) in itertools.pairwise(drives) if w0 != w1)
    with setup.reading() as conn:
        order_entries = conn.execute(
            select(journal_entry.c.key, func.count())
            .where(journal_entry.c.source == "recharge")
            .group_by(journal_entry.c.key)
        ).all()
        payments = conn.execute(
            select(func.count()).where(journal_entry.c.source == "bill_payment")
        ).scalar_one()
        paid = conn.execute(
            select(func.count()).select_from(bill).where(bill.c.paid_entry_id.is_not(None))
        ).scalar_one()
        billed = dict(
            conn.execute(
                select(usage_bucket.c.meter_id, func.sum(usage_bucket.c.quantity_milli)).group_by(
                    usage_bucket.c.meter_id
                )
            ).all()
        )
        cursors = dict(
            conn.execute(
                select(
                    meter_generation.c.meter_id,
                    meter_generation.c.hwm_milli - meter_generation.c.start_milli,
                )
            ).all()
        )
    double_credits = sum(int(n) - 1 for _, n in order_entries)
    twice_milli = sum(int(billed.get(m, 0)) - int(cursors[m]) for m in cursors)
    report = setup.check()
    figures = {
        "instances": 2,
        "duration_s": DURATION_S,
        "killed_mid_cycle": int(killed),
        "handovers": handovers,
        "shared_cycles_billed": len(drives),
        "orders_credited": len(order_entries),
        "bills_paid": int(paid),
        "double_credits": double_credits,
        "double_bill_payments": int(payments) - int(paid),
        "energy_billed_twice_kwh": Decimal(twice_milli) / 1000,
        "gateways_driven_by_two": driven_by_two,
        "books_error": len(report.violations),
    }
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    setup.close()
    assert killed, a1_err
    assert "cycles=" not in a1_out
    assert handovers >= 1  # B took the gateway over from the killed A
    assert len(order_entries) == ORDERS
    assert paid == BILLS
    assert double_credits == 0
    assert figures["double_bill_payments"] == 0
    assert twice_milli == 0
    assert driven_by_two == 0
    assert report.ok, report.violations
