"""Reports: statement, income by day/month/year, consumption by month with last year."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from custom_components.prepaid_utility.billing.engine import CounterReading
from custom_components.prepaid_utility.billing.fees import FeeBasis, FeeItem
from custom_components.prepaid_utility.ledger import reports

from .conftest import T0, Backend, setup_tenant


def test_statement_and_reports(backend: Backend) -> None:
    store = backend.open()
    setup_tenant(store)
    clock = backend.clock
    store.recharge("A101", 5_000, "o0", at=T0 - timedelta(days=2))
    for day in range(3):
        clock.now = T0 + timedelta(days=day, hours=12)
        store.recharge("A101", 1_000, f"o{day + 1}")
        counter = Decimal(100 + 5 * (day + 1))
        store.bill_readings([CounterReading("e1", clock.now, counter)])
    store.charge_fee("A101", FeeItem("service", FeeBasis.FIXED, 200), "2026-03")
    with store.reading() as conn:
        st = reports.statement(conn, "A101", T0, T0 + timedelta(days=31))
        by_day = reports.income(conn, reports.Granularity.DAY, 20260101, 20261231)
        by_month = reports.income(conn, reports.Granularity.MONTH, 20260101, 20261231)
        by_year = reports.income(conn, reports.Granularity.YEAR, 20260101, 20261231)
        months = reports.consumption_by_month(conn, "A101", 2026)
        monthly = reports.monthly_report(conn, 2026, 3)
    assert st.opening_balance == 5_000
    assert st.recharges == 3_000
    assert st.charges == 900  # 15 kWh x 0.60
    assert st.fees == 200
    assert st.closing_balance == 5_000 + 3_000 - 900 - 200 == store.balance("A101")
    assert sum(line.quantity_milli for line in st.usage) == 15_000
    assert by_day == [(20260227, 5_000), (20260301, 1_000), (20260302, 1_000), (20260303, 1_000)]
    assert by_month == [(202602, 5_000), (202603, 3_000)]
    assert by_year == [(2026, 8_000)]
    assert months[2] == (3, {"electricity": 15_000}, {})
    assert [line.account for line in monthly] == ["A101"]
    assert monthly[0].usage_milli == {"electricity": 15_000}
