"""A meter replacement recorded once per key; an implausible final reading changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from custom_components.prepaid_utility.billing.engine import CounterReading
from custom_components.prepaid_utility.billing.errors import LedgerConflict, OperationRefused

from .conftest import T0, Backend, assert_sound, setup_tenant


def reading(total: str, minutes: int) -> CounterReading:
    return CounterReading("e1", T0 + timedelta(minutes=minutes), Decimal(total))


def test_replacement_is_recorded_once_per_key(backend: Backend) -> None:
    store = backend.open()
    setup_tenant(store)
    store.bill_readings([reading("100.5", 10)])
    at = T0 + timedelta(minutes=30)
    first = store.replace_meter_once("e1", Decimal("0.42"), at, "swap-1", reading("101", 29))
    assert first == (2, False, 30)
    for _ in range(3):
        assert store.replace_meter_once(
            "e1", Decimal("0.42"), at, "swap-1", reading("101", 29)
        ) == (2, True, 0)
    with pytest.raises(LedgerConflict):
        store.replace_meter_once("e1", Decimal("0.50"), at, "swap-1", reading("101", 29))
    store.bill_readings([reading("1.42", 60)])
    assert store.balance("A101") == -(30 + 30 + 60)  # 0.5 + 0.5 kWh old meter, 1 kWh new
    assert store.meter_state("e1").generation == 2
    assert_sound(store)


@pytest.mark.parametrize("final", ["90", "100000"])
def test_implausible_final_reading_changes_nothing(backend: Backend, final: str) -> None:
    store = backend.open()
    setup_tenant(store)
    store.bill_readings([reading("100.5", 10)])
    before = (store.balances(), store.meter_state("e1"))
    with pytest.raises(OperationRefused):
        store.replace_meter_once(
            "e1", Decimal("0"), T0 + timedelta(minutes=30), "swap-2", reading(final, 29)
        )
    assert (store.balances(), store.meter_state("e1")) == before
    assert not store.quarantined_readings("e1")  # rolled back with the rest
    assert_sound(store)
