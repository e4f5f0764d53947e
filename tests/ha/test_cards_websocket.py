"""The cards' websocket commands: figures equal the ledger's, and who may see what.

An administrator sees every account and the finance figures; any other user sees only the
accounts whose subentry lists them under ``viewers``, gets the same "not found" for an account
that exists but is not theirs, and is refused finance and money actions.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from homeassistant.auth.models import User
from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import InvalidData
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util

from custom_components.prepaid_utility.billing.money import format_money
from custom_components.prepaid_utility.const import CONF_VIEWERS, DOMAIN, SUBENTRY_ACCOUNT
from custom_components.prepaid_utility.ledger import reports
from custom_components.prepaid_utility.statements.cards import CARDS_FILE, CARDS_URL

from .test_accounts import _meter, _open, _recharge

pytestmark = pytest.mark.usefixtures("sockets")


@pytest.fixture
def building(mixed_building: Any) -> Any:
    """One meter of every kind; accounts are opened by the tests."""
    return mixed_building


async def _accounts(
    hass: HomeAssistant, entry: Any, *specs: tuple[str, str, list[int]]
) -> dict[str, str]:
    """Open accounts (tenant, room, meter units); return tenant -> account code."""
    for tenant, room, units in specs:
        result = await _open(
            hass, entry, tenant=tenant, room=room, meters=[_meter(entry, u) for u in units]
        )
        assert result["type"] == "create_entry", result
        await hass.async_block_till_done()
    return {
        s.title: s.subentry_id
        for s in entry.subentries.values()
        if s.subentry_type == SUBENTRY_ACCOUNT
    }


def _device(hass: HomeAssistant, entry: Any, code: str) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_{code}"), entry.entry_id
    )
    assert device is not None
    return device.id


async def _ws(client: Any, message: dict[str, Any]) -> dict[str, Any]:
    await client.send_json_auto_id(message)
    reply: dict[str, Any] = await client.receive_json()
    return reply


async def _run_hours(hass: HomeAssistant, entry: Any, hours: int) -> None:
    sim = entry.runtime_data.building.building
    for _ in range(hours):
        sim.clock.advance(3600)
        await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


def _day_span(day: datetime) -> tuple[datetime, datetime]:
    start = day.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


async def _statement(entry: Any, code: str, start: datetime, end: datetime) -> reports.Statement:
    return await entry.runtime_data.ledger.statement(code, start, end)


async def test_bundle_is_served_once_and_added_to_every_dashboard(
    hass: HomeAssistant, building: Any, hass_client: Any
) -> None:
    urls = [u for u in hass.data[DATA_EXTRA_MODULE_URL].urls if u.startswith(CARDS_URL)]
    assert len(urls) == 1
    client = await hass_client()
    resp = await client.get(urls[0])
    assert resp.status == 200
    body = await resp.read()
    assert body == CARDS_FILE.read_bytes()
    assert b"prepaid-utility-rooms-card" in body
    # A reload of the gateway registers nothing twice (aiohttp would raise).
    assert await hass.config_entries.async_reload(building.entry_id)
    await hass.async_block_till_done()


async def test_an_account_that_used_nothing_shows_zero_of_its_utilities(
    hass: HomeAssistant, building: Any, hass_ws_client: Any
) -> None:
    entry = building
    code = (await _accounts(hass, entry, ("Chen Jie", "103", [3, 6])))["Chen Jie"]
    client = await hass_ws_client(hass)
    rooms = await _ws(client, {"type": f"{DOMAIN}/rooms"})
    (row,) = rooms["result"]["accounts"]
    assert row["today"] == {
        "usage": {"electricity": "0.000", "water": "0.000"},
        "cost": "0.00",
        "cost_minor": 0,
    }
    detail = (await _ws(client, {"type": f"{DOMAIN}/account", "account_id": code}))["result"]
    assert detail["month"]["usage"] == {"electricity": "0.000", "water": "0.000"}


async def test_rooms_account_and_months_equal_the_ledger(
    hass: HomeAssistant, building: Any, hass_ws_client: Any
) -> None:
    entry = building
    codes = await _accounts(hass, entry, ("Li Wei", "101", [1, 6]), ("Zhang Min", "102", [2]))
    li, zhang = codes["Li Wei"], codes["Zhang Min"]
    await _recharge(hass, _device(hass, entry, li), amount="200.00", order_id="WS-1")
    await _recharge(hass, _device(hass, entry, zhang), amount="3.00", order_id="WS-2")
    await _run_hours(hass, entry, 3)
    ledger = entry.runtime_data.ledger
    client = await hass_ws_client(hass)

    rooms = await _ws(client, {"type": f"{DOMAIN}/rooms"})
    assert rooms["success"], rooms
    result = rooms["result"]
    assert result["currency"] == hass.config.currency
    by_code = {r["account_id"]: r for r in result["accounts"]}
    assert set(by_code) == {li, zhang}
    now = dt_util.now()
    today = _day_span(now)
    shown_today = 0
    for code in (li, zhang):
        row = by_code[code]
        balance = await ledger.balance(code)
        assert row["balance_minor"] == balance
        assert Decimal(row["balance"]) == format_money(balance, 2)
        assert row["device_id"] == _device(hass, entry, code)
        assert row["online"] is True
        assert row["supply"] in {"on", "off"}
        statement = await _statement(entry, code, *today)
        assert row["today"]["cost_minor"] == statement.charges
        shown_today += statement.charges
    # Each utility of an account is listed, an unused one at zero ("0 kWh", not a bare 0).
    meters = entry.runtime_data.coordinator.meters
    for code, units in ((li, [1, 6]), (zhang, [2])):
        kinds = {meters[_meter(entry, unit)].medium.value for unit in units}
        assert set(by_code[code]["today"]["usage"]) == kinds, by_code[code]["today"]
    assert by_code[li]["room"] == "101"
    assert by_code[li]["level"] == "normal"
    assert by_code[li]["supply"] == "on"

    detail = await _ws(client, {"type": f"{DOMAIN}/account", "account_id": li})
    assert detail["success"], detail
    acc = detail["result"]
    assert acc["balance_minor"] == await ledger.balance(li)
    assert acc["levels"] == ["50.00", "20.00", "5.00"]
    # Statement months are counted from the server's today, in Home Assistant's time zone.
    assert acc["day"] == int(now.strftime("%Y%m%d")) == result["day"]
    month_start = today[0].replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    month = await _statement(entry, li, month_start, next_month)
    assert acc["month"]["cost_minor"] == month.charges
    usage = {u.kind: 0 for u in month.usage}
    for line in month.usage:
        usage[line.kind] += line.quantity_milli
    assert {k: Decimal(v) for k, v in acc["month"]["usage"].items()} == {
        k: Decimal(v) / 1000 for k, v in usage.items()
    }
    recharge = [m for m in acc["movements"] if m["kind"] == "recharge"]
    assert [(m["amount"], m["reference"]) for m in recharge] == [("200.00", "order:WS-1")]

    monthly = await _ws(client, {"type": f"{DOMAIN}/monthly", "account_id": li})
    assert monthly["success"], monthly
    months = monthly["result"]["months"]
    assert len(months) == 12
    year = monthly["result"]["year"]
    tz = now.tzinfo
    span = await _statement(
        entry, li, datetime(year - 1, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
    )
    total = sum(m["this_year"]["cost_minor"] + m["last_year"]["cost_minor"] for m in months)
    assert total == span.charges > 0
    this_year = sum(Decimal(m["this_year"]["usage"].get("electricity", 0)) for m in months)
    split = monthly["result"]["by_period"].get("electricity", {})
    assert sum(Decimal(v) for v in split.values()) == this_year
    tiers = monthly["result"]["by_tier"].get("electricity", {})
    assert sum(Decimal(v) for v in tiers.values()) == this_year
    building_wide = await _ws(client, {"type": f"{DOMAIN}/monthly"})
    assert building_wide["result"]["accounts"] == 2
    named = await _ws(client, {"type": f"{DOMAIN}/monthly", "building": entry.title})
    assert named["result"]["accounts"] == 2
    other = await _ws(client, {"type": f"{DOMAIN}/monthly", "building": "Elsewhere"})
    assert other["result"]["accounts"] == 0
    print(f"accounts=2 today_cost_minor={shown_today} month_cost_minor={month.charges} equal=1")


async def test_non_admin_sees_only_accounts_shared_with_them(
    hass: HomeAssistant,
    building: Any,
    hass_ws_client: Any,
    hass_read_only_user: User,
    hass_read_only_access_token: str,
) -> None:
    entry = building
    codes = await _accounts(hass, entry, ("Li Wei", "101", [1]), ("Zhang Min", "102", [2]))
    li, zhang = codes["Li Wei"], codes["Zhang Min"]
    await _recharge(hass, _device(hass, entry, li), amount="50.00", order_id="NA-1")
    tenant = await hass_ws_client(hass, hass_read_only_access_token)

    nothing = await _ws(tenant, {"type": f"{DOMAIN}/rooms"})
    assert nothing["success"]
    assert nothing["result"]["accounts"] == []

    # Share Li Wei's account with the tenant (the gateway reloads with the new subentry data).
    sub = entry.subentries[li]
    hass.config_entries.async_update_subentry(
        entry, sub, data={**sub.data, CONF_VIEWERS: [hass_read_only_user.id]}
    )
    await hass.async_block_till_done()
    tenant = await hass_ws_client(hass, hass_read_only_access_token)
    rooms = await _ws(tenant, {"type": f"{DOMAIN}/rooms"})
    assert [r["account_id"] for r in rooms["result"]["accounts"]] == [li]
    own = await _ws(tenant, {"type": f"{DOMAIN}/account", "account_id": li})
    assert own["success"]
    assert own["result"]["balance_minor"] == await entry.runtime_data.ledger.balance(li)

    refused = 0
    for message in (
        {"type": f"{DOMAIN}/account", "account_id": zhang},
        {"type": f"{DOMAIN}/account", "account_id": "no-such-account"},
        {"type": f"{DOMAIN}/monthly", "account_id": zhang},
    ):
        reply = await _ws(tenant, message)
        assert not reply["success"]
        # The same answer whether the account exists or not.
        assert reply["error"]["code"] == "not_found", reply
        refused += 1
    mine = await _ws(tenant, {"type": f"{DOMAIN}/monthly"})
    assert mine["result"]["accounts"] == 1
    finance = await _ws(tenant, {"type": f"{DOMAIN}/finance"})
    assert not finance["success"]
    assert finance["error"]["code"] == "unauthorized"
    refused += 1
    # Money actions from a card are the admin-only services: refused, nothing moves.
    before = await entry.runtime_data.ledger.balance(li)
    call = await _ws(
        tenant,
        {
            "type": "call_service",
            "domain": DOMAIN,
            "service": "recharge",
            "service_data": {
                "device_id": _device(hass, entry, li),
                "amount": "10",
                "order_id": "NA-2",
            },
            "return_response": True,
        },
    )
    assert not call["success"]
    # HA's call_service answers an Unauthorized from an admin service as a generic error.
    assert call["error"]["code"] in {"unauthorized", "home_assistant_error"}, call
    assert "Unauthorized" in call["error"]["message"], call
    refused += 1
    assert await entry.runtime_data.ledger.balance(li) == before
    print(f"non_admin_refused={refused} foreign_accounts_seen=0")


async def test_finance_income_refunds_and_debtors(
    hass: HomeAssistant, building: Any, hass_ws_client: Any
) -> None:
    entry = building
    codes = await _accounts(hass, entry, ("Li Wei", "101", [1]), ("Zhang Min", "102", [2]))
    li, zhang = codes["Li Wei"], codes["Zhang Min"]
    await _recharge(hass, _device(hass, entry, li), amount="120.00", order_id="F-1")
    await _recharge(hass, _device(hass, entry, zhang), amount="30.50", order_id="F-2")
    await hass.services.async_call(
        DOMAIN,
        "refund",
        {"device_id": _device(hass, entry, li), "amount": "20.00", "refund_id": "F-R1"},
        blocking=True,
        return_response=True,
    )
    await hass.services.async_call(
        DOMAIN,
        "adjust_balance",
        {
            "device_id": _device(hass, entry, zhang),
            "amount": "-40.00",
            "adjustment_id": "F-A1",
            "reason": "Back charge",
        },
        blocking=True,
        return_response=True,
    )
    client = await hass_ws_client(hass)
    reply = await _ws(client, {"type": f"{DOMAIN}/finance", "granularity": "day"})
    assert reply["success"], reply
    fin = reply["result"]
    assert Decimal(fin["income_total"]) == Decimal("150.50")
    assert fin["refunds_total"] == "20.00"
    kinds = sorted((m["kind"], m["amount"], m["name"]) for m in fin["movements"])
    assert kinds == [
        ("recharge", "120.00", "Li Wei"),
        ("recharge", "30.50", "Zhang Min"),
        ("refund", "-20.00", "Li Wei"),
    ]
    debt = await entry.runtime_data.ledger.balance(zhang)
    assert debt < 0
    assert [(d["account_id"], Decimal(d["balance"])) for d in fin["debtors"]] == [
        (zhang, format_money(debt, 2))
    ]
    # The card asks for the last days as the server counts them (its time zone, the ledger's).
    by_days = await _ws(client, {"type": f"{DOMAIN}/finance", "days": 30})
    assert by_days["result"]["income"] == fin["income"]
    by_month = await _ws(client, {"type": f"{DOMAIN}/finance", "granularity": "month"})
    assert [Decimal(i["amount"]) for i in by_month["result"]["income"]] == [Decimal("150.50")]
    assert len(by_month["result"]["income"][0]["period"]) == 6


async def test_bad_requests_are_refused(
    hass: HomeAssistant, building: Any, hass_ws_client: Any
) -> None:
    client = await hass_ws_client(hass)
    for message, code in (
        ({"type": f"{DOMAIN}/account", "account_id": "nope"}, "not_found"),
        ({"type": f"{DOMAIN}/account"}, "invalid_format"),
        ({"type": f"{DOMAIN}/monthly", "year": 1066}, "invalid_format"),
        ({"type": f"{DOMAIN}/finance", "granularity": "week"}, "invalid_format"),
        ({"type": f"{DOMAIN}/finance", "start": "2026-13-01"}, "invalid_format"),
        (
            {"type": f"{DOMAIN}/finance", "start": "2026-05-01", "end": "2026-04-01"},
            "invalid_format",
        ),
        (
            {"type": f"{DOMAIN}/finance", "start": "2010-01-01", "end": "2026-01-01"},
            "invalid_format",
        ),
        ({"type": f"{DOMAIN}/finance", "days": 0}, "invalid_format"),
        ({"type": f"{DOMAIN}/finance", "days": 5000}, "invalid_format"),
        ({"type": f"{DOMAIN}/finance", "days": "7"}, "invalid_format"),
    ):
        reply = await _ws(client, message)
        assert not reply["success"], message
        assert reply["error"]["code"] == code, (message, reply)
    # No accounts yet: empty lists, not errors.
    rooms = await _ws(client, {"type": f"{DOMAIN}/rooms"})
    assert rooms["result"]["accounts"] == []


async def test_account_form_shares_with_existing_users_only(
    hass: HomeAssistant, building: Any, hass_read_only_user: User
) -> None:
    entry = building
    codes = await _accounts(hass, entry, ("Li Wei", "101", [1]))
    code = codes["Li Wei"]
    before = dict(entry.subentries[code].data)

    async def reconfigure(viewers: list[str]) -> Any:
        result = await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_ACCOUNT),
            context={"source": "reconfigure", "subentry_id": code},
        )
        data = {**before, "tenant": "Li Wei", CONF_VIEWERS: viewers}
        return await hass.config_entries.subentries.async_configure(result["flow_id"], data)

    with pytest.raises(InvalidData):
        await reconfigure(["no-such-user"])
    assert entry.subentries[code].data == before
    done = await reconfigure([hass_read_only_user.id])
    await hass.async_block_till_done()  # the gateway reloads with the changed account
    assert done["type"] == "abort"
    assert done["reason"] == "reconfigure_successful"
    assert entry.subentries[code].data[CONF_VIEWERS] == [hass_read_only_user.id]


async def test_finance_shows_each_split_as_recorded(
    hass: HomeAssistant,
    building: Any,
    hass_ws_client: Any,
    hass_read_only_access_token: str,
) -> None:
    entry = building
    codes = await _accounts(hass, entry, ("Li Wei", "101", [1]), ("Zhang Min", "102", [2]))
    for index, code in enumerate(codes.values()):
        await _recharge(hass, _device(hass, entry, code), amount="80.00", order_id=f"AP-{index}")
    sim = entry.runtime_data.building.building
    sim.device(0, 4).mean *= 20  # unit 4 plays the building's master meter
    await _run_hours(hass, entry, 3)
    master = next(s.subentry_id for s in entry.subentries.values() if s.unique_id == "4")
    month = dt_util.now().strftime("%Y-%m")
    data = {
        "device_id": [_device(hass, entry, c) for c in codes.values()],
        "master_meter": _device(hass, entry, master),
        "month": month,
        "method": "equal",
        "price": "0.60",
    }
    split = await hass.services.async_call(
        DOMAIN, "apportion", data, blocking=True, return_response=True
    )
    replay = await hass.services.async_call(
        DOMAIN, "apportion", data, blocking=True, return_response=True
    )
    assert replay["replayed"] is True
    # More readings after the split: the recorded figures stay as they were when it ran, and a
    # replay answers with them too.
    await _run_hours(hass, entry, 2)
    later = await hass.services.async_call(
        DOMAIN, "apportion", data, blocking=True, return_response=True
    )
    assert later["replayed"] is True
    for key in ("master_quantity", "sub_meters_quantity", "pool_quantity", "loss_per_mille"):
        assert later[key] == split[key], key
    client = await hass_ws_client(hass)
    reply = await _ws(client, {"type": f"{DOMAIN}/finance"})
    assert reply["success"], reply
    runs = reply["result"]["apportionments"]
    assert len(runs) == 1
    run = runs[0]
    assert run["entry_id"] == split["entry_id"]
    assert run["period"] == month
    assert run["master_name"] == entry.runtime_data.coordinator.meters[master].label
    assert (run["method"], run["collection"], run["shares"], run["kind"]) == (
        "equal", "deducted", 2, "electricity",
    )  # fmt: skip
    assert run["amount"] == split["amount"]
    assert Decimal(run["master_quantity"]) == Decimal(split["master_quantity"]) > 0
    assert Decimal(run["sub_meters_quantity"]) == Decimal(split["sub_meters_quantity"])
    assert Decimal(run["pool_quantity"]) == Decimal(split["pool_quantity"])
    assert run["loss_per_mille"] == split["loss_per_mille"]
    tenant = await hass_ws_client(hass, hass_read_only_access_token)
    refused = await _ws(tenant, {"type": f"{DOMAIN}/finance"})
    assert refused["error"]["code"] == "unauthorized"
    print(
        f"apportion_runs=1 replays=1 loss_per_mille={run['loss_per_mille']} "
        f"pool={run['pool_quantity']} non_admin_refused=1"
    )


async def test_a_usage_split_replays_with_the_usage_it_ran_with(
    hass: HomeAssistant, building: Any
) -> None:
    entry = building
    codes = await _accounts(hass, entry, ("Li Wei", "101", [1]), ("Zhang Min", "102", [2]))
    for index, code in enumerate(codes.values()):
        await _recharge(hass, _device(hass, entry, code), amount="80.00", order_id=f"AU-{index}")
    await _run_hours(hass, entry, 3)
    master = next(s.subentry_id for s in entry.subentries.values() if s.unique_id == "4")
    data = {
        "device_id": [_device(hass, entry, c) for c in codes.values()],
        "master_meter": _device(hass, entry, master),
        "month": dt_util.now().strftime("%Y-%m"),
        "method": "usage",
        "amount": "10.00",
    }
    first = await hass.services.async_call(
        DOMAIN, "apportion", data, blocking=True, return_response=True
    )
    # Both tenants use more before the same call comes again (a retry after a timeout): the
    # replay is weighed with the usage recorded when the split ran, so it is answered.
    await _run_hours(hass, entry, 2)
    again = await hass.services.async_call(
        DOMAIN, "apportion", data, blocking=True, return_response=True
    )
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert again["entry_id"] == first["entry_id"]
    assert again["shares"] == first["shares"]
    # Other accounts or another amount for the same pool and month would be another split:
    # refused, and nothing is written.
    ledger = entry.runtime_data.ledger
    after_split = {c: await ledger.balance(c) for c in codes.values()}
    for change in ({"device_id": data["device_id"][:1]}, {"amount": "11.00"}):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN, "apportion", {**data, **change}, blocking=True, return_response=True
            )
        assert err.value.translation_key == "apportion_conflict", change
    assert {c: await ledger.balance(c) for c in codes.values()} == after_split
    shares = sum(Decimal(v) for v in first["shares"].values())
    print(f"usage_split_replays=1 shares_sum={shares} refused=2")
    assert shares == Decimal("10.00")
    assert len(set(first["shares"].values())) == 2, "unequal usage, unequal shares"
