"""One driver per gateway: a second instance on the same ledger holds the lease, then lets go.

The other instance is a second ledger store on the same file (its own engine, its own token and
instance id), as another Home Assistant would be on a shared PostgreSQL ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from sqlalchemy import update

from custom_components.prepaid_utility.billing.engine import CounterReading
from custom_components.prepaid_utility.const import DOMAIN
from custom_components.prepaid_utility.gateway.lease import shared_issue_id
from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.ledger.database import sqlite_url
from custom_components.prepaid_utility.ledger.leases import Claimant
from custom_components.prepaid_utility.ledger.schema import gateway_lease
from custom_components.prepaid_utility.money.billing_cycle import meter_spec
from custom_components.prepaid_utility.money.ledger_runtime import LEDGER_FILE

from .conftest import poll

pytestmark = pytest.mark.usefixtures("sockets")

OTHER = Claimant("token-of-site-b", "instance-of-site-b", "Site B")


@pytest.fixture
def other_instance(hass: HomeAssistant, mixed_building: Any) -> Iterator[LedgerStore]:
    store = LedgerStore.open(sqlite_url(hass.config.path(LEDGER_FILE)))
    yield store
    store.close()


def _entity(hass: HomeAssistant, entry: Any, platform: str, unique_id: str) -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert found is not None
    return found


def _relay(hass: HomeAssistant, entry: Any) -> str:
    unit1 = next(s.subentry_id for s in entry.subentries.values() if s.unique_id == "1")
    return _entity(hass, entry, "switch", f"{entry.entry_id}_{unit1}_relay")


def _count_reads(coordinator: Any) -> list[int]:
    """Count the meter reads the coordinator asks for (a spy over the real meters)."""
    reads = [0]
    for setup in coordinator.meters.values():
        real = setup.meter.read

        async def read(real: Any = real) -> Any:
            reads[0] += 1
            return await real()

        setup.meter.read = read
    return reads


async def test_standby_while_another_instance_drives_then_take_over(
    hass: HomeAssistant, mixed_building: Any, other_instance: LedgerStore
) -> None:
    entry = mixed_building
    coordinator = entry.runtime_data.coordinator
    lease = coordinator.lease
    driver = _entity(hass, entry, "sensor", f"{entry.entry_id}_driven_by")
    await poll(hass, entry)
    me = hass.config.location_name
    assert hass.states.get(driver).state == me
    assert hass.states.get(driver).attributes["standby"] is False

    # This instance stops renewing for a while (a long pause): its lease lapses, Site B takes it.
    with other_instance.engine.begin() as conn:
        conn.execute(update(gateway_lease).values(expires_us=0))
    assert other_instance.claim_gateway(lease.identity, OTHER, 300).held
    hwm_before = {m: other_instance.meter_state(m).hwm_milli for m in other_instance.meters()}
    reads = _count_reads(coordinator)
    await poll(hass, entry)
    await poll(hass, entry)
    state = hass.states.get(driver)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, shared_issue_id(entry.entry_id))
    hwm_after = {m: other_instance.meter_state(m).hwm_milli for m in other_instance.meters()}
    relay = _relay(hass, entry)
    with pytest.raises(HomeAssistantError) as refused:
        await hass.services.async_call(
            DOMAIN, "relay_control", {"entity_id": relay, "mode": "off"}, blocking=True,
            return_response=True,
        )  # fmt: skip
    overrides = dict(coordinator.supervisor.overrides)
    print(
        f"standby driver={state.state} standby={state.attributes['standby']} "
        f"issue={issue is not None} relay_refused={refused.value.translation_key} "
        f"meter_reads={reads[0]} "
        f"cursors_moved={sum(hwm_after[m] != hwm_before[m] for m in hwm_before)}"
    )
    assert state.state == "Site B"
    assert state.attributes["standby"] is True
    assert issue is not None
    assert issue.translation_placeholders["other"] == "Site B"
    assert refused.value.translation_key == "gateway_driven_elsewhere"
    assert overrides == {}  # refused before anything was saved
    assert reads[0] == 0  # the bus is Site B's
    assert hwm_after == hwm_before  # nothing billed here
    assert hass.states.get(relay).state == "unavailable"

    # Site B stops cleanly: the lease goes at once and the next poll drives the gateway again.
    assert other_instance.release_gateway(lease.identity, OTHER.token)
    await poll(hass, entry)
    state = hass.states.get(driver)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, shared_issue_id(entry.entry_id))
    print(f"taken_over driver={state.state} issue={issue is not None}")
    assert state.state == me
    assert state.attributes["standby"] is False
    assert issue is None
    assert reads[0] == len(coordinator.meters)
    assert hass.states.get(relay).state != "unavailable"

    # Unloading hands the gateway over at once.
    await hass.config_entries.async_unload(entry.entry_id)
    assert other_instance.claim_gateway(lease.identity, OTHER, 300).held


async def test_standby_bills_its_meters_from_readings_the_driver_relayed(
    hass: HomeAssistant, mixed_building: Any, other_instance: LedgerStore
) -> None:
    """Site B drives and relays a reading of a meter this instance bills; this one bills it."""
    entry = mixed_building
    coordinator = entry.runtime_data.coordinator
    await poll(hass, entry)
    with other_instance.engine.begin() as conn:
        conn.execute(update(gateway_lease).values(expires_us=0))
    assert other_instance.claim_gateway(coordinator.lease.identity, OTHER, 300).held
    key = next(k for k in coordinator.meters if k in other_instance.meters())
    holder = other_instance.holders().get(key, "vacant")
    state = other_instance.meter_state(key)
    balance_before = other_instance.balance(holder)
    relayed = CounterReading(
        key,
        state.last_at + timedelta(minutes=10),
        Decimal(state.hwm_milli + 500) / 1000,
    )
    assert other_instance.relay_readings([relayed], OTHER.name) == 1
    await poll(hass, entry)
    await poll(hass, entry)  # the same relayed reading again: billed once
    after = other_instance.meter_state(key)
    balance_after = other_instance.balance(holder)
    print(
        f"relayed_billed_kwh={Decimal(after.hwm_milli - state.hwm_milli) / 1000} "
        f"balance_change_minor={balance_after - balance_before} "
        f"standby={coordinator.data.standby}"
    )
    assert coordinator.data.standby is True
    assert after.hwm_milli == state.hwm_milli + 500
    assert balance_after != balance_before


async def test_driver_relays_a_meter_another_instance_bills(
    hass: HomeAssistant, mixed_building: Any, other_instance: LedgerStore
) -> None:
    """A meter Site B billed first (same identity) is read here, left for B, not billed here."""
    entry = mixed_building
    coordinator = entry.runtime_data.coordinator
    billing = coordinator.billing
    key = next(iter(coordinator.meters))
    # What set-up derives for a network gateway; Site B added that meter first, as its "b-1".
    kind = coordinator.meters[key].medium.value
    identity = f"bus:192.0.2.10:502#1/{kind}"
    book = billing.meter_codes[key]
    spec = meter_spec(coordinator.meters[key])
    other_instance.register_tariff(book, billing.ledger.store.tariffs[book])
    owner = other_instance.claim_meter(
        identity, "b-1", spec, book, owner=("instance-of-site-b", "Site B"),
        start=Decimal(0), at=other_instance.clock(),
    )  # fmt: skip
    assert owner == "b-1"
    billing.identities = {**billing.identities, key: identity}
    billing._known.discard(key)  # as after a restart
    hwm_mine = other_instance.meter_state(key).hwm_milli
    await poll(hass, entry)
    await poll(hass, entry)
    relayed = other_instance.relayed_readings(["b-1"])
    print(
        f"foreign={billing.foreign} relayed={len(relayed)} "
        f"own_row_moved={other_instance.meter_state(key).hwm_milli != hwm_mine}"
    )
    assert billing.foreign == {key: "b-1"}
    assert key in coordinator.supervisor.meter_side  # this site's accounts never switch it
    assert len(relayed) == 1
    assert other_instance.meter_state(key).hwm_milli == hwm_mine  # not billed here
