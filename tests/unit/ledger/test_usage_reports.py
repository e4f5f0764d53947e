"""Usage read models for the account sensors and statistics, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from custom_components.prepaid_utility.billing.engine import CounterReading
from custom_components.prepaid_utility.ledger import reports
from custom_components.prepaid_utility.ledger.journal import to_us

from .conftest import T0, WSPEC, Backend, setup_tenant

HOUR_US = 3_600_000_000


def test_usage_totals_hours_and_cursors(backend: Backend) -> None:
    store = backend.open()
    clock = backend.clock
    setup_tenant(store, "A101", "e1")
    setup_tenant(store, "A102", "e2")
    store.add_meter("w1", WSPEC, "water", start=Decimal(10), at=clock())
    store.assign_meter("w1", "A101", clock())
    # 90 minutes: 3 kWh and 0.150 m³ for A101, 6 kWh for A102 (spread over the two hours).
    clock.advance(timedelta(minutes=90))
    store.bill_readings(
        [
            CounterReading("e1", clock(), Decimal(103)),
            CounterReading("e2", clock(), Decimal(106)),
            CounterReading("w1", clock(), Decimal("10.150")),
        ]
    )
    start, end = to_us(T0), to_us(T0 + timedelta(hours=2))
    with store.reading() as conn:
        ids = reports.account_ids(conn, ["A101", "nobody"])
        kinds: dict[str, str] = {}
        totals = reports.usage_totals(conn, ids, start, end, kinds)
        first_hour = reports.usage_totals(conn, ids, start, start + HOUR_US, kinds)
        empty = reports.usage_totals(conn, ids, end, end + HOUR_US, kinds)
        hours = reports.hourly_usage(conn, ["A101"], start, end)
        first = reports.first_usage_hours(conn, ["A101", "A102", "nobody"])
        last = reports.meter_last_readings(conn, ["e1", "w1", "nothing"])
    assert list(ids.values()) == ["A101"]  # unknown codes are absent
    assert kinds == {"e1": "electricity", "w1": "water"}
    assert set(totals) == {"A101"}  # A102 was not asked for
    assert totals["A101"].quantity_milli == {"electricity": 3_000, "water": 150}
    assert totals["A101"].exact_nano == 3_000 * 600_000 + 150 * 4_000_000
    assert totals["A101"].first_hour_us == start
    assert first_hour["A101"].quantity_milli == {"electricity": 2_000, "water": 100}
    assert empty == {}
    assert sum(h.quantity_milli for h in hours if h.kind == "electricity") == 3_000
    assert {h.hour_us for h in hours} == {start, start + HOUR_US}
    assert {h.account for h in hours} == {"A101"}
    assert first == {"A101": start, "A102": start}
    assert last == {"e1": to_us(clock()), "w1": to_us(clock())}
    # The posted money is the exact cost in whole cents (the remainder carried).
    assert store.balance("A101") == -(totals["A101"].exact_nano // 10**7)
