"""Tenant accounts: opened as subentries, charged for their meters, recharged exactly once.

Rows L1 (replayed recharges), L2 (same order id, other amount), H2 (non-admin), H10 (bad
input) and H12 (automation needs an order id) of the reliability matrix, through the real
service call path.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import probatio as vol
import pytest
from homeassistant import config_entries
from homeassistant.auth.models import User
from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from custom_components.prepaid_utility.billing.quantity import counter_to_milli
from custom_components.prepaid_utility.const import (
    CONF_LOW_1,
    CONF_LOW_2,
    CONF_LOW_3,
    CONF_METERS,
    CONF_ROOM,
    CONF_TENANT,
    DOMAIN,
    SUBENTRY_ACCOUNT,
)
from custom_components.prepaid_utility.events import EVENT_RECHARGED

from .conftest import poll

# The simulator serves real Modbus on 127.0.0.1.
pytestmark = pytest.mark.usefixtures("sockets")

NANO_PER_CENT = 10**7


@pytest.fixture
def building(mixed_building: Any) -> Any:
    """The simulated building these tests bill (one meter of every kind)."""
    return mixed_building


def _meter(entry: Any, unit: int) -> str:
    return next(s.subentry_id for s in entry.subentries.values() if s.unique_id == str(unit))


async def _open(hass: HomeAssistant, entry: Any, **values: Any) -> Any:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_ACCOUNT), context={"source": config_entries.SOURCE_USER}
    )
    assert result["step_id"] == "user"
    base = {
        CONF_TENANT: "Li Wei",
        CONF_ROOM: "Room 101",
        CONF_METERS: [_meter(entry, 1), _meter(entry, 6)],
        CONF_LOW_1: "50",
        CONF_LOW_2: "20",
        CONF_LOW_3: "5",
    }
    return await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**base, **values}
    )


async def _account(hass: HomeAssistant, building: Any) -> tuple[str, str]:
    """Open Li Wei's account; return (account code, device id)."""
    result = await _open(hass, building)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the gateway reloads with the new account
    code = next(
        s.subentry_id for s in building.subentries.values() if s.subentry_type == SUBENTRY_ACCOUNT
    )
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{building.entry_id}_{code}"), building.entry_id
    )
    assert device is not None
    assert device.name == "Li Wei"
    return code, device.id


def _balance_entity(hass: HomeAssistant, entry: Any, code: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.entry_id}_{code}_balance"
    )
    assert entity_id
    return entity_id


async def _recharge(hass: HomeAssistant, device_id: str, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "recharge",
        {"device_id": device_id, **data},
        blocking=True,
        return_response=True,
    )


async def test_account_form_refuses_bad_input(hass: HomeAssistant, building: Any) -> None:
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({CONF_TENANT: "  "}, {CONF_TENANT: "invalid_name"}),
        ({CONF_METERS: []}, {CONF_METERS: "choose_meters"}),
        ({CONF_LOW_1: "abc"}, {CONF_LOW_1: "invalid_amount"}),
        ({CONF_LOW_2: "-5"}, {CONF_LOW_2: "invalid_amount"}),
        ({CONF_LOW_3: "0.001"}, {CONF_LOW_3: "invalid_amount"}),
        ({CONF_LOW_1: "10", CONF_LOW_2: "20"}, {CONF_LOW_1: "levels_out_of_order"}),
        ({"protected_start": "25:00", "protected_end": "07:00"}, {"base": "invalid_policy"}),
        ({"protected_start": "22:00"}, {"base": "invalid_policy"}),
    ]
    for values, errors in cases:
        result = await _open(hass, building, **values)
        assert result["type"] is FlowResultType.FORM, values
        assert result["errors"] == errors, values
    with pytest.raises(InvalidData):  # the form itself only offers this gateway's meters
        await _open(hass, building, **{CONF_METERS: ["not-a-meter"]})
    assert not [s for s in building.subentries.values() if s.subentry_type == SUBENTRY_ACCOUNT]
    await _account(hass, building)
    taken = await _open(hass, building, **{CONF_TENANT: "Zhang San"})
    assert taken["errors"] == {CONF_METERS: "meter_taken"}


async def test_account_is_charged_for_its_meters_only(hass: HomeAssistant, building: Any) -> None:
    code, device_id = await _account(hass, building)
    entry = building
    balance = _balance_entity(hass, entry, code)
    assert Decimal(hass.states.get(balance).state) == 0
    assert hass.states.get(balance).attributes["unit_of_measurement"] == hass.config.currency
    # A new account has no money: its supply is cut until the first top-up.
    sim = entry.runtime_data.building.building
    assert sim.device(0, 1).supply_on is False
    await _recharge(hass, device_id, amount="200.00", order_id="FIRST-1")
    assert sim.device(0, 1).supply_on is True  # restored by the top-up, no poll needed
    before = {u: sim.device(0, u).total for u in (1, 6)}
    vacant_before = await entry.runtime_data.ledger.balance("vacant")
    sim.clock.advance(5 * 3600)
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    after = {u: sim.device(0, u).total for u in (1, 6)}
    price = {1: 600_000, 6: 4_500_000}
    expected = sum(
        (counter_to_milli(after[u]) - counter_to_milli(before[u])) * price[u] // NANO_PER_CENT
        for u in (1, 6)
    )
    assert expected > 0
    state = hass.states.get(balance)
    assert Decimal(state.state) == Decimal(200) - Decimal(expected) / 100
    # The other meters of the building went on being charged to "vacant", not to Li Wei.
    assert await entry.runtime_data.ledger.balance("vacant") < vacant_before


async def test_recharge_credits_once_per_order_id(hass: HomeAssistant, building: Any) -> None:
    code, device_id = await _account(hass, building)
    events: list[Event] = []
    hass.bus.async_listen(EVENT_RECHARGED, events.append)
    first = await _recharge(hass, device_id, amount="100.00", order_id="WX-1", method="online")
    assert first["replayed"] is False
    assert first["amount"] == "100.00"
    balance = Decimal(first["balance"])
    replays = 0
    for _ in range(500):
        again = await _recharge(hass, device_id, amount="100.00", order_id="WX-1", method="online")
        replays += again["replayed"]
        assert again["entry_id"] == first["entry_id"]
    await hass.async_block_till_done()
    after = await building.runtime_data.ledger.balance(code)
    print(f"replays={replays} entries=1 double_credits={len(events) - 1}")
    assert replays == 500
    assert Decimal(after) / 100 == balance
    assert len(events) == 1
    assert events[0].data["amount"] == "100.00"
    assert events[0].data["order_id"] == "WX-1"
    state = hass.states.get(_balance_entity(hass, building, code))
    assert Decimal(state.state) == balance  # the sensor shows it at once, no poll needed

    # L2: the same order id with another amount is a conflict and changes nothing.
    with pytest.raises(ServiceValidationError) as err:
        await _recharge(hass, device_id, amount="99.00", order_id="WX-1", method="online")
    assert err.value.translation_key == "idempotency_conflict"
    assert await building.runtime_data.ledger.balance(code) == after
    print("conflicts=1 postings_added=0")


async def test_recharge_refuses_bad_input_and_changes_nothing(
    hass: HomeAssistant, building: Any
) -> None:
    code, device_id = await _account(hass, building)
    ledger = building.runtime_data.ledger
    before = await ledger.balance(code)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"amount": "-5", "order_id": "A1"}, "invalid_amount"),
        ({"amount": "0", "order_id": "A2"}, "invalid_amount"),
        ({"amount": "abc", "order_id": "A3"}, "invalid_amount"),
        ({"amount": "0.001", "order_id": "A4"}, "invalid_amount"),
        ({"amount": "1e9", "order_id": "A5"}, "invalid_amount"),
        ({"amount": "NaN", "order_id": "A6"}, "invalid_amount"),
        ({"amount": 0.1 + 0.2, "order_id": "A7"}, "invalid_amount"),
        ({"amount": "10", "order_id": " "}, "invalid_order_id"),
        ({"amount": "10", "order_id": "x" * 65}, "invalid_order_id"),
        ({"amount": "10", "order_id": "a b"}, "invalid_order_id"),
    ]
    for data, key in bad:
        with pytest.raises(ServiceValidationError) as err:
            await _recharge(hass, device_id, **data)
        assert err.value.translation_key == key, data
    with pytest.raises(ServiceValidationError) as err:
        await _recharge(hass, "no-such-device", amount="10", order_id="A8")
    assert err.value.translation_key == "unknown_account"
    assert await ledger.balance(code) == before
    report = await ledger.check()
    assert report.ok
    print(f"invalid_inputs={len(bad) + 1} postings=0")


async def test_recharge_is_admin_only(
    hass: HomeAssistant, building: Any, hass_read_only_user: User
) -> None:
    code, device_id = await _account(hass, building)
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            "recharge",
            {"device_id": device_id, "amount": "10", "order_id": "NA-1"},
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    assert await building.runtime_data.ledger.balance(code) == 0
    # An automation (no user) may call it, with its order id as the key; the entry says so.
    result = await _recharge(hass, device_id, amount="10", order_id="AUTO-1")
    assert result["replayed"] is False
    print("mutations=1 nonadmin_allowed=0")


def _entity_of(hass: HomeAssistant, entry: Any, code: str, platform: str, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{entry.entry_id}_{code}_{key}"
    )
    assert entity_id
    return entity_id


async def test_alarms_in_order_cut_at_zero_and_restore_on_top_up(
    hass: HomeAssistant, building: Any
) -> None:
    """The day of a prepaid tenant: warnings, a cut that stops the meter, a top-up that helps."""
    code, device_id = await _account(hass, building)
    entry = building
    coordinator = entry.runtime_data.coordinator
    sim = entry.runtime_data.building.building
    seen: list[tuple[str, str]] = []
    for event_type in (
        "prepaid_utility_low_balance",
        "prepaid_utility_cut_off",
        "prepaid_utility_restored",
    ):
        # A callback runs in the loop, in firing order (a plain lambda runs in the executor).
        hass.bus.async_listen(
            event_type, callback(lambda e: seen.append((e.event_type, e.data.get("level", ""))))
        )
    await _recharge(hass, device_id, amount="60.00", order_id="T-1")
    level = _entity_of(hass, entry, code, "sensor", "alarm_level")
    supply = _entity_of(hass, entry, code, "binary_sensor", "supply")
    assert hass.states.get(level).state == "normal"
    assert hass.states.get(supply).state == "on"
    # Heavy use: a big load on the Acrel meter drains the account an hour at a time.
    sim.device(0, 1).mean = 20_000.0
    for _ in range(40):
        sim.clock.advance(3600)
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        if sim.device(0, 1).supply_on is False:
            break
    levels = [lvl for kind, lvl in seen if kind == "prepaid_utility_low_balance"]
    assert levels == ["low_1", "low_2", "low_3", "arrears"]
    assert ("prepaid_utility_cut_off", "") in seen
    assert hass.states.get(level).state == "cut_off"
    assert hass.states.get(supply).state == "off"
    assert sim.device(0, 1).supply_on is False
    assert sim.device(0, 6).supply_on is False  # the water valve closed too
    # Cut: the meter stops counting.
    counter = sim.device(0, 1).total
    sim.clock.advance(3 * 3600)
    await coordinator.async_refresh()
    assert sim.device(0, 1).total == counter
    # A top-up restores supply at once.
    await _recharge(hass, device_id, amount="100.00", order_id="T-2")
    await hass.async_block_till_done()
    assert sim.device(0, 1).supply_on is True
    assert sim.device(0, 6).supply_on is True
    assert hass.states.get(supply).state == "on"
    assert seen[-1] == ("prepaid_utility_restored", "")
    balance = await entry.runtime_data.ledger.balance(code)
    assert balance > 0
    print(f"cutoffs=1 restores=1 wrong_cuts=0 alarm_order={','.join(levels)}")


async def test_protected_account_is_never_cut(hass: HomeAssistant, building: Any) -> None:
    result = await _open(hass, building, protected=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = building
    sim = entry.runtime_data.building.building
    code = next(
        s.subentry_id for s in entry.subentries.values() if s.subentry_type == SUBENTRY_ACCOUNT
    )
    for _ in range(3):
        sim.clock.advance(3600)
        await entry.runtime_data.coordinator.async_refresh()
        await hass.async_block_till_done()
    assert await entry.runtime_data.ledger.balance(code) < 0
    assert sim.device(0, 1).supply_on is True
    level = hass.states.get(_entity_of(hass, entry, code, "sensor", "alarm_level"))
    assert level.state == "arrears"
    assert level.attributes["hold"] == "protected_account"


async def test_refund_and_adjust(hass: HomeAssistant, building: Any) -> None:
    code, device_id = await _account(hass, building)
    ledger = building.runtime_data.ledger
    await _recharge(hass, device_id, amount="100.00", order_id="R-1")

    async def call(service: str, **data: Any) -> Any:
        return await hass.services.async_call(
            DOMAIN, service, {"device_id": device_id, **data}, blocking=True, return_response=True
        )

    # L8: never above the refundable amount; replay refunds nothing more.
    balance = await ledger.balance(code)
    with pytest.raises(ServiceValidationError) as err:
        await call("refund", amount=str(Decimal(balance) / 100 + 1), refund_id="RF-0")
    assert err.value.translation_key == "insufficient_refundable"
    first = await call("refund", amount="30.00", refund_id="RF-1")
    replay = await call("refund", amount="30.00", refund_id="RF-1")
    assert replay["replayed"] is True
    assert replay["entry_id"] == first["entry_id"]
    assert await ledger.balance(code) == balance - 3000
    print("over_refunds_accepted=0 refund_replays_credited=0")

    # Adjustments: signed, with a reason, once per id; bad input changes nothing.
    down = await call(
        "adjust_balance", amount="-12.30", adjustment_id="ADJ-1", reason="Meter misread"
    )
    assert Decimal(down["balance"]) == Decimal(balance - 3000 - 1230) / 100
    up = await call("adjust_balance", amount="2.30", adjustment_id="ADJ-2", reason="Goodwill")
    again = await call("adjust_balance", amount="2.30", adjustment_id="ADJ-2", reason="Goodwill")
    assert again["replayed"] is True
    assert up["balance"] == again["balance"]
    before = await ledger.balance(code)
    for data in (
        {"amount": "0", "adjustment_id": "ADJ-3", "reason": "Nothing"},
        {"amount": "5", "adjustment_id": "ADJ-4", "reason": "x"},
        {"amount": "-0.001", "adjustment_id": "ADJ-5", "reason": "Too fine"},
    ):
        with pytest.raises((ServiceValidationError, vol.Invalid)):
            await call("adjust_balance", **data)
    assert await ledger.balance(code) == before
    assert (await ledger.check()).ok


async def test_restart_mid_month_bills_every_kwh_once(
    hass: HomeAssistant, building: Any, hass_storage: dict[str, Any]
) -> None:
    """Home Assistant stops for two hours; the meters keep counting; nothing is lost or doubled."""
    code, device_id = await _account(hass, building)
    await _recharge(hass, device_id, amount="500.00", order_id="RS-1")
    entry = building
    sim = entry.runtime_data.building.building
    start = {u: sim.device(0, u).total for u in (1, 6)}
    paid = await entry.runtime_data.ledger.balance(code)
    sim.clock.advance(4 * 3600)
    await poll(hass, entry)
    assert await hass.config_entries.async_unload(entry.entry_id)
    # Down for two hours: the building's saved clock says so when it comes back.
    saved = hass_storage[f"{DOMAIN}.simulator.{entry.entry_id}"]["data"]
    saved["clock"] = (datetime.fromisoformat(saved["clock"]) + timedelta(hours=2)).isoformat()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    sim = entry.runtime_data.building.building
    sim.clock.advance(3 * 3600)
    await poll(hass, entry)
    end = {u: sim.device(0, u).total for u in (1, 6)}
    price = {1: 600_000, 6: 4_500_000}
    expected = sum(
        (counter_to_milli(end[u]) - counter_to_milli(start[u])) * price[u] // NANO_PER_CENT
        for u in (1, 6)
    )
    charged = paid - await entry.runtime_data.ledger.balance(code)
    print(f"restarts=1 billed_minor={charged} expected_minor={expected}")
    assert expected > 0
    # Each meter may carry under a cent to its next charge; never more, never a double charge.
    assert expected - 2 <= charged <= expected


async def test_restart_keeps_a_cut_account_cut_without_new_events(
    hass: HomeAssistant, building: Any
) -> None:
    """C7: after a restart the desired state is taken from the relays, not switched again."""
    code, _ = await _account(hass, building)  # no money: cut at once
    sim = building.runtime_data.building.building
    assert sim.device(0, 1).supply_on is False
    events: list[Event] = []
    for event_type in ("prepaid_utility_cut_off", "prepaid_utility_restored"):
        hass.bus.async_listen(event_type, events.append)
    assert await hass.config_entries.async_reload(building.entry_id)
    await hass.async_block_till_done()
    sim = building.runtime_data.building.building
    assert sim.device(0, 1).supply_on is False
    assert events == []
    level = hass.states.get(_entity_of(hass, building, code, "sensor", "alarm_level"))
    assert level.state == "cut_off"
    print(f"restarts=1 converged=1 extra_switch_events={len(events)}")
