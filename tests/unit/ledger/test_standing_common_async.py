"""Standing charges, common-area figures from buckets, disk full (S3), the async facade."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import event, text

from custom_components.prepaid_utility.billing.engine import CounterReading
from custom_components.prepaid_utility.billing.errors import LedgerUnavailable
from custom_components.prepaid_utility.billing.quantity import UtilityKind
from custom_components.prepaid_utility.billing.schedule import TouPeriod
from custom_components.prepaid_utility.billing.tariff import (
    StandingPeriod,
    Tariff,
    TariffBook,
    TariffVersion,
)
from custom_components.prepaid_utility.ledger import AsyncLedgerStore, LedgerStore

from .conftest import ESPEC, T0, Backend, assert_sound


def test_standing_charge_daily_once(backend: Backend) -> None:
    store = backend.open()
    store.register_tariff(
        "with_standing",
        TariffBook(
            (
                TariffVersion(
                    T0 - timedelta(days=1),
                    Tariff(
                        UtilityKind.ELECTRICITY,
                        {TouPeriod.FLAT: 600_000},
                        timezone="Asia/Shanghai",
                        standing_charge_minor=50,
                        standing_period=StandingPeriod.DAILY,
                    ),
                ),
            )
        ),
    )
    store.create_account("A")
    store.add_meter("e1", ESPEC, "with_standing", start=Decimal(0), at=T0)
    store.assign_meter("e1", "A", T0)
    now = T0
    charged = 0
    for _ in range(12):
        now += timedelta(hours=6)
        backend.clock.now = now
        charged += store.charge_standing_charges(now)
        charged += store.charge_standing_charges(now)
    assert charged == 4  # 72 h from 08:00 local on 1 March touch local days 1 to 4 March
    assert store.balance("A") == -50 * charged
    assert store.charge_standing_charges(T0 - timedelta(days=900)) == 0  # clock behind
    assert_sound(store)


def test_common_area_from_buckets(backend: Backend) -> None:
    store = backend.open()
    for code in ("A", "B", "landlord"):
        store.create_account(code)
    for meter_id, holder in (("master", "landlord"), ("sa", "A"), ("sb", "B")):
        store.add_meter(meter_id, ESPEC, "power", start=Decimal(0), at=T0)
        store.assign_meter(meter_id, holder, T0)
    at = T0 + timedelta(hours=2)
    store.bill_readings(
        [
            CounterReading("master", at, Decimal(20)),
            CounterReading("sa", at, Decimal(9)),
            CounterReading("sb", at, Decimal(3)),
        ]
    )
    figures = store.common_area("master", ["sa", "sb"], T0, T0 + timedelta(days=1))
    assert (figures.pool_milli, figures.loss_per_mille) == (8_000, 400)
    weights = store.usage_weights(["A", "B"], T0, T0 + timedelta(days=1))
    assert weights == {"A": 9_000, "B": 3_000}
    _, shares = store.apportion("common", "2026-03", 480, weights)
    assert shares == {"A": 360, "B": 120}
    print(f"backend={backend.name} pool_wh={figures.pool_milli} loss_per_mille=400")
    assert_sound(store)


def test_disk_full_rolls_back_whole(tmp_path: Path) -> None:
    store = LedgerStore.open(f"sqlite:///{tmp_path / 'l.db'}")
    store.create_account("A")
    store.recharge("A", 100, "first")
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    store.close()

    small = LedgerStore.open(f"sqlite:///{tmp_path / 'l.db'}")

    @event.listens_for(small.engine, "connect")
    def _limit(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    small.engine.dispose()
    failures = 0
    for i in range(200):
        try:
            small.recharge("A", 100, f"order-{i}-" + "x" * 150, method="y" * 300)
        except LedgerUnavailable:
            failures += 1
    report = small.check()
    with small.reading() as conn:
        entries = conn.execute(text("SELECT count(*) FROM journal_entry")).scalar_one()
    partial = (not report.ok) + (small.balance("A") != 100 * entries)
    print(f"disk_full_failures={failures} partial_writes={partial}")
    assert failures > 0
    assert partial == 0
    small.close()


async def test_async_facade(tmp_path: Path) -> None:
    store = await AsyncLedgerStore.open(f"sqlite:///{tmp_path / 'l.db'}")
    await store.run(lambda s: s.create_account("A"))
    first = await store.recharge("A", 500, "o1")
    again = await store.recharge("A", 500, "o1")
    assert again.entry_id == first.entry_id
    assert again.replayed
    assert await store.balance("A") == 500
    statement = await store.statement("A", T0 - timedelta(days=3650), T0 + timedelta(days=3650))
    assert statement.closing_balance == 500
    assert (await store.check()).ok
    await store.close()
    with pytest.raises(RuntimeError):
        await store.balance("A")
