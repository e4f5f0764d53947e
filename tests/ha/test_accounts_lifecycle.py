"""Opening and closing accounts by service: same rules as the form, settled to the cent.

Closing reads the meters now and bills the final readings, charges fees due, refunds the rest,
marks the account closed in the ledger, cuts supply (unless protected), frees the meters and
fires ``prepaid_utility_account_closed``; with a meter silent it refuses and changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError

from custom_components.prepaid_utility.billing.quantity import counter_to_milli
from custom_components.prepaid_utility.const import CONF_METERS, SUBENTRY_ACCOUNT
from custom_components.prepaid_utility.events import EVENT_ACCOUNT_CLOSED

from .conftest import poll
from .ledger_ops import EPOCH, FAR, call, device_id, meter_key, open_account, snapshot

pytestmark = pytest.mark.usefixtures("sockets")


def _accounts(entry: Any) -> list[str]:
    return [s.subentry_id for s in entry.subentries.values() if s.subentry_type == SUBENTRY_ACCOUNT]


async def test_open_account_validates_like_the_form_and_credits_once(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    entry = mixed_building
    code, _ = await open_account(hass, entry, "Li Wei", [1], "OPEN-1", opening_balance="250.00")
    assert await entry.runtime_data.ledger.balance(code) == 25000
    meters = [device_id(hass, entry, meter_key(entry, 2))]
    base = {
        "config_entry_id": entry.entry_id,
        "tenant": "Zhang San",
        "meters": meters,
        "order_id": "OPEN-2",
    }
    before = await snapshot(entry)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"tenant": "   "}, "account_refused"),
        ({"meters": [device_id(hass, entry, meter_key(entry, 1))]}, "account_refused"),
        ({"low_1": "10", "low_2": "20"}, "account_refused"),
        ({"low_3": "abc"}, "account_refused"),
        ({"opening_balance": "-5"}, "invalid_amount"),
        ({"opening_balance": "1.234"}, "invalid_amount"),
        ({"meters": [device_id(hass, entry, code)]}, "unknown_meter"),
        ({"config_entry_id": "nope"}, "unknown_gateway"),
        ({"order_id": "no spaces"}, "invalid_order_id"),
    ]
    for change, key in bad:
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "open_account", {**base, **change})
        assert err.value.translation_key == key, change
    await hass.async_block_till_done()
    assert await snapshot(entry) == before
    assert len(_accounts(entry)) == 1
    assert not hass.config_entries.subentries.async_progress()

    first = await call(hass, "open_account", {**base, "opening_balance": "80"})
    await hass.async_block_till_done()
    replays = 0
    for _ in range(5):
        again = await call(hass, "open_account", {**base, "opening_balance": "80"})
        replays += again["replayed"]
        assert again["account_id"] == first["account_id"]
    await hass.async_block_till_done()
    print(f"opened=1 replays={replays} accounts={len(_accounts(entry))}")
    assert replays == 5
    assert len(_accounts(entry)) == 2
    assert await entry.runtime_data.ledger.balance(first["account_id"]) == 8000


async def test_close_account_settles_cuts_and_frees_the_meters(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    entry = mixed_building
    code, dev = await open_account(hass, entry, "Li Wei", [1, 6], "OPEN-1", opening_balance="300")
    silent_code, silent_dev = await open_account(
        hass, entry, "Zhang San", [2], "OPEN-2", opening_balance="10"
    )
    await call(
        hass, "add_fee", {"device_id": dev, "fee_id": "rent", "name": "Rent", "amount": "50"}
    )
    sim = entry.runtime_data.building.building
    starts = {u: sim.device(0, u).total for u in (1, 6)}  # the meters' start readings
    for _ in range(3):
        sim.clock.advance(3600)
        await poll(hass, entry)
    assert sim.device(0, 1).supply_on is True
    events: list[Event] = []
    hass.bus.async_listen(EVENT_ACCOUNT_CLOSED, events.append)

    # A silent meter: the final reading is not known, nothing is settled.
    sim.device(0, 2).faults.no_reply = True
    before = await snapshot(entry)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "close_account", {"device_id": silent_dev, "settlement_id": "OUT-2"})
    assert err.value.translation_key == "readings_in_doubt"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "close_account", {"device_id": dev, "settlement_id": "bad id"})
    assert err.value.translation_key == "invalid_order_id"
    assert await snapshot(entry) == before
    assert not (await entry.runtime_data.ledger.account(silent_code)).closed

    sim.clock.advance(1800)  # used since the last poll: only the final reading sees it
    response = await call(hass, "close_account", {"device_id": dev, "settlement_id": "OUT-1"})
    finals = {u: sim.device(0, u).total for u in (1, 6)}
    await hass.async_block_till_done()
    keys = {u: meter_key(entry, u) for u in (1, 6)}
    usage = await entry.runtime_data.ledger.run(
        lambda s: s.usage_by_meter(list(keys.values()), EPOCH, FAR)
    )
    for unit, key in keys.items():
        assert usage[key] == counter_to_milli(finals[unit]) - counter_to_milli(starts[unit])
    info = await entry.runtime_data.ledger.account(code)
    assert info.closed
    assert info.balance == 0
    assert response["closed"] is True
    assert Decimal(response["closing_balance"]) == Decimal(response["refunded"])
    assert Decimal(response["refunded"]) > 0
    assert Decimal(response["closing_balance"]) < Decimal(250)  # 300 - rent 50 - usage
    assert response["billed"] == "0.00"
    assert sim.device(0, 1).supply_on is False
    assert sim.device(0, 6).supply_on is False
    assert len(events) == 1
    assert events[0].data["account_id"] == code
    assert events[0].data["refunded"] == response["refunded"]
    assert events[0].data["settlement_id"] == "OUT-1"
    sub = entry.subentries[code]
    assert sub.data[CONF_METERS] == []
    print(
        f"closed=1 refunded={response['refunded']} final_milli={sum(usage.values())} "
        f"events={len(events)}"
    )

    # The same settlement again returns it; another id is refused; fees stop.
    again = await call(hass, "close_account", {"device_id": dev, "settlement_id": "OUT-1"})
    assert again["replayed"] is True
    assert again["refunded"] == response["refunded"]
    before = await snapshot(entry)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "close_account", {"device_id": dev, "settlement_id": "OUT-9"})
    assert err.value.translation_key == "account_closed"
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass, "add_fee", {"device_id": dev, "fee_id": "late", "name": "Late", "amount": "5"}
        )
    assert err.value.translation_key == "account_closed"
    assert await snapshot(entry) == before
    # The freed meters bill the building ("vacant") now, never the closed account.
    sim.device(0, 2).faults.no_reply = False
    sim.clock.advance(40 * 24 * 3600)
    await poll(hass, entry)
    assert await entry.runtime_data.ledger.balance(code) == 0
    report = await entry.runtime_data.ledger.run(lambda s: s.check())
    assert report.ok, report
    assert len(events) == 1


async def test_closing_a_protected_account_keeps_supply(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    entry = mixed_building
    code, dev = await open_account(
        hass, entry, "Clinic", [1], "OPEN-P", opening_balance="20", protected=True
    )
    sim = entry.runtime_data.building.building
    sim.clock.advance(3600)
    await poll(hass, entry)
    response = await call(hass, "close_account", {"device_id": dev, "settlement_id": "OUT-P"})
    await hass.async_block_till_done()
    assert response["supply_cut"] == {}
    assert sim.device(0, 1).supply_on is True
    assert (await entry.runtime_data.ledger.account(code)).closed
