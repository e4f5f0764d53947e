"""A time-of-use account billed by an Acrel meter's own registers, through the real stack.

The simulated Acrel meter counts like a real one: the total and every period register hold
their own exact energy and round down to 0.01 kWh on their own, so the total's increase and
the sum of the periods' increases differ on many polls; its clock runs 40 s ahead of Home
Assistant's. Over a day of 10-minute polls the money billed per period must equal that
period's register increase times its price, to the nano-unit, and the balance must move by
the exact sum floored (with the sub-cent carry).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from sqlalchemy import func, select

from custom_components.prepaid_utility.billing.quantity import counter_to_milli
from custom_components.prepaid_utility.const import DOMAIN
from custom_components.prepaid_utility.ledger.schema import usage_bucket
from custom_components.prepaid_utility.meters.simulator.devices import KWH_STEP

from .conftest import add_simulated_building, poll
from .test_tariffs_ha import TOU_HOURS, _add_tariff, _balance, _meter, _open_account

pytestmark = pytest.mark.usefixtures("sockets")

PRICES = {"sharp": 1_500_000, "peak": 1_000_000, "flat": 600_000, "valley": 300_000}
PERIODS = ("sharp", "peak", "flat", "valley")
NANO_PER_CENT = 10**7


@pytest.fixture
async def building(hass: HomeAssistant, sockets: None) -> AsyncGenerator[Any]:
    """The mixed simulated building, in UTC so that simulated hours are tariff hours."""
    await hass.config.async_set_time_zone("UTC")
    entry = await add_simulated_building(hass, "mixed")
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


async def _by_period(entry: Any, meter_id: str) -> dict[str, tuple[int, int]]:
    def work(store: Any) -> dict[str, tuple[int, int]]:
        query = (
            select(
                usage_bucket.c.period,
                func.sum(usage_bucket.c.quantity_milli),
                func.sum(usage_bucket.c.exact_nano),
            )
            .where(usage_bucket.c.meter_id == meter_id)
            .group_by(usage_bucket.c.period)
        )
        with store.reading() as conn:
            return {str(p): (int(q), int(e)) for p, q, e in conn.execute(query)}

    return dict(await entry.runtime_data.ledger.run(work))


async def test_tou_account_billed_by_the_meters_own_rounding_registers(
    hass: HomeAssistant, building: Any
) -> None:
    entry = building
    await _add_tariff(hass, entry, "Residential TOU", "tou", TOU_HOURS)
    acrel = _meter(entry, 1)
    code, device_id = await _open_account(
        hass, entry, "Wang Fang", [acrel], tariff_electricity="Residential TOU"
    )
    sim = entry.runtime_data.building.building  # after the reloads of the forms above
    device = sim.device(0, 1)
    device.clock_offset = timedelta(seconds=40)
    await hass.services.async_call(
        DOMAIN,
        "recharge",
        {"device_id": device_id, "amount": "5000", "order_id": "TOU-REG-1"},
        blocking=True,
    )
    device.mean = 1_500.0  # a busy flat: every period moves within the day
    await poll(hass, entry)
    start_registers = [counter_to_milli(v) for v in device.tou_registers]
    start_billed = await _by_period(entry, acrel)
    start_balance = await _balance(entry, code)
    polls = mismatched = 0
    last = start_registers, counter_to_milli(device.total)
    for _ in range(6 * 24):
        sim.clock.advance(600)
        await poll(hass, entry)
        polls += 1
        registers, total = (
            [counter_to_milli(v) for v in device.tou_registers],
            counter_to_milli(device.total),
        )
        mismatched += total - last[1] != sum(registers) - sum(last[0])
        last = registers, total
    end_billed = await _by_period(entry, acrel)
    truth = {p: last[0][i] - start_registers[i] for i, p in enumerate(PERIODS)}
    billed = {p: end_billed.get(p, (0, 0))[0] - start_billed.get(p, (0, 0))[0] for p in PERIODS}
    exact = {p: end_billed.get(p, (0, 0))[1] - start_billed.get(p, (0, 0))[1] for p in PERIODS}
    errors = {
        p: abs(exact[p] // NANO_PER_CENT - truth[p] * PRICES[p] // NANO_PER_CENT) for p in PERIODS
    }
    charged = start_balance - await _balance(entry, code)
    truth_nano = sum(truth[p] * PRICES[p] for p in PERIODS)
    state = await entry.runtime_data.ledger.run(lambda store: store.meter_state(acrel))
    print(
        f"polls={polls} mismatched_sums={mismatched} "
        + " ".join(f"{p}_milli={truth[p]}" for p in PERIODS)
        + f" held_milli={state.period_held_milli} charged_minor={charged} "
        + " ".join(f"tou_money_error_minor_{p}={errors[p]}" for p in PERIODS)
        + f" tou_money_error_minor={sum(errors.values())}"
    )
    assert all(truth[p] > 0 for p in PERIODS), truth
    assert mismatched > 0, "the registers' own rounding must show, or this proves nothing"
    assert billed == truth
    assert exact == {p: truth[p] * PRICES[p] for p in PERIODS}
    # The balance moved by the exact truth floored; the carry of earlier cents adds at most one.
    assert truth_nano // NANO_PER_CENT <= charged <= truth_nano // NANO_PER_CENT + 1
    report = await entry.runtime_data.ledger.run(lambda store: store.check())
    assert report.ok, report


async def _tou_account(hass: HomeAssistant, entry: Any) -> tuple[str, Any, Any]:
    await _add_tariff(hass, entry, "Residential TOU", "tou", TOU_HOURS)
    acrel = _meter(entry, 1)
    _, device_id = await _open_account(
        hass, entry, "Wang Fang", [acrel], tariff_electricity="Residential TOU"
    )
    await hass.services.async_call(
        DOMAIN,
        "recharge",
        {"device_id": device_id, "amount": "5000", "order_id": "TOU-REPAIR-1"},
        blocking=True,
    )
    sim = entry.runtime_data.building.building  # after the reloads of the forms above
    device = sim.device(0, 1)
    device.mean = 1_500.0
    return acrel, sim, device


def _issue(hass: HomeAssistant, issue_id: str) -> Any:
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id)


async def test_backwards_period_register_raises_a_repair_that_clears_on_recovery(
    hass: HomeAssistant, building: Any
) -> None:
    entry = building
    acrel, sim, device = await _tou_account(hass, entry)
    name = entry.subentries[acrel].title
    await poll(hass, entry)
    sim.clock.advance(600)
    await poll(hass, entry)
    assert _issue(hass, f"tou_fallback_{acrel}") is None
    using = device.tariff_at(device.meter_time(sim.clock.now())) - 1  # 1 sharp .. 4 valley
    period = next(i for i in range(4) if i != using)  # a register the next poll will not move
    device.tou_q[period] -= 5 * KWH_STEP  # a rewritten register: 0.05 kWh less than before
    sim.clock.advance(600)
    await poll(hass, entry)
    issue = _issue(hass, f"tou_fallback_{acrel}")
    print(f"raised={issue is not None} key={issue and issue.translation_key}")
    assert issue is not None
    assert issue.translation_key == "tou_fallback_backwards"
    assert issue.translation_placeholders["meter"] == name
    assert acrel not in str(issue.translation_placeholders)  # named, not by its internal id
    sim.clock.advance(600)
    await poll(hass, entry)
    cleared = _issue(hass, f"tou_fallback_{acrel}") is None
    print(f"cleared={cleared}")
    assert cleared
    # Again, with a restart of the gateway between the fallback and the recovery.
    using = device.tariff_at(device.meter_time(sim.clock.now())) - 1
    device.tou_q[next(i for i in range(4) if i != using)] -= 5 * KWH_STEP
    sim.clock.advance(600)
    await poll(hass, entry)
    assert _issue(hass, f"tou_fallback_{acrel}") is not None
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    sim = entry.runtime_data.building.building
    sim.clock.advance(600)
    await poll(hass, entry)
    cleared_after_restart = _issue(hass, f"tou_fallback_{acrel}") is None
    print(f"cleared_after_restart={cleared_after_restart}")
    assert cleared_after_restart


async def test_meter_clock_hours_off_raises_a_table_mismatch_repair(
    hass: HomeAssistant, building: Any
) -> None:
    entry = building
    acrel, sim, device = await _tou_account(hass, entry)
    device.clock_offset = timedelta(hours=5)
    await poll(hass, entry)
    raised_after = None
    for step in range(6 * 24):
        sim.clock.advance(600)
        await poll(hass, entry)
        if _issue(hass, f"tou_mismatch_{acrel}") is not None:
            raised_after = step + 1
            break
    issue = _issue(hass, f"tou_mismatch_{acrel}")
    assert issue is not None, "five hours off must show within a day"
    placeholders = issue.translation_placeholders
    print(
        f"raised_after_polls={raised_after} meter_period={placeholders['meter_period']} "
        f"tariff_period={placeholders['tariff_period']}"
    )
    assert placeholders["meter"] == entry.subentries[acrel].title
    assert placeholders["meter_period"] != placeholders["tariff_period"]
    device.clock_offset = timedelta(0)  # the landlord set the meter's clock right
    cleared_after = None
    for step in range(6 * 24):
        sim.clock.advance(600)
        await poll(hass, entry)
        if _issue(hass, f"tou_mismatch_{acrel}") is None:
            cleared_after = step + 1
            break
    print(f"cleared_after_polls={cleared_after}")
    assert cleared_after is not None
