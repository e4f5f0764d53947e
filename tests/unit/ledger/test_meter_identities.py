"""One ledger meter per physical meter when two instances are configured for one gateway.

Two stores on one database stand for two Home Assistant instances, each knowing the meter under
its own subentry id. The first to bill it owns it; the other relays its readings; the owner
bills them from the one cursor. Also: a ledger of the old shape (schema 6, a row per instance
for the same meter) keeps its rows, and an instance that re-added its own meter moves the
binding, as a single instance always did.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select, text

from custom_components.prepaid_utility.billing.engine import CounterReading
from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.ledger.schema import (
    SCHEMA_VERSION,
    meter_generation,
    meter_identity,
    usage_bucket,
)

from .conftest import ESPEC, Backend, assert_sound
from .test_two_writers import Race

GATEWAY = "bus:192.168.1.50:502"
UNIT1 = f"{GATEWAY}#1/electricity"
SITE_A = ("instance-a", "Site A")
SITE_B = ("instance-b", "Site B")


def _claim(store: LedgerStore, meter_id: str, owner: tuple[str, str], start: str = "100") -> str:
    return store.claim_meter(
        UNIT1, meter_id, ESPEC, "power", owner=owner, start=Decimal(start), at=store.clock()
    )


def _billed_twice_milli(store: LedgerStore) -> int:
    """Return usage billed beyond what the cursors moved (energy billed twice)."""
    with store.reading() as conn:
        billed = dict(
            conn.execute(
                select(usage_bucket.c.meter_id, func.sum(usage_bucket.c.quantity_milli)).group_by(
                    usage_bucket.c.meter_id
                )
            ).all()
        )
        moved = dict(
            conn.execute(
                select(
                    meter_generation.c.meter_id,
                    meter_generation.c.hwm_milli - meter_generation.c.start_milli,
                )
            ).all()
        )
    return sum(int(billed.get(m, 0)) - int(v) for m, v in moved.items())


def test_one_meter_row_relayed_and_billed_by_its_owner(backend: Backend) -> None:
    a, b = backend.open(), backend.open()
    clock = backend.clock
    a.create_account("A101", "Tenant of site A")
    assert _claim(a, "sub-a-1", SITE_A) == "sub-a-1"
    a.assign_meter("sub-a-1", "A101", clock())
    # Site B configured the same gateway: its subentry for unit 1 gets no row of its own.
    assert _claim(b, "sub-b-1", SITE_B) == "sub-a-1"
    assert "sub-b-1" not in b.meters()

    # B drives the gateway: it leaves A's readings; a stale one does not overwrite a newer.
    clock.advance(timedelta(minutes=30))
    newer = CounterReading("sub-a-1", clock(), Decimal("101.500"))
    older = CounterReading("sub-a-1", clock() - timedelta(minutes=5), Decimal("101.2"))
    assert b.relay_readings([newer], "Site B") == 1
    assert b.relay_readings([older], "Site B") == 0
    # A stands by and bills what B relayed, once.
    relayed = a.relayed_readings(["sub-a-1"])
    assert relayed == [newer]
    a.bill_readings(relayed)
    assert a.relayed_readings(["sub-a-1"]) == []
    # A drives again (B was killed): it bills from the same cursor.
    clock.advance(timedelta(minutes=30))
    a.bill_readings([CounterReading("sub-a-1", clock(), Decimal("102"))])
    hwm = a.meter_state("sub-a-1").hwm_milli
    twice = _billed_twice_milli(a)
    balance = a.balance("A101")
    print(
        f"backend={backend.name} rows_for_unit1={len(a.meter_owners())} "
        f"relayed_billed_kwh=1.5 hwm_kwh={Decimal(hwm) / 1000} "
        f"energy_billed_twice_kwh={Decimal(twice) / 1000} balance_minor={balance}"
    )
    assert a.meter_owners() == {"sub-a-1": (UNIT1, "Site A")}
    assert hwm == 102_000
    assert twice == 0
    assert balance == -120  # 2 kWh at 0.60
    assert_sound(a)


def test_two_instances_claim_at_once(backend: Backend) -> None:
    a, b = backend.open(), backend.open()
    race = Race("commit")
    out_a, out_b = race.run(
        lambda: _claim(a, "sub-a-1", SITE_A), lambda: _claim(b, "sub-b-1", SITE_B)
    )
    with a.reading() as conn:
        bindings = conn.execute(select(func.count()).select_from(meter_identity)).scalar_one()
    meters = sorted(a.meters())
    print(
        f"backend={backend.name} a={out_a.value} b={out_b.value} bindings={bindings} "
        f"meter_rows={len(meters)} b_waited_ms={out_b.elapsed_ms:.0f}"
    )
    assert out_a.error is None, out_a.error
    assert out_b.error is None, out_b.error
    assert out_a.value == out_b.value == "sub-a-1"
    assert bindings == 1
    assert meters == ["sub-a-1"]  # B's row went with its rolled-back transaction


def test_same_instance_moves_its_binding(backend: Backend) -> None:
    store = backend.open()
    assert _claim(store, "old-sub", SITE_A) == "old-sub"
    # The meter was deleted and added again (a new subentry): the new one bills, from its start.
    assert _claim(store, "new-sub", SITE_A, start="150") == "new-sub"
    # Its address changed: the row follows to the new identity, one binding a row.
    moved = store.claim_meter(
        f"{GATEWAY}#7/electricity", "new-sub", ESPEC, "power", owner=SITE_A,
        start=Decimal(150), at=store.clock(),
    )  # fmt: skip
    owners = store.meter_owners()
    print(f"backend={backend.name} owners={sorted(owners)} moved={moved}")
    assert owners == {"new-sub": (f"{GATEWAY}#7/electricity", "Site A")}
    assert store.meter_state("new-sub").hwm_milli == 150_000
    assert store.meter_state("old-sub").hwm_milli == 100_000  # its history stays


def test_ledger_of_the_old_shape(backend: Backend) -> None:
    """Schema 6: both instances had their own row for unit 1; the rows and cursors stay."""
    old = backend.open()
    for meter_id in ("sub-a-1", "sub-b-1"):
        old.add_meter(meter_id, ESPEC, "power", start=Decimal(100), at=old.clock())
    backend.clock.advance(timedelta(minutes=20))
    old.bill_readings([CounterReading("sub-a-1", old.clock(), Decimal("100.8"))])
    with old.engine.begin() as conn:
        conn.execute(text("DROP TABLE meter_relay"))
        conn.execute(text("DROP TABLE meter_identity"))
        conn.execute(text("UPDATE schema_version SET version = 6"))
    old.close()
    a, b = backend.open(), backend.open()
    with a.reading() as conn:
        version = conn.execute(text("SELECT version FROM schema_version")).scalar_one()
    rows_kept = sorted(a.meters())
    # The first instance to poll after the upgrade binds its row, cursor and history kept.
    owner_a = _claim(a, "sub-a-1", SITE_A)
    owner_b = _claim(b, "sub-b-1", SITE_B)
    print(
        f"backend={backend.name} migrated_from={a.migrated_from} version={version} "
        f"rows_kept={len(rows_kept)} owner_a={owner_a} owner_b={owner_b} "
        f"hwm_kwh={Decimal(a.meter_state('sub-a-1').hwm_milli) / 1000}"
    )
    assert a.migrated_from == 6
    assert version == SCHEMA_VERSION
    assert rows_kept == ["sub-a-1", "sub-b-1"]
    assert owner_a == owner_b == "sub-a-1"
    assert a.meter_state("sub-a-1").hwm_milli == 100_800
    assert_sound(a)
