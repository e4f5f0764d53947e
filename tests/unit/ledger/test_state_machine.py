"""L10: a seeded rule-based state machine over the store (VOPR-lite), SQLite and PostgreSQL.

Rules interleave recharges (new, replayed, conflicting), refunds (within and above the
refundable amount), readings (normal, dip, zero, reset, rollover, garbage), meter replacement,
apportionment, periodic fees, restarts (reopening the store) and clock jumps. The invariants
run after every step: the audit (I1, I2, I7), hwm never decreasing nor passing what the meter
showed, and money in == recharges accepted exactly once.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import create_engine, text

from custom_components.prepaid_utility.billing.engine import CounterReading, MeterSpec
from custom_components.prepaid_utility.billing.errors import (
    InsufficientRefundable,
    LedgerConflict,
)
from custom_components.prepaid_utility.billing.fees import FeeBasis, FeeItem
from custom_components.prepaid_utility.billing.quantity import UtilityKind
from custom_components.prepaid_utility.ledger import LedgerStore, reports
from custom_components.prepaid_utility.ledger.accrual import open_slot
from custom_components.prepaid_utility.ledger.journal import to_us
from custom_components.prepaid_utility.ledger.metering import current_state

from .conftest import PG_URL, Backend

ROLL = 100_000_000
# Statements over the whole history (the clock jumps years both ways).
T_START = datetime(1990, 1, 1, tzinfo=UTC)
T_END = datetime(2200, 1, 1, tzinfo=UTC)
SPECS = {
    "m1": MeterSpec(UtilityKind.ELECTRICITY, 14_490),
    "m2": MeterSpec(UtilityKind.ELECTRICITY, 14_490, rollover_milli=ROLL),
}
STATS = {"examples": 0, "steps": 0, "violations": 0}


class LedgerMachine(RuleBasedStateMachine):
    backend_name = "sqlite"

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.mkdtemp()
        self.schema: str | None = None
        if self.backend_name == "postgres":
            assert PG_URL
            self.schema = f"sm_{uuid.uuid4().hex[:12]}"
            admin = create_engine(PG_URL)
            with admin.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {self.schema}"))
            admin.dispose()
            self.backend = Backend("postgres", PG_URL, {"options": f"-csearch_path={self.schema}"})
        else:
            self.backend = Backend("sqlite", f"sqlite:///{self.tmp}/l.db", None)
        self.store: LedgerStore = self.backend.open()
        self.paid = 0
        self.refunded = 0
        self.keys: dict[str, int] = {}
        self.true = {"m1": 1_000_000, "m2": ROLL - 50_000}
        self.max_shown = dict(self.true)
        self.hwm = dict(self.true)
        self.reset_pending = {"m1": False, "m2": False}
        self.apportioned: dict[str, int] = {}
        STATS["examples"] += 1

    @initialize()
    def setup_accounts(self) -> None:
        clock = self.backend.clock
        for code, meter_id in (("A", "m1"), ("B", "m2")):
            self.store.create_account(code, area_centi_m2=5_000)
            self.store.add_meter(
                meter_id,
                SPECS[meter_id],
                "power",
                start=Decimal(self.true[meter_id]) / 1000,
                at=clock.now,
            )
            self.store.assign_meter(meter_id, code, clock.now)

    def teardown(self) -> None:
        self.backend.close_all()
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.schema:
            admin = create_engine(PG_URL or "")
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {self.schema} CASCADE"))
            admin.dispose()

    # -- money ----------------------------------------------------------------------------

    @rule(account=st.sampled_from(["A", "B"]), amount=st.integers(1, 50_000))
    def recharge(self, account: str, amount: int) -> None:
        key = f"order-{len(self.keys)}"
        result = self.store.recharge(account, amount, key)
        assert not result.replayed
        self.keys[key] = amount
        self.paid += amount

    @precondition(lambda self: self.keys)
    @rule(data=st.data())
    def replay_recharge(self, data: Any) -> None:
        key = data.draw(st.sampled_from(sorted(self.keys)))
        account = "A" if self._account_of(key) == "A" else "B"
        result = self.store.recharge(account, self.keys[key], key)
        assert result.replayed

    @precondition(lambda self: self.keys)
    @rule(data=st.data())
    def conflicting_recharge(self, data: Any) -> None:
        key = data.draw(st.sampled_from(sorted(self.keys)))
        with pytest.raises(LedgerConflict):
            self.store.recharge(self._account_of(key), self.keys[key] + 1, key)

    def _account_of(self, key: str) -> str:
        with self.store.reading() as conn:
            return str(
                conn.execute(
                    text(
                        "SELECT a.code FROM journal_entry j JOIN account a ON a.id = j.account_id "
                        "WHERE j.source = 'recharge' AND j.key = :k"
                    ),
                    {"k": key},
                ).scalar_one()
            )

    @rule(account=st.sampled_from(["A", "B"]), amount=st.integers(1, 60_000))
    def refund(self, account: str, amount: int) -> None:
        refundable = self.store.refundable(account)
        key = f"refund-{uuid.uuid4().hex[:8]}"
        if amount > refundable:
            with pytest.raises(InsufficientRefundable):
                self.store.refund(account, amount, key)
        else:
            self.store.refund(account, amount, key)
            self.refunded += amount
            assert self.store.refund(account, amount, key).replayed

    @rule(period=st.sampled_from(["2026-01", "2026-02"]), amount=st.integers(0, 9_999))
    def apportion(self, period: str, amount: int) -> None:
        weights = {"A": 3, "B": 1}
        if period in self.apportioned and self.apportioned[period] != amount:
            with pytest.raises(LedgerConflict):
                self.store.apportion("stairs", period, amount, weights)
            return
        result, shares = self.store.apportion("stairs", period, amount, weights)
        assert sum(shares.values()) == amount
        assert result.replayed == (period in self.apportioned)
        self.apportioned[period] = amount

    @rule()
    def fees(self) -> None:
        item = FeeItem("service", FeeBasis.PER_M2, 120)
        self.store.run_periodic_fees({"A": [item], "B": [item]}, self.backend.clock.now)

    # -- readings -------------------------------------------------------------------------

    def _submit(self, meter_id: str, value: int) -> None:
        clock = self.backend.clock
        self.store.bill_readings([CounterReading(meter_id, clock.now, Decimal(value) / 1000)])

    @rule(meter_id=st.sampled_from(["m1", "m2"]), wh=st.integers(0, 3_000))
    def normal(self, meter_id: str, wh: int) -> None:
        self.backend.clock.advance(timedelta(minutes=10))
        self.true[meter_id] = (self.true[meter_id] + wh) % ROLL
        self.max_shown[meter_id] += wh
        self._submit(meter_id, self.true[meter_id])

    @rule(meter_id=st.sampled_from(["m1", "m2"]), wh=st.integers(1, 5_000))
    def dip(self, meter_id: str, wh: int) -> None:
        self._submit(meter_id, max(self.true[meter_id] - wh, 1))

    @rule(meter_id=st.sampled_from(["m1", "m2"]))
    def zero(self, meter_id: str) -> None:
        self._submit(meter_id, 0)

    @rule(meter_id=st.sampled_from(["m1", "m2"]))
    def garbage(self, meter_id: str) -> None:
        self._submit(meter_id, (self.true[meter_id] + 10**9) % (10**12))

    @rule(meter_id=st.sampled_from(["m1", "m2"]), start=st.integers(1, 500))
    def reset(self, meter_id: str, start: int) -> None:
        self.true[meter_id] = start
        self.reset_pending[meter_id] = True
        self._submit(meter_id, start)

    @precondition(lambda self: any(self.reset_pending.values()))
    @rule()
    def replace_meter(self) -> None:
        meter_id = next(m for m, pending in self.reset_pending.items() if pending)
        self.store.replace_meter(
            meter_id, Decimal(self.true[meter_id]) / 1000, self.backend.clock.now
        )
        self.reset_pending[meter_id] = False
        self.max_shown[meter_id] = self.hwm[meter_id] = self._hwm(meter_id)

    @rule()
    def rollover(self) -> None:
        self.backend.clock.advance(timedelta(hours=1))
        if self.reset_pending["m2"]:
            return
        wh = ROLL - self.true["m2"] + 200 if self.true["m2"] > ROLL - 5_000 else 1_000
        self.true["m2"] = (self.true["m2"] + wh) % ROLL
        self.max_shown["m2"] += wh
        self._submit("m2", self.true["m2"])

    # -- faults ---------------------------------------------------------------------------

    @rule()
    def restart(self) -> None:
        self.store.close()
        self.store = self.backend.open()

    @rule(jump=st.sampled_from([-3600, 3600, 30 * 86_400, -5 * 365 * 86_400, 5 * 365 * 86_400]))
    def clock_jump(self, jump: int) -> None:
        self.backend.clock.advance(timedelta(seconds=jump))

    # -- invariants -----------------------------------------------------------------------

    def _hwm(self, meter_id: str) -> int:
        with self.store.reading() as conn:
            return current_state(conn, meter_id)[1].hwm_milli

    @invariant()
    def ledger_sound(self) -> None:
        STATS["steps"] += 1
        report = self.store.check()
        if not report.ok:
            STATS["violations"] += 1
        assert report.ok, report.violations
        balances = self.store.balances()
        assert balances["clearing:payments"] == -self.paid
        assert balances["refunds:payable"] == self.refunded
        # Balances are current between postings (usage accrues in the open hour), and a
        # statement's opening from the monthly checkpoints equals a scan of the postings.
        now = self.backend.clock.now
        for code in ("A", "B"):
            with self.store.reading() as conn:
                whole = reports.statement(conn, code, T_START, T_END)
                cut = now - timedelta(days=20)
                opening = reports.statement(conn, code, cut, T_END).opening_balance
                scanned = conn.execute(
                    text(
                        "SELECT COALESCE(SUM(p.amount), 0) FROM posting p JOIN journal_entry j"
                        " ON j.id = p.entry_id JOIN account a ON a.id = p.account_id"
                        " WHERE a.code = :c AND j.ts_us < :t"
                    ),
                    {"c": code, "t": to_us(cut)},
                ).scalar_one()
                slot = open_slot(conn)
                accrued = conn.execute(
                    text("SELECT accrued FROM account WHERE code = :c"), {"c": code}
                ).scalar_one()
            if slot is not None and slot[1] < to_us(cut):
                scanned += accrued
            assert whole.closing_balance == balances[code], (code, whole, balances[code])
            assert opening == scanned, (code, opening, scanned)
        for meter_id in ("m1", "m2"):
            hwm = self._hwm(meter_id)
            assert hwm >= self.hwm[meter_id], "hwm decreased within a generation"
            if not self.reset_pending[meter_id]:
                assert hwm <= self.max_shown[meter_id], "billed more than the meter showed"
            self.hwm[meter_id] = hwm


class PostgresLedgerMachine(LedgerMachine):
    backend_name = "postgres"


SETTINGS = settings(
    max_examples=12,
    stateful_step_count=25,
    derandomize=True,
    deadline=None,
    database=None,
    # Shrinking a failing run takes minutes; set PREPAID_UTILITY_SHRINK=1 to get the shortest.
    phases=list(Phase)
    if os.environ.get("PREPAID_UTILITY_SHRINK")
    else [Phase.explicit, Phase.reuse, Phase.generate],
    report_multiple_bugs=False,
)


@pytest.mark.parametrize(
    "backend_name", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_state_machine(backend_name: str) -> None:
    if backend_name == "postgres" and not PG_URL:
        pytest.skip("PREPAID_UTILITY_PG_URL not set")
    machine = LedgerMachine if backend_name == "sqlite" else PostgresLedgerMachine
    STATS.update(examples=0, steps=0, violations=0)
    run_state_machine_as_test(machine, settings=SETTINGS)
    print(
        f"backend={backend_name} examples={STATS['examples']} steps={STATS['steps']} "
        f"violations={STATS['violations']} seed=derandomize"
    )
    assert STATS["violations"] == 0
