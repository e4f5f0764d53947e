"""Polls become ledger charges: exactly price x consumption, once, at the price then in force.

The simulated building is polled through the real stack; what the simulated meters counted is
the truth the ledger is checked against. No account holds the meters yet, so their consumption
is charged to the ledger's "vacant" account.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import issue_registry as ir
from sqlalchemy import event

from custom_components.prepaid_utility.billing.quantity import counter_to_milli
from custom_components.prepaid_utility.const import (
    CONF_ELECTRICITY_PRICE,
    CONF_POLL_INTERVAL,
    CONF_WATER_PRICE,
)
from custom_components.prepaid_utility.events import EVENT_METER_QUARANTINED

from .conftest import poll

# The simulator serves real Modbus on 127.0.0.1.
pytestmark = pytest.mark.usefixtures("sockets")

NANO_PER_CENT = 10**7


@pytest.fixture
def building(mixed_building: Any) -> Any:
    """The simulated building these tests bill (one meter of every kind)."""
    return mixed_building


def _totals(entry: Any) -> dict[int, Decimal]:
    """Each meter's counter as the last poll read it over Modbus, by unit.

    Not the simulator's counter now: the simulated clock runs on between a poll and this
    snapshot (and across the reload), so its counter can be a step past what was billed.
    """
    meters = entry.runtime_data.coordinator.data.meters
    totals = {}
    for sub in entry.subentries.values():
        if (status := meters.get(sub.subentry_id)) is not None and status.reading is not None:
            totals[int(sub.unique_id)] = status.reading.total
    assert len(totals) == len(entry.runtime_data.building.building.buses[0].devices)
    return totals


async def _vacant(entry: Any) -> int:
    return int(await entry.runtime_data.ledger.balance("vacant"))


def _exact_nano(
    before: dict[int, Decimal], after: dict[int, Decimal], price: dict[str, int]
) -> dict[int, int]:
    """Per meter, the exact charge of its consumption in nano-units of currency."""
    water_units = {6}
    exact = {}
    for unit, start in before.items():
        delta = counter_to_milli(after[unit]) - counter_to_milli(start)
        exact[unit] = delta * price["water" if unit in water_units else "electricity"]
    return exact


def _expected(*spans: dict[int, int]) -> int:
    """Charges in cents: per meter, floor of its exact charges over every span.

    A meter carries the sub-cent rest of one reading to the next (the rounding rule), across
    a price change too, so a meter's spans are summed before rounding, not rounded one by one.
    """
    return sum(sum(span[unit] for span in spans) // NANO_PER_CENT for unit in spans[0])


async def test_consumption_is_charged_exactly_once(hass: HomeAssistant, building: Any) -> None:
    entry = building
    sim = entry.runtime_data.building.building
    # Simulated time moves only by hand from here: the 20 polls below take seconds of real time,
    # and a meter must not count on between them (R1 is about replays, not about new use).
    sim.clock.freeze()
    start = _totals(entry)  # the set-up poll made these the meters' start readings
    assert await _vacant(entry) == 0
    sim.clock.advance(6 * 3600)
    await poll(hass, entry)
    after = _totals(entry)
    expected = _expected(_exact_nano(start, after, {"electricity": 600_000, "water": 4_500_000}))
    assert expected > 0
    assert await _vacant(entry) == -expected
    # Polling again with no new consumption, many times, charges nothing more (R1).
    for _ in range(20):
        await poll(hass, entry)
    replayed = await _vacant(entry)
    print(f"billed_minor={expected} replayed_polls=20 extra_charges={-replayed - expected}")
    assert replayed == -expected
    report = await entry.runtime_data.ledger.run(lambda store: store.check())
    assert report.ok, report


async def test_a_price_change_applies_from_now_on(hass: HomeAssistant, building: Any) -> None:
    entry = building
    sim = entry.runtime_data.building.building
    start = _totals(entry)
    sim.clock.advance(3 * 3600)
    await poll(hass, entry)
    middle = _totals(entry)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_ELECTRICITY_PRICE: "1.20",
            CONF_WATER_PRICE: "4.50",
            CONF_POLL_INTERVAL: 30,
        },
    )
    await hass.async_block_till_done()  # the entry reloads with the new tariff version
    sim = entry.runtime_data.building.building
    # The reload's first poll bills what was used since `middle` at the new price.
    sim.clock.advance(3 * 3600)
    await poll(hass, entry)
    end = _totals(entry)
    old = _exact_nano(start, middle, {"electricity": 600_000, "water": 4_500_000})
    new = _exact_nano(middle, end, {"electricity": 1_200_000, "water": 4_500_000})
    # The few seconds of use between `middle` and the reload's first poll are billed at the new
    # price (never the old price for later use, never retro). Each meter's sub-cent rest of the
    # old price is carried into the new one: rounding the two spans on their own would be up to
    # a cent a meter short, and how short depends on the time of day the test starts.
    charged = -await _vacant(entry)
    print(f"charged_minor={charged} expected_minor={_expected(old, new)}")
    assert charged == _expected(old, new)


async def test_counter_reset_is_quarantined_not_billed(hass: HomeAssistant, building: Any) -> None:
    entry = building
    sim = entry.runtime_data.building.building
    events: list[Event] = []
    hass.bus.async_listen(EVENT_METER_QUARANTINED, events.append)
    sim.clock.advance(3600)
    await poll(hass, entry)
    charged = await _vacant(entry)
    sim.device(0, 1).reset_counter()  # the Acrel meter's counter falls to 0
    sim.clock.advance(3600)
    for _ in range(3):
        await poll(hass, entry)
    await hass.async_block_till_done()
    issues = [
        i for i in ir.async_get(hass).issues.values() if i.translation_key == "meter_quarantined"
    ]
    assert len(issues) == 1
    assert len(events) == 1
    assert events[0].data["reason"] == "quarantined_decrease"
    # The other meters go on being billed; the reset meter adds nothing (R4).
    after = await _vacant(entry)
    assert after < charged
    sub = next(s for s in entry.subentries.values() if s.unique_id == "1")
    buckets = await entry.runtime_data.ledger.run(lambda store: store.check())
    assert buckets.ok
    print(f"resets=1 quarantine_events={len(events)} repair_issues={len(issues)} meter={sub.title}")


async def test_a_steady_poll_reads_no_meter_rows(hass: HomeAssistant, building: Any) -> None:
    """In Home Assistant's own polling (lease claimed, readings billed, balances read), a poll
    after a poll trusts the cursor memo on SQLite instead of reading every meter row again."""
    entry = building
    sim = entry.runtime_data.building.building
    store = entry.runtime_data.ledger.store
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    await poll(hass, entry)
    reads = []
    event.listen(store.engine, "before_cursor_execute", record)
    try:
        for _ in range(3):
            statements.clear()
            sim.clock.advance(600)
            await poll(hass, entry)
            reads.append(
                sum(s.startswith("SELECT meter.id, meter.tariff_code") for s in statements)
            )
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    billed = entry.runtime_data.coordinator.data.cycle
    print(f"meter_row_reads_per_poll={reads} charged_meters={len(billed.charged_minor)}")
    assert reads == [0, 0, 0]
    assert billed.charged_minor
