"""Per account usage and cost (today, this month), days left, statistics, meter-side balances.

Everything runs against the simulated building over loopback Modbus; time moves with the
simulator's clock (readings carry its time), never with freezer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from sqlalchemy import text

from custom_components.prepaid_utility.const import (
    CONF_BILLING_MODE,
    CONF_METERS,
    DOMAIN,
    SUBENTRY_ACCOUNT,
)
from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.meters.profiles.acrel import RELAY_ADDRESS
from custom_components.prepaid_utility.meters.simulator.devices import AcrelSim
from custom_components.prepaid_utility.usage.tracker import DAY_US, MIN_HISTORY_US, days_left

from .conftest import poll
from .test_accounts import _account, _meter, _open, _recharge

pytestmark = pytest.mark.usefixtures("sockets", "entity_registry_enabled_by_default")

PRICE = {"electricity": Decimal("0.6"), "water": Decimal("4.5")}  # the gateway's defaults


@pytest.fixture
def building(mixed_building: Any) -> Any:
    """The simulated building (one meter of every kind); Li Wei holds units 1 and 6."""
    return mixed_building


def _entity(hass: HomeAssistant, entry: Any, code: str, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.entry_id}_{code}_{key}"
    )
    assert entity_id, key
    return entity_id


def _value(hass: HomeAssistant, entry: Any, code: str, key: str) -> Decimal:
    return Decimal(hass.states.get(_entity(hass, entry, code, key)).state)


def _sensors(hass: HomeAssistant, entry: Any, code: str) -> dict[str, Decimal]:
    keys = ("electricity_today", "electricity_month", "water_today", "water_month")
    return {k: _value(hass, entry, code, k) for k in (*keys, "cost_today", "cost_month")}


def _local(entry: Any, hass: HomeAssistant) -> datetime:
    return entry.runtime_data.building.building.clock.now().astimezone(
        ZoneInfo(str(hass.config.time_zone))
    )


async def _advance_to(hass: HomeAssistant, entry: Any, target: datetime) -> None:
    sim = entry.runtime_data.building.building
    seconds = (target - sim.clock.now()).total_seconds()
    assert seconds > 0
    sim.clock.advance(seconds)
    await poll(hass, entry)


async def _ledger_usage(entry: Any, code: str, first_day: int, last_day: int) -> dict[str, Any]:
    """Sum the account's buckets by their ``day`` column, in plain SQL (not the code under test)."""
    query = text(
        "SELECT m.kind, SUM(b.quantity_milli), SUM(b.exact_nano) FROM usage_bucket b "
        "JOIN account a ON a.id = b.account_id JOIN meter m ON m.id = b.meter_id "
        "WHERE a.code = :code AND b.day BETWEEN :lo AND :hi GROUP BY m.kind"
    )

    def work(store: LedgerStore) -> dict[str, Any]:
        with store.reading() as conn:
            rows = conn.execute(query, {"code": code, "lo": first_day, "hi": last_day}).all()
        out: dict[str, Any] = {"electricity": Decimal(0), "water": Decimal(0), "cost": Decimal(0)}
        for kind, quantity, nano in rows:
            out[kind] = Decimal(quantity).scaleb(-3)
            out["cost"] += Decimal(nano).scaleb(-9)
        return out

    return await entry.runtime_data.ledger.run(work)


def _day(moment: datetime) -> int:
    return moment.year * 10_000 + moment.month * 100 + moment.day


async def _check_against_ledger(hass: HomeAssistant, entry: Any, code: str) -> dict[str, Decimal]:
    now = _local(entry, hass)
    values = _sensors(hass, entry, code)
    today = await _ledger_usage(entry, code, _day(now), _day(now))
    month = await _ledger_usage(entry, code, _day(now.replace(day=1)), _day(now))
    assert values["electricity_today"] == today["electricity"]
    assert values["water_today"] == today["water"]
    assert values["cost_today"] == today["cost"]
    assert values["electricity_month"] == month["electricity"]
    assert values["water_month"] == month["water"]
    assert values["cost_month"] == month["cost"]
    return values


async def test_usage_and_cost_equal_the_ledger(hass: HomeAssistant, building: Any) -> None:
    entry = building
    code, device_id = await _account(hass, entry)
    await _recharge(hass, device_id, amount="50000.00", order_id="U-1")
    # Start at a known hour of the next local day, so the next hours stay in one day.
    now = _local(entry, hass)
    await _advance_to(hass, entry, (now + timedelta(days=1)).replace(hour=8, minute=0))
    sim = entry.runtime_data.building.building
    # Within an hour a cycle reads the ledger once: the open hour of every account.
    tracker = entry.runtime_data.coordinator.usage
    reads = tracker.queries
    sim.clock.advance(600)
    await poll(hass, entry)
    print(f"ledger_reads_per_cycle={tracker.queries - reads}")
    assert tracker.queries - reads == 1
    before = await _check_against_ledger(hass, entry, code)
    counters = {u: sim.device(0, u).total for u in (1, 6)}
    paid = await entry.runtime_data.ledger.balance(code)
    sim.clock.advance(3 * 3600)
    await poll(hass, entry)
    after = await _check_against_ledger(hass, entry, code)
    used = {
        "electricity": sim.device(0, 1).total - counters[1],
        "water": sim.device(0, 6).total - counters[6],
    }
    assert used["electricity"] > 0
    assert used["water"] > 0
    cost = sum(used[k] * PRICE[k] for k in used)
    print(
        f"kwh={used['electricity']} m3={used['water']} cost={cost} "
        f"sensor_cost_delta={after['cost_today'] - before['cost_today']}"
    )
    # N kWh at P: the sensors move by exactly N and N x P.
    assert after["electricity_today"] - before["electricity_today"] == used["electricity"]
    assert after["water_today"] - before["water_today"] == used["water"]
    assert after["cost_today"] - before["cost_today"] == cost
    assert after["cost_month"] - before["cost_month"] == cost
    # The balance is debited in whole cents, the remainder carried: less than a cent per meter.
    debited = Decimal(paid - await entry.runtime_data.ledger.balance(code)) / 100
    assert abs(debited - cost) < 2 * Decimal("0.01")
    state = hass.states.get(_entity(hass, entry, code, "cost_today"))
    assert state.attributes["unit_of_measurement"] == hass.config.currency
    assert state.attributes["state_class"] == "total"
    assert state.attributes["device_class"] == "monetary"
    energy = hass.states.get(_entity(hass, entry, code, "electricity_today"))
    assert energy.attributes["unit_of_measurement"] == "kWh"
    assert energy.attributes["device_class"] == "energy"


async def test_usage_resets_at_midnight_and_month_start(hass: HomeAssistant, building: Any) -> None:
    entry = building
    code, device_id = await _account(hass, entry)
    await _recharge(hass, device_id, amount="50000.00", order_id="U-2")
    now = _local(entry, hass)
    first_of_next = (now.replace(day=1) + timedelta(days=32)).replace(day=1, hour=0, minute=0)
    zone = ZoneInfo(str(hass.config.time_zone))
    first_of_next = datetime(first_of_next.year, first_of_next.month, 1, tzinfo=zone)

    # Month boundary: the evening before, then half an hour into the new month.
    await _advance_to(hass, entry, first_of_next - timedelta(hours=1))
    evening = await _check_against_ledger(hass, entry, code)
    assert evening["electricity_month"] > evening["electricity_today"] > 0
    await _advance_to(hass, entry, first_of_next + timedelta(minutes=30))
    new_month = await _check_against_ledger(hass, entry, code)
    assert new_month["electricity_today"] == new_month["electricity_month"]
    assert new_month["cost_today"] == new_month["cost_month"]
    assert new_month["electricity_month"] < evening["electricity_today"]
    state = hass.states.get(_entity(hass, entry, code, "electricity_month"))
    assert datetime.fromisoformat(state.attributes["last_reset"]) == first_of_next
    print(
        f"month_before={evening['electricity_month']} month_after={new_month['electricity_month']}"
    )

    # Midnight inside a month: today starts again, the month goes on.
    second = datetime(first_of_next.year, first_of_next.month, 2, tzinfo=zone)
    await _advance_to(hass, entry, second - timedelta(hours=1))
    late = await _check_against_ledger(hass, entry, code)
    await _advance_to(hass, entry, second + timedelta(minutes=30))
    early = await _check_against_ledger(hass, entry, code)
    assert early["electricity_today"] < late["electricity_today"]
    assert early["electricity_month"] > late["electricity_month"]
    assert early["electricity_month"] > early["electricity_today"] > 0
    state = hass.states.get(_entity(hass, entry, code, "cost_today"))
    assert datetime.fromisoformat(state.attributes["last_reset"]) == second
    print(f"today_before={late['electricity_today']} today_after={early['electricity_today']}")


def test_days_left_math() -> None:
    cent = 10**7  # nano-units in a cent
    assert days_left(10_000, 2_500 * cent, 2) == Decimal("4.0")  # 100.00 at 25.00 a day
    assert days_left(10_000, 3_000 * cent, 2) == Decimal("3.3")  # rounded down, never up
    assert days_left(0, 2_500 * cent, 2) == 0  # used up
    assert days_left(-500, 2_500 * cent, 2) == 0  # owes money
    assert days_left(10_000, None, 2) is None  # no usage to go by
    assert days_left(10_000, 0, 2) is None  # never divide by zero
    assert days_left(0, None, 2) == 0
    assert days_left(1_000, 1, 0) == Decimal(10**12)  # tiny cost, no overflow, exact


async def test_days_left_follows_recent_cost(hass: HomeAssistant, building: Any) -> None:
    entry = building
    code, device_id = await _account(hass, entry)
    days = _entity(hass, entry, code, "days_left")
    assert hass.states.get(days).state == "0"  # a new account has no money
    await _recharge(hass, device_id, amount="500.00", order_id="U-3")
    sim = entry.runtime_data.building.building
    sim.clock.advance(36 * 3600)
    await poll(hass, entry)
    balance = await entry.runtime_data.ledger.balance(code)
    figures = entry.runtime_data.coordinator.data.usage[code]
    # The first usage was about 36 h ago, inside the week: cost per day over those hours.
    cost_nano = figures.today_nano + (await _ledger_cost_before_today(hass, entry, code))
    first = await _first_hour(entry, code)
    # "Now" is the time of the cycle's latest reading (the simulator's clock runs on meanwhile).
    reference = entry.runtime_data.coordinator.usage.reference
    now_us = int(reference.timestamp() * 1_000_000)
    assert now_us - first >= MIN_HISTORY_US
    expected_daily = cost_nano * DAY_US // (now_us - first)
    assert figures.daily_nano == expected_daily
    expected = days_left(balance, expected_daily, 2)
    assert expected is not None
    assert expected > 0
    assert Decimal(hass.states.get(days).state) == expected
    print(f"balance_minor={balance} daily_nano={expected_daily} days_left={expected}")


async def test_days_left_waits_for_half_a_day_of_usage(hass: HomeAssistant, building: Any) -> None:
    """A new tenant's first hours are too little to go by: unknown, then an estimate."""
    entry = building
    code, device_id = await _account(hass, entry)
    days = _entity(hass, entry, code, "days_left")
    await _recharge(hass, device_id, amount="500.00", order_id="U-4")
    sim = entry.runtime_data.building.building
    shown = []
    for hours in (2, 2, 10):  # 2 h, 4 h, 14 h after the first reading
        sim.clock.advance(hours * 3600)
        await poll(hass, entry)
        shown.append(hass.states.get(days).state)
    figures = entry.runtime_data.coordinator.data.usage[code]
    print(f"days_left_after_2h={shown[0]} after_4h={shown[1]} after_14h={shown[2]}")
    assert figures.month_nano > 0, "the tenant used something from the first hours"
    assert shown[:2] == ["unknown", "unknown"]
    assert figures.daily_nano is not None
    assert Decimal(shown[2]) > 0


async def _ledger_cost_before_today(hass: HomeAssistant, entry: Any, code: str) -> int:
    now = _local(entry, hass)
    week = await _ledger_usage(entry, code, _day(now - timedelta(days=7)), _day(now) - 1)
    return int(week["cost"].scaleb(9))


async def _first_hour(entry: Any, code: str) -> int:
    query = text(
        "SELECT MIN(b.hour_us) FROM usage_bucket b JOIN account a ON a.id = b.account_id "
        "WHERE a.code = :code"
    )

    def work(store: LedgerStore) -> int:
        with store.reading() as conn:
            return int(conn.execute(query, {"code": code}).scalar_one())

    return await entry.runtime_data.ledger.run(work)


async def test_meter_side_balance_disagreement_is_a_repair(
    hass: HomeAssistant, building: Any
) -> None:
    entry = building
    meter = _meter(entry, 1)
    result = await _open(hass, entry, **{CONF_METERS: [meter]})
    await hass.async_block_till_done()
    code = next(
        s.subentry_id for s in entry.subentries.values() if s.subentry_type == SUBENTRY_ACCOUNT
    )
    assert result["type"] == "create_entry"
    issue_id = f"meter_balance_mismatch_{entry.entry_id}_{meter}"
    registry = ir.async_get(hass)
    # Billed platform-side, the meter's own figure (100.00 against a ledger at 0) means nothing.
    await poll(hass, entry)
    assert entry.runtime_data.building.building.device(0, 1).remaining_cents == 10_000
    assert await entry.runtime_data.ledger.balance(code) == 0
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    # The meter keeps its own balance (Acrel meter-side billing).
    sub = entry.subentries[meter]
    hass.config_entries.async_update_subentry(
        entry, sub, data={**sub.data, CONF_BILLING_MODE: "meter"}
    )
    await hass.async_block_till_done()  # the gateway reloads with the changed meter
    device = entry.runtime_data.building.building.device(0, 1)
    device.meter_side = True
    device.remaining_cents = 10_000.0
    device_entry = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_{code}"), entry.entry_id
    )
    assert device_entry is not None
    await _recharge(hass, device_entry.id, amount="100.00", order_id="MS-1")
    await poll(hass, entry)
    assert registry.async_get_issue(DOMAIN, issue_id) is None  # both say 100.00

    # Someone topped up at the meter only: 50.00 more there than in the ledger.
    device.remaining_cents += 5_000
    await poll(hass, entry)
    issue = registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    placeholders = issue.translation_placeholders
    ledger_balance = await entry.runtime_data.ledger.balance(code)
    assert Decimal(placeholders["ledger_balance"]) == Decimal(ledger_balance) / 100
    assert Decimal(placeholders["meter_balance"]) - Decimal(placeholders["ledger_balance"]) > 49
    assert placeholders["purchase_count"] != "?"
    # Nothing was corrected: the ledger still holds what was paid minus usage.
    assert ledger_balance <= 10_000
    print(f"issue=1 ledger={placeholders['ledger_balance']} meter={placeholders['meter_balance']}")

    # 20.00 more on both sides: the difference stays, the open issue shows the new figures.
    device.remaining_cents += 2_000
    await _recharge(hass, device_entry.id, amount="20.00", order_id="MS-2")
    await poll(hass, entry)
    issue = registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    updated = issue.translation_placeholders
    ledger_balance = await entry.runtime_data.ledger.balance(code)
    print(f"issue_updated meter={updated['meter_balance']} ledger={updated['ledger_balance']}")
    assert Decimal(updated["meter_balance"]) - Decimal(placeholders["meter_balance"]) > 19
    assert Decimal(updated["ledger_balance"]) == Decimal(ledger_balance) / 100
    assert Decimal(updated["ledger_balance"]) - Decimal(placeholders["ledger_balance"]) > 19
    device.remaining_cents -= 5_000  # both agree again (within a step)

    # Within one tariff step (0.60) of each other again; while the meter is silent its last
    # figure is not judged, once it answers the issue goes away by itself.
    device.faults.no_reply = True
    await poll(hass, entry)
    assert registry.async_get_issue(DOMAIN, issue_id) is not None
    device.faults.no_reply = False
    entry.runtime_data.hub.reset_backoff()
    await poll(hass, entry)
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    print("issue_cleared=1")


async def test_late_reading_across_midnight_lands_in_yesterday(
    hass: HomeAssistant, building: Any
) -> None:
    """A meter silent from 22:00 to 02:00 fills both days when it answers: the month is right."""
    entry = building
    code, device_id = await _account(hass, entry)
    await _recharge(hass, device_id, amount="50000.00", order_id="U-5")
    zone = ZoneInfo(str(hass.config.time_zone))
    now = _local(entry, hass) + timedelta(days=1)
    if (now + timedelta(days=1)).day == 1:
        now += timedelta(days=1)  # the night must not cross into a new month
    evening = datetime(now.year, now.month, now.day, 22, tzinfo=zone)
    await _advance_to(hass, entry, evening)
    sim = entry.runtime_data.building.building
    sim.device(0, 6).faults.no_reply = True
    await _advance_to(hass, entry, evening + timedelta(hours=2, minutes=30))
    await _advance_to(hass, entry, evening + timedelta(hours=4))
    quiet = await _check_against_ledger(hass, entry, code)
    sim.device(0, 6).faults.no_reply = False
    entry.runtime_data.hub.reset_backoff()
    await poll(hass, entry)
    back = await _check_against_ledger(hass, entry, code)
    # The water of 22:00-02:00 went partly into yesterday: the month grew by more than today.
    assert back["water_month"] - quiet["water_month"] > back["water_today"] - quiet["water_today"]
    print(f"water_month_before={quiet['water_month']} water_month_after={back['water_month']}")


async def test_meter_side_account_with_credit_on_the_meter_is_never_cut(
    hass: HomeAssistant, building: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The meter holds 50.00 of its own, the ledger 0: opening and polling switch nothing."""
    entry = building
    meter = _meter(entry, 1)
    relay_writes: list[list[int]] = []
    original = AcrelSim.write

    def write(self: AcrelSim, function: int, address: int, values: list[int]) -> int | None:
        if function == 16 and address == RELAY_ADDRESS:
            relay_writes.append(list(values))
        return original(self, function, address, values)

    monkeypatch.setattr(AcrelSim, "write", write)
    sub = entry.subentries[meter]
    hass.config_entries.async_update_subentry(
        entry, sub, data={**sub.data, CONF_BILLING_MODE: "meter"}
    )
    await hass.async_block_till_done()
    device = entry.runtime_data.building.building.device(0, 1)
    device.meter_side = True
    device.remaining_cents = 5_000.0
    result = await _open(hass, entry, **{CONF_METERS: [meter]})
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()  # the gateway reloads with the new account
    code = next(
        s.subentry_id for s in entry.subentries.values() if s.subentry_type == SUBENTRY_ACCOUNT
    )
    device = entry.runtime_data.building.building.device(0, 1)
    for _ in range(3):
        entry.runtime_data.building.building.clock.advance(300)
        await poll(hass, entry)
    balance = await entry.runtime_data.ledger.balance(code)
    print(
        f"ledger_balance_minor={balance} meter_cents={device.remaining_cents:.0f} "
        f"relay_writes={len(relay_writes)} supply_on={device.supply_on} forced={device.forced}"
    )
    assert balance <= 0  # the ledger alone would have cut this account
    assert device.remaining_cents > 0
    assert relay_writes == []
    assert device.supply_on
    assert not device.forced
    # At zero on the meter, the meter cuts itself; the platform still sends nothing.
    device.remaining_cents = 0.5
    entry.runtime_data.building.building.clock.advance(600)
    await poll(hass, entry)
    print(f"meter_at_zero supply_on={device.supply_on} relay_writes={len(relay_writes)}")
    assert not device.supply_on
    assert relay_writes == []
