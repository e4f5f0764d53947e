"""Ledger fixtures: the same store on SQLite and on the PostgreSQL server scripts/test starts."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from custom_components.prepaid_utility.billing.engine import MeterSpec
from custom_components.prepaid_utility.billing.quantity import UtilityKind
from custom_components.prepaid_utility.billing.tariff import (
    TariffBook,
    TariffVersion,
    flat_tariff,
)
from custom_components.prepaid_utility.ledger import LedgerStore

logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
PG_URL = os.environ.get("PREPAID_UTILITY_PG_URL")
T0 = datetime(2026, 3, 1, tzinfo=UTC)
ESPEC = MeterSpec(kind=UtilityKind.ELECTRICITY, max_rate_milli_per_hour=14_490)
WSPEC = MeterSpec(kind=UtilityKind.WATER, max_rate_milli_per_hour=3_000, resolution_milli=1)


class Clock:
    """A settable clock for the store."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def tariffs() -> dict[str, TariffBook]:
    return {
        "power": TariffBook(
            (
                TariffVersion(
                    T0 - timedelta(days=400), flat_tariff(UtilityKind.ELECTRICITY, 600_000)
                ),
            )
        ),
        "water": TariffBook(
            (TariffVersion(T0 - timedelta(days=400), flat_tariff(UtilityKind.WATER, 4_000_000)),)
        ),
    }


class Backend:
    """Opens stores on one database (reopen = restart)."""

    def __init__(self, name: str, url: str, connect_args: dict[str, Any] | None) -> None:
        self.name = name
        self.url = url
        self.connect_args = connect_args
        self.clock = Clock()
        self.opened: list[LedgerStore] = []

    def open(self) -> LedgerStore:
        store = LedgerStore.open(
            self.url, connect_args=self.connect_args, clock=self.clock, timezone="Asia/Shanghai"
        )
        for code, book in tariffs().items():
            store.register_tariff(code, book)
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        for store in self.opened:
            store.close()


def _pg_schema() -> Iterator[tuple[str, dict[str, Any]]]:
    assert PG_URL
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield PG_URL, {"options": f"-csearch_path={schema}"}
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "postgres":
        if not PG_URL:
            pytest.skip("PREPAID_UTILITY_PG_URL not set (scripts/test starts PostgreSQL)")
        gen = _pg_schema()
        url, args = next(gen)
        backend = Backend("postgres", url, args)
        try:
            yield backend
        finally:
            backend.close_all()
            next(gen, None)
    else:
        backend = Backend("sqlite", f"sqlite:///{tmp_path / 'ledger.db'}", None)
        yield backend
        backend.close_all()


@pytest.fixture
def store(backend: Backend) -> LedgerStore:
    return backend.open()


def setup_tenant(
    store: LedgerStore, code: str = "A101", meter_id: str = "e1", start: str = "100"
) -> None:
    store.create_account(code, f"Tenant {code}", area_centi_m2=8_550)
    store.add_meter(meter_id, ESPEC, "power", start=Decimal(start), at=store.clock())
    store.assign_meter(meter_id, code, store.clock())


def assert_sound(store: LedgerStore) -> None:
    report = store.check()
    assert report.ok, report.violations


Check = Callable[[LedgerStore], None]
