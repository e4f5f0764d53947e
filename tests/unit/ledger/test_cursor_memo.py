"""The store's memo of meter states between cycles never bills from a row that has moved.

It is trusted only while a meter's stored row is exactly what it was made from or what the
store wrote: another writer on the same ledger, a rolled-back cycle, a new holder or a new
generation must all be seen by the next cycle.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from custom_components.prepaid_utility.billing.engine import CounterReading, ReadingStatus
from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.ledger.journal import set_step_hook
from custom_components.prepaid_utility.ledger.leases import Claimant
from custom_components.prepaid_utility.ledger.schema import meter_generation

from .conftest import Backend, assert_sound, setup_tenant

# 0.6 per kWh (flat), money in cents: 1 kWh = 60.
CENTS_PER_KWH = 60


def _bill(store: LedgerStore, backend: Backend, counter: str, meter: str = "e1") -> int:
    backend.clock.advance(timedelta(minutes=5))
    result = store.bill_readings([CounterReading(meter, backend.clock.now, Decimal(counter))])
    return result.charged_minor.get(meter, 0)


def test_memo_is_used_and_bills_like_fresh_loads(backend: Backend) -> None:
    store = backend.open()
    setup_tenant(store)
    store.recharge("A101", 100_000, "order-1")
    charged = [_bill(store, backend, f"{100 + k}") for k in range(1, 6)]
    hits = store._cursors.hits
    # A second store (restart) has nothing memorised: the same readings cost the same.
    fresh = backend.open()
    charged.append(_bill(fresh, backend, "106"))
    print(f"memo_hits={hits} charged={charged}")
    assert hits >= 4
    assert charged == [CENTS_PER_KWH] * 6
    assert store.balance("A101") == 100_000 - 6 * CENTS_PER_KWH
    assert_sound(store)


def test_another_writer_moves_the_cursor(backend: Backend) -> None:
    one = backend.open()
    setup_tenant(one)
    two = backend.open()
    assert _bill(one, backend, "101") == CENTS_PER_KWH
    assert _bill(two, backend, "103") == 2 * CENTS_PER_KWH
    # The first store memorised hwm 101; the row says 103: only 103 -> 104 is billed.
    assert _bill(one, backend, "104") == CENTS_PER_KWH
    two.create_account("B202", "Tenant B202")
    two.assign_meter("e1", "B202", backend.clock.now)
    assert _bill(one, backend, "105") == CENTS_PER_KWH
    balances = one.balances()
    print(f"A101={balances['A101']} B202={balances['B202']}")
    assert balances["A101"] == -4 * CENTS_PER_KWH
    assert balances["B202"] == -CENTS_PER_KWH
    two.replace_meter("e1", Decimal(0), backend.clock.now)
    assert _bill(one, backend, "2") == 2 * CENTS_PER_KWH
    assert one.meter_state("e1").generation == 2
    assert_sound(one)


def test_rolled_back_cycle_is_not_remembered(backend: Backend) -> None:
    store = backend.open()
    setup_tenant(store)
    assert _bill(store, backend, "101") == CENTS_PER_KWH

    def fail(name: str) -> None:
        if name == "cycle:buckets":
            raise RuntimeError("power cut")

    set_step_hook(fail)
    try:
        with pytest.raises(RuntimeError):
            _bill(store, backend, "102")
    finally:
        set_step_hook(None)
    assert store.meter_state("e1").hwm_milli == 101_000
    # The lost cycle's kWh is billed by the next reading, once.
    assert _bill(store, backend, "103") == 2 * CENTS_PER_KWH
    assert store.balance("A101") == -3 * CENTS_PER_KWH
    assert_sound(store)


def test_readings_in_another_zone(backend: Backend) -> None:
    """A state holding a local-time instant is loaded afresh: loads give UTC instants."""
    store = backend.open()
    setup_tenant(store)
    shanghai = ZoneInfo("Asia/Shanghai")
    misses = []
    for k in range(1, 4):
        backend.clock.advance(timedelta(minutes=5))
        local = backend.clock.now.astimezone(shanghai)
        hits = store._cursors.hits
        store.bill_readings([CounterReading("e1", local, Decimal(100 + k))])
        misses.append(store._cursors.hits == hits)
    hits = store._cursors.hits
    assert _bill(store, backend, "104") == CENTS_PER_KWH
    assert _bill(store, backend, "105") == CENTS_PER_KWH
    print(f"local_stamped_misses={misses} utc_hits={store._cursors.hits - hits}")
    assert misses == [True, True, True]
    assert store._cursors.hits - hits == 1  # the UTC-stamped reading's state is remembered
    assert store.meter_state("e1").last_at == backend.clock.now
    assert store.balance("A101") == -5 * CENTS_PER_KWH


def _meter_reads(store: LedgerStore, work: Any) -> int:
    """Run ``work`` and return how many statements read the meter rows."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    return sum(1 for sql in seen if sql.lstrip().startswith("SELECT meter.id, meter.tariff_code"))


def test_a_cycle_after_only_cycles_reads_no_meter_rows(backend: Backend) -> None:
    """SQLite: confirmed by data_version, the memo is the ledger; any other write ends that.

    Each other write below changes what the next cycle must bill (a new holder, a meter row
    moved outside the store, a rolled-back cycle): the balances show it was seen.
    """
    store = backend.open()
    setup_tenant(store)
    store.create_account("B202", "Tenant B202")
    reads = [_meter_reads(store, lambda: _bill(store, backend, "101"))]
    # Every poll claims its gateway's lease before billing: a write of no meter row.
    store.claim_gateway("bus:127.0.0.1:502", Claimant("token", "instance", "Site"), 30)
    reads.append(_meter_reads(store, lambda: _bill(store, backend, "102")))
    store.recharge("A101", 1_000, "order-2")  # another write of this store
    reads.append(_meter_reads(store, lambda: _bill(store, backend, "103")))
    reads.append(_meter_reads(store, lambda: _bill(store, backend, "104")))
    store.assign_meter("e1", "B202", backend.clock.now)  # the holder changes
    reads.append(_meter_reads(store, lambda: _bill(store, backend, "105")))
    # A write on the same engine outside the store's writes (same pooled connection).
    with store.engine.begin() as conn:
        conn.execute(
            meter_generation.update()
            .where(meter_generation.c.meter_id == "e1")
            .values(hwm_milli=meter_generation.c.hwm_milli + 1_000)
        )
    reads.append(_meter_reads(store, lambda: _bill(store, backend, "107")))
    # Another program's connection (another HA, a repair tool) moves the cursor.
    other = backend.open()
    assert _bill(other, backend, "108") == CENTS_PER_KWH
    reads.append(_meter_reads(store, lambda: _bill(store, backend, "109")))
    balances = store.balances()
    print(f"{backend.name} meter_reads={reads} A101={balances['A101']} B202={balances['B202']}")
    expected = [1, 0, 1, 0, 1, 1, 1] if backend.name == "sqlite" else [1] * 7
    assert reads == expected
    # A101 used 100-104 and recharged 10.00; B202 104-109 but for the kWh the outside write
    # skipped. Every change was seen by reading, none by a failed cursor update and a retry.
    assert balances["A101"] == 1_000 - 4 * CENTS_PER_KWH
    assert balances["B202"] == -4 * CENTS_PER_KWH
    assert store.busy_retries == 0


def test_bad_readings_on_a_trusted_memo_change_nothing(backend: Backend) -> None:
    """Readings a cycle refuses leave the ledger and the memo as they were.

    Unknown meter, no time zone, negative, beyond any meter, a jump: each is refused while
    the memo is confirmed; then two readings of one meter in one cycle bill its increase once.
    """
    store = backend.open()
    setup_tenant(store)
    store.recharge("A101", 10_000, "order-1")
    assert _bill(store, backend, "101") == CENTS_PER_KWH
    before = store.balances()
    backend.clock.advance(timedelta(minutes=5))
    now = backend.clock.now
    bad = [
        CounterReading("nope", now, Decimal(102)),
        CounterReading("e1", now.replace(tzinfo=None), Decimal(102)),
        CounterReading("e1", now, Decimal(-5)),
        CounterReading("e1", now, Decimal(10) ** 16),
        CounterReading("e1", now, Decimal(5_000)),  # 4,899 kWh in 5 minutes
    ]
    statuses = []
    for reading in bad:
        result = store.bill_readings([reading])
        statuses.append(result.statuses[reading.meter_id].value)
        assert not result.charged_minor
    print(f"{backend.name} refused={statuses}")
    assert statuses == ["invalid", "invalid", "invalid", "invalid", "quarantined_jump"]
    assert store.balances() == before
    assert store.meter_state("e1").hwm_milli == 101_000
    backend.clock.advance(timedelta(minutes=5))
    later = backend.clock.now
    twice = [
        CounterReading("e1", later - timedelta(minutes=2), Decimal("101.25")),
        CounterReading("e1", later, Decimal("101.5")),
    ]
    result = store.bill_readings(twice)
    print(f"{backend.name} two_readings_charged={result.charged_minor}")
    assert result.statuses == {"e1": ReadingStatus.CHARGED}
    assert result.charged_minor == {"e1": CENTS_PER_KWH // 2}
    assert store.balance("A101") == 10_000 - CENTS_PER_KWH - CENTS_PER_KWH // 2
    assert store.meter_state("e1").hwm_milli == 101_500
    assert _bill(store, backend, "102") == CENTS_PER_KWH // 2
    assert_sound(store)


def test_a_write_is_seen_by_every_gateway_not_only_the_next_to_poll(backend: Backend) -> None:
    """Each gateway's cycle reads its own meters: after a write, gateway A's cycle confirming
    the memo again vouches for A's meters, not for B's (B's next cycle reads its rows).

    The soak found this: a meter replaced between polls kept its old generation in the memo
    because another gateway polled first, and every later reading was quarantined.
    """
    store = backend.open()
    setup_tenant(store, code="A101", meter_id="ea")
    setup_tenant(store, code="B202", meter_id="eb")
    store.create_account("C303", "Tenant C303")
    assert _bill(store, backend, "101", meter="ea") == CENTS_PER_KWH
    assert _bill(store, backend, "101", meter="eb") == CENTS_PER_KWH
    assert _bill(store, backend, "102", meter="eb") == CENTS_PER_KWH  # memo confirmed
    store.assign_meter("eb", "C303", backend.clock.now)  # B's meter changes holder
    assert _bill(store, backend, "102", meter="ea") == CENTS_PER_KWH  # A polls first
    reads = _meter_reads(store, lambda: _bill(store, backend, "103", meter="eb"))
    store.replace_meter("ea", Decimal(0), backend.clock.now)  # A's meter is replaced
    assert _bill(store, backend, "104", meter="eb") == CENTS_PER_KWH  # B polls first
    charged_new_meter = _bill(store, backend, "1", meter="ea")
    balances = store.balances()
    print(
        f"{backend.name} b_rows_read={reads} new_meter_charged={charged_new_meter} "
        f"B202={balances['B202']} C303={balances['C303']}"
    )
    assert reads == 1
    assert balances["B202"] == -2 * CENTS_PER_KWH
    assert balances["C303"] == -2 * CENTS_PER_KWH
    assert charged_new_meter == CENTS_PER_KWH
    assert store.meter_state("ea").generation == 2
    assert_sound(store)
