"""Emergency credit standing read from ledger entries alone, on SQLite and PostgreSQL."""

from __future__ import annotations

from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.ledger.emergency import (
    REASON_CLAIM,
    REASON_REPAID,
    EmergencyStatus,
    claim_key,
    emergency_status,
    open_claims,
    repaid_key,
)

from .conftest import assert_sound, setup_tenant


def _claim(store: LedgerStore, code: str, cycle: int, amount: int = 5000) -> None:
    store.adjust(code, amount, claim_key(code, cycle), REASON_CLAIM)


def _repay(store: LedgerStore, code: str, cycle: int, amount: int = 5000) -> None:
    store.adjust(code, -amount, repaid_key(code, cycle), REASON_REPAID)


def test_a_claim_is_open_until_repaid_and_again_only_above_zero(store: LedgerStore) -> None:
    setup_tenant(store, "A101", "e1")
    setup_tenant(store, "A1_1", "e2")  # a code with a LIKE wildcard in it
    assert emergency_status(store, "A101") == EmergencyStatus(1, 0, claimable=True,
                                                               repay_due=False)  # fmt: skip
    _claim(store, "A101", 1)
    assert emergency_status(store, "A101") == EmergencyStatus(2, 5000, claimable=False,
                                                               repay_due=False)  # fmt: skip
    assert emergency_status(store, "A1_1").claimable, "another account's claim is not its own"
    assert open_claims(store, ["A101", "A1_1"]) == {"A101"}
    store.adjust("A101", -9000, "use-1", "usage")  # spent, and more: -40.00
    store.recharge("A101", 2000, "order-1")
    assert emergency_status(store, "A101").repay_due
    _repay(store, "A101", 1)  # -40 + 20 - 50 = -70.00: still below zero
    status = emergency_status(store, "A101")
    assert status == EmergencyStatus(2, 0, claimable=False, repay_due=False)
    assert open_claims(store, ["A101"]) == set()
    store.recharge("A101", 10000, "order-2")  # +30.00: above zero after the repayment
    assert emergency_status(store, "A101").claimable
    store.adjust("A101", -3000, "use-2", "usage")  # back to zero: still claimable
    assert emergency_status(store, "A101").claimable
    _claim(store, "A101", 2)
    assert emergency_status(store, "A101").cycle == 3
    assert open_claims(store, ["A101", "A1_1"]) == {"A101"}
    assert_sound(store)


def test_balance_above_zero_at_the_repayment_counts(store: LedgerStore) -> None:
    setup_tenant(store, "B202", "e1")
    _claim(store, "B202", 1, 2000)
    store.recharge("B202", 10000, "order-1")
    _repay(store, "B202", 1, 2000)
    assert emergency_status(store, "B202") == EmergencyStatus(2, 0, claimable=True,
                                                               repay_due=False)  # fmt: skip
