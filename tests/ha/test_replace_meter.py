"""A replaced meter: the quarantine repair (and the service) re-arm billing, billed once.

The simulated Acrel meter is swapped for one whose counter starts at 0.50 kWh: the ledger
quarantines the counter going backwards and raises a fixable repair issue. Fixing it with the
old meter's final reading and the new one's start reading bills the final stretch of the old
meter and everything the new meter counts from its start, each exactly once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.core import Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component

from custom_components.prepaid_utility.billing.quantity import counter_to_milli
from custom_components.prepaid_utility.const import DOMAIN
from custom_components.prepaid_utility.events import EVENT_METER_REPLACED

from .conftest import poll
from .ledger_ops import EPOCH, FAR, call, device_id, meter_key, open_account, snapshot

pytestmark = pytest.mark.usefixtures("sockets")


async def _billed_milli(entry: Any, key: str) -> int:
    usage = await entry.runtime_data.ledger.run(lambda s: s.usage_by_meter([key], EPOCH, FAR))
    return int(usage[key])


async def _swap(hass: HomeAssistant, entry: Any) -> tuple[str, Decimal, Decimal]:
    """Use the meter, swap it (not polled in between), poll: return (key, start, final)."""
    sim = entry.runtime_data.building.building
    key = meter_key(entry, 1)
    start = sim.device(0, 1).total  # the set-up poll made this the meter's start
    sim.clock.advance(2 * 3600)
    await poll(hass, entry)
    sim.clock.advance(3600)
    final = sim.device(0, 1).total  # what the old meter showed when it was taken off
    sim.device(0, 1).replace_meter(0.5)
    sim.clock.advance(600)
    await poll(hass, entry)
    return key, start, final


def _issue(hass: HomeAssistant, key: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"quarantined_{key}")


async def test_repair_records_the_replacement_and_bills_once(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    entry = mixed_building
    code, _ = await open_account(hass, entry, "Li Wei", [1], "OPEN-1", opening_balance="500.00")
    events: list[Event] = []
    hass.bus.async_listen(EVENT_METER_REPLACED, events.append)
    key, start, final = await _swap(hass, entry)
    issue = _issue(hass, key)
    assert issue is not None
    assert issue.is_fixable
    billed_before_fix = await _billed_milli(entry, key)
    assert billed_before_fix < counter_to_milli(final) - counter_to_milli(start)

    assert await async_setup_component(hass, "repairs", {})
    manager = repairs_flow_manager(hass)
    assert manager is not None
    flow = await manager.async_init(DOMAIN, data={"issue_id": issue.issue_id})
    assert flow["type"] is FlowResultType.FORM
    assert flow["step_id"] == "readings"
    # A bad reading is refused in the form and changes nothing.
    before = await snapshot(entry)
    bad = await manager.async_configure(flow["flow_id"], {"new_start_reading": "abc"})
    assert bad["errors"] == {"base": "invalid_reading"}
    below = await manager.async_configure(
        flow["flow_id"], {"new_start_reading": "0.5", "final_reading": str(start - 1)}
    )
    assert below["errors"] == {"base": "final_reading_refused"}
    assert await snapshot(entry) == before
    done = await manager.async_configure(
        flow["flow_id"], {"new_start_reading": "0.5", "final_reading": str(final)}
    )
    assert done["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert _issue(hass, key) is None
    assert len(events) == 1
    # The old meter is billed up to its final reading, exactly.
    old_part = counter_to_milli(final) - counter_to_milli(start)
    assert await _billed_milli(entry, key) == old_part

    sim = entry.runtime_data.building.building
    for _ in range(3):
        sim.clock.advance(3600)
        await poll(hass, entry)
    new_part = counter_to_milli(sim.device(0, 1).total) - counter_to_milli(Decimal("0.5"))
    assert new_part > 0
    billed = await _billed_milli(entry, key)
    print(f"old_milli={old_part} new_milli={new_part} billed_milli={billed} replacements=1")
    assert billed == old_part + new_part
    assert _issue(hass, key) is None

    # Recording the same swap again by service (a confused automation) is refused: the old
    # meter's final reading lies far above the new meter's counter. Nothing changes.
    before = await snapshot(entry)
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "replace_meter",
            {
                "device_id": device_id(hass, entry, key),
                "new_start_reading": "0.5",
                "final_reading": str(final),
                "replacement_id": "SWAP-1",
            },
        )
    assert err.value.translation_key == "final_reading_refused"
    assert await snapshot(entry) == before
    report = await entry.runtime_data.ledger.run(lambda s: s.check())
    assert report.ok, report
    assert await entry.runtime_data.ledger.balance(code) < 50000


async def test_replace_meter_service_bills_once_and_refuses_bad_input(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    entry = mixed_building
    key, start, final = await _swap(hass, entry)
    meter_device = device_id(hass, entry, key)
    base = {
        "device_id": meter_device,
        "new_start_reading": "0.5",
        "final_reading": str(final),
        "replacement_id": "SWAP-7",
    }
    before = await snapshot(entry)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"new_start_reading": "-1"}, "invalid_reading"),
        ({"new_start_reading": "abc"}, "invalid_reading"),
        ({"new_start_reading": "0.0001"}, "invalid_reading"),
        ({"final_reading": "nan"}, "invalid_reading"),
        ({"final_reading": str(start - 1)}, "final_reading_refused"),
        ({"final_reading": str(final + 100000)}, "final_reading_refused"),
        ({"replacement_id": "bad id!"}, "invalid_order_id"),
        ({"device_id": "not-a-device"}, "unknown_meter"),
    ]
    for change, translation_key in bad:
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "replace_meter", {**base, **change})
        assert err.value.translation_key == translation_key, change
    assert await snapshot(entry) == before
    assert _issue(hass, key) is not None
    first = await call(hass, "replace_meter", base)
    assert first["replayed"] is False
    assert first["generation"] == 2
    assert Decimal(first["final_charge"]) > 0
    for _ in range(5):
        again = await call(hass, "replace_meter", base)
        assert again["replayed"] is True
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "replace_meter", {**base, "new_start_reading": "0.6"})
    assert err.value.translation_key == "request_conflict"
    assert _issue(hass, key) is None
    sim = entry.runtime_data.building.building
    sim.clock.advance(3600)
    await poll(hass, entry)
    expected = (counter_to_milli(final) - counter_to_milli(start)) + (
        counter_to_milli(sim.device(0, 1).total) - counter_to_milli(Decimal("0.5"))
    )
    assert await _billed_milli(entry, key) == expected
