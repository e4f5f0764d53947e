"""Websocket commands the dashboard cards read from.

Money figures come from the ledger (on its own thread, never the event loop); what only the
running gateways know (online, supply, alarm level) comes from their coordinators. Who sees
what is decided in :mod:`.account_access` (shared with the statement view). Finance, with the
recorded common-area splits, is for administrators only, and so are the books of every building
on a shared ledger (``books``: "all" or a building id; :mod:`.ledger.books`).
Money leaves as exact decimal strings (and integer minor units for sorting); the cards format
them with the user's locale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import probatio as vol
from homeassistant.components import websocket_api
from homeassistant.components.websocket_api import const as ws_const
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.decorators import (
    async_response,
    require_admin,
    websocket_command,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import Unauthorized
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import floor_registry as fr
from homeassistant.util import dt as dt_util

from .accounts.access import AccountRef, all_accounts, visible_to
from .actions.helpers import loaded_entries
from .billing.errors import PrepaidError
from .billing.money import format_money
from .const import DOMAIN
from .entity import subentry_identifier
from .ledger import AsyncLedgerStore, LedgerStore
from .ledger import books as ledger_books
from .ledger import dashboard as read
from .meters.reading import SupplyState
from .money.ledger_runtime import currency_exponent
from .money.topup_ws import async_setup_topup_websocket

WS_ROOMS = f"{DOMAIN}/rooms"
WS_ACCOUNT = f"{DOMAIN}/account"
WS_MONTHLY = f"{DOMAIN}/monthly"
WS_FINANCE = f"{DOMAIN}/finance"
type _RoomFigures = tuple[dict[str, int], dict[str, read.Figures]]
type _MonthsAndSplit = tuple[list[read.MonthFigures], read.Breakdown]
_GRANULARITY = {"day": 1, "month": 100, "year": 10_000}
ALL_BOOKS = "all"
_BOOKS = vol.All(str, vol.Length(min=1, max=64))
MAX_FINANCE_DAYS = 3 * 366


def _by_ledger(accounts: Mapping[str, AccountRef]) -> list[tuple[AsyncLedgerStore, list[str]]]:
    """Group account codes by the ledger that holds them (gateways may keep money apart)."""
    groups: dict[int, tuple[AsyncLedgerStore, list[str]]] = {}
    for code, acc in accounts.items():
        ledger: AsyncLedgerStore = acc.entry.runtime_data.ledger
        groups.setdefault(id(ledger), (ledger, []))[1].append(code)
    return list(groups.values())


def _ledgers(hass: HomeAssistant) -> list[tuple[AsyncLedgerStore, list[str]]]:
    """Every ledger of the loaded gateways, once (the books are read from the ledger)."""
    found: dict[int, AsyncLedgerStore] = {}
    for entry in loaded_entries(hass):
        found.setdefault(id(entry.runtime_data.ledger), entry.runtime_data.ledger)
    return [(ledger, []) for ledger in found.values()]


def _held_books(
    connection: ActiveConnection, msg_id: int, building: str | None, parts: list[ledger_books.Books]
) -> tuple[dict[str, str], list[ledger_books.Books]] | None:
    """Return (every building's name, the ledgers' books that hold the one asked for).

    None (and a translated error sent) when no ledger holds the building asked for.
    """
    names = {k: v for part in parts for k, v in part.buildings.items()}
    held = [p for p in parts if p.finance is not None or p.months is not None]
    if building is not None and not held:
        connection.send_error(
            msg_id,
            ws_const.ERR_NOT_FOUND,
            f"{building} is not a building on this ledger",
            translation_key="unknown_building",
            translation_domain=DOMAIN,
            translation_placeholders={"building": building},
        )
        return None
    return names, held


def _building_list(names: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"id": k, "name": v} for k, v in sorted(names.items(), key=lambda kv: (kv[1], kv[0]))]


def _money(minor: int, exponent: int) -> str:
    return str(format_money(minor, exponent))


def _quantity(milli: int) -> str:
    return f"{milli // 1000 if milli >= 0 else -(-milli // 1000)}.{abs(milli) % 1000:03d}"


def _kinds(acc: AccountRef) -> list[str]:
    """Return the utilities the account has meters for (what its usage is shown in)."""
    meters = acc.entry.runtime_data.coordinator.meters
    return sorted({meters[m].medium.value for m in acc.setup.meters if m in meters})


def _figures(fig: read.Figures, exponent: int, kinds: Iterable[str] = ()) -> dict[str, Any]:
    # Every utility of the account is listed, unused ones at zero: a card then shows "0 kWh"
    # rather than a bare 0 of nothing.
    usage = dict.fromkeys(kinds, 0) | fig.usage_milli
    return {
        "usage": {kind: _quantity(milli) for kind, milli in sorted(usage.items())},
        "cost": _money(fig.cost, exponent),
        "cost_minor": fig.cost,
    }


def _day(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def _supply(acc: AccountRef) -> tuple[str, bool]:
    """Return the account's supply as its relays report it, and whether all meters answer."""
    coordinator = acc.entry.runtime_data.coordinator
    meters = coordinator.data.meters if coordinator.data is not None else {}
    statuses = [meters[m] for m in acc.setup.meters if m in meters]
    online = bool(statuses) and all(s.online for s in statuses)
    controllable = coordinator.supervisor.controllable if coordinator.supervisor else {}
    observed = {meters[m].supply for m in acc.setup.meters if m in meters and controllable.get(m)}
    if not observed:
        return "none", online
    if observed == {SupplyState.ON}:
        return "on", online
    if observed == {SupplyState.OFF}:
        return "off", online
    return "unknown", online


def _state(acc: AccountRef) -> dict[str, Any]:
    coordinator = acc.entry.runtime_data.coordinator
    states = coordinator.data.accounts if coordinator.data is not None else {}
    state = states.get(acc.setup.code)
    supply, online = _supply(acc)
    return {
        "level": state.level.value if state is not None else None,
        "supply": supply,
        "supply_wanted": None if state is None else ("on" if state.supply_on else "off"),
        "pending": bool(state and state.pending),
        "hold": None if state is None else state.hold,
        "online": online,
    }


def _place(hass: HomeAssistant, acc: AccountRef) -> dict[str, Any]:
    """Return the account's device, area and floor (areas are set in Home Assistant)."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        subentry_identifier(acc.entry.entry_id, acc.setup.code), acc.entry.entry_id
    )
    area = floor = None
    if device is not None and device.area_id:
        area_entry = ar.async_get(hass).async_get_area(device.area_id)
        if area_entry is not None:
            area = area_entry.name
            if area_entry.floor_id:
                floor_entry = fr.async_get(hass).async_get_floor(area_entry.floor_id)
                floor = floor_entry.name if floor_entry is not None else None
    return {
        "device_id": device.id if device is not None else None,
        "area": area,
        "floor": floor,
        "building": acc.entry.title,
    }


def _not_found(connection: ActiveConnection, msg_id: int) -> None:
    # The same answer for "no such account" and "not yours": a tenant learns nothing of others.
    connection.send_error(msg_id, ws_const.ERR_NOT_FOUND, "Unknown account")


async def _read_books(
    hass: HomeAssistant,
    connection: ActiveConnection,
    msg_id: int,
    building: str | None,
    report: Callable[[Any], ledger_books.Books],
) -> tuple[dict[str, str], list[ledger_books.Books]] | None:
    """Run a books report (given a ledger's read connection) on every ledger.

    None (and an error sent) when a ledger fails or none holds the building asked for.
    """

    def work(_codes: list[str]) -> Callable[[LedgerStore], ledger_books.Books]:
        def run(store: LedgerStore) -> ledger_books.Books:
            with store.reading() as conn:
                return report(conn)

        return run

    got = await _read(connection, msg_id, _ledgers(hass), work)
    return None if got is None else _held_books(connection, msg_id, building, got)


async def _read[T](
    connection: ActiveConnection,
    msg_id: int,
    groups: list[tuple[AsyncLedgerStore, list[str]]],
    work: Callable[[list[str]], Callable[[LedgerStore], T]],
) -> list[T] | None:
    """Run ``work(codes)`` on each ledger's thread; None (and an error sent) if one fails."""
    try:
        return [await ledger.run(work(codes)) for ledger, codes in groups]
    except PrepaidError as err:
        connection.send_error(msg_id, ws_const.ERR_HOME_ASSISTANT_ERROR, str(err))
        return None


@websocket_command({vol.Required("type"): WS_ROOMS})
@async_response
async def ws_rooms(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Every account this user may see: place, state, balance, today's usage and cost."""
    exponent = currency_exponent(hass.config.currency)
    accounts = visible_to(connection.user, all_accounts(hass))
    today = _day(dt_util.now().date())
    balances: dict[str, int] = {}
    todays: dict[str, read.Figures] = {}

    def work(codes: list[str]) -> Callable[[LedgerStore], _RoomFigures]:
        def run(store: LedgerStore) -> _RoomFigures:
            with store.reading() as conn:
                return read.balances(conn, codes), read.today_by_account(conn, codes, today)

        return run

    got = await _read(connection, msg["id"], _by_ledger(accounts), work)
    if got is None:
        return
    for part_balances, part_todays in got:
        balances.update(part_balances)
        todays.update(part_todays)
    rows = []
    for code, acc in accounts.items():
        balance = balances.get(code)
        rows.append(
            {
                "account_id": code,
                "name": acc.setup.tenant,
                "room": acc.setup.room,
                **_place(hass, acc),
                **_state(acc),
                "balance": None if balance is None else _money(balance, exponent),
                "balance_minor": balance,
                "today": _figures(todays.get(code, read.Figures()), exponent, _kinds(acc)),
            }
        )
    rows.sort(key=lambda r: (r["building"], r["room"], r["name"]))
    connection.send_result(
        msg["id"],
        {"currency": hass.config.currency, "exponent": exponent, "day": today, "accounts": rows},
    )


@websocket_command({vol.Required("type"): WS_ACCOUNT, vol.Required("account_id"): str})
@async_response
async def ws_account(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """One account: balance, levels, today and this month, days left, recent movements."""
    exponent = currency_exponent(hass.config.currency)
    acc = visible_to(connection.user, all_accounts(hass)).get(msg["account_id"])
    if acc is None:
        _not_found(connection, msg["id"])
        return
    now = dt_util.now().date()
    before = [_day(now - timedelta(days=n)) for n in range(read.DAYS_FOR_AVERAGE, 0, -1)]
    code = acc.setup.code
    kinds = _kinds(acc)

    def work(store: LedgerStore) -> read.AccountDetail:
        with store.reading() as conn:
            return read.account_detail(conn, code, _day(now), before)

    got = await _read(
        connection, msg["id"], [(acc.entry.runtime_data.ledger, [code])], lambda _: work
    )
    if got is None:
        return
    detail = got[0]
    thresholds = acc.setup.thresholds
    days_left = None
    if detail.average_daily_cost > 0:
        days_left = round(max(detail.balance, 0) / detail.average_daily_cost, 1)
    connection.send_result(
        msg["id"],
        {
            "account_id": code,
            "name": acc.setup.tenant,
            "room": acc.setup.room,
            "day": _day(now),  # the cards count statement months from the server's today
            "currency": hass.config.currency,
            "exponent": exponent,
            **_place(hass, acc),
            **_state(acc),
            "balance": _money(detail.balance, exponent),
            "balance_minor": detail.balance,
            "levels": [
                _money(thresholds.low_1, exponent),
                _money(thresholds.low_2, exponent),
                _money(thresholds.low_3, exponent),
            ],
            "overdraft": _money(acc.setup.policy.overdraft, exponent),
            "today": _figures(detail.today, exponent, kinds),
            "month": _figures(detail.month, exponent, kinds),
            "month_by_period": {
                kind: {period: _quantity(milli) for period, milli in sorted(periods.items())}
                for kind, periods in sorted(detail.month_by_period.items())
            },
            "average_daily_cost": _money(detail.average_daily_cost, exponent),
            "days_left": days_left,
            "movements": [_movement(m, exponent) for m in detail.movements],
        },
    )


def _movement(m: read.Movement, exponent: int) -> dict[str, Any]:
    return {
        "entry_id": m.entry_id,
        "kind": m.kind,
        "amount": _money(m.amount, exponent),
        "amount_minor": m.amount,
        "at": dt_util.utc_from_timestamp(m.ts_us / 1_000_000).isoformat(),
        "reason": m.reason,
        "reference": m.key,
        "account_id": m.account,
    }


@websocket_command(
    {
        vol.Required("type"): WS_MONTHLY,
        vol.Optional("account_id"): str,
        vol.Optional("building"): str,
        vol.Optional("year"): vol.All(int, vol.Range(min=2000, max=2100)),
        # Every building's books on the ledger ("all") or one building's, read from the ledger
        # (accounts of other instances included): administrators only; it wins over the others.
        vol.Optional("books"): _BOOKS,
    }
)
@async_response
async def ws_monthly(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Usage and cost per month of a year beside the year before (one account, or all seen)."""
    if "books" in msg:
        await _monthly_books(hass, connection, msg)
        return
    accounts = visible_to(connection.user, all_accounts(hass))
    if "account_id" in msg:
        if msg["account_id"] not in accounts:
            _not_found(connection, msg["id"])
            return
        accounts = {msg["account_id"]: accounts[msg["account_id"]]}
    if "building" in msg:
        accounts = {c: a for c, a in accounts.items() if a.entry.title == msg["building"]}
    year = int(msg.get("year") or dt_util.now().year)

    def work(codes: list[str]) -> Callable[[LedgerStore], _MonthsAndSplit]:
        def run(store: LedgerStore) -> _MonthsAndSplit:
            with store.reading() as conn:
                return read.monthly(conn, codes, year), read.breakdown(conn, codes, year)

        return run

    got = await _read(connection, msg["id"], _by_ledger(accounts), work)
    if got is None:
        return
    months = read.merge_months([m for m, _ in got]) if got else []
    split = read.merge_breakdowns([b for _, b in got])
    connection.send_result(msg["id"], _monthly_result(hass, year, len(accounts), months, split))


async def _monthly_books(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Send the reports of one building's books, or every building's, from the shared ledger."""
    if not connection.user.is_admin:
        raise Unauthorized
    building = None if msg["books"] == ALL_BOOKS else msg["books"]
    year = int(msg.get("year") or dt_util.now().year)

    found = await _read_books(
        hass,
        connection,
        msg["id"],
        building,
        lambda conn: ledger_books.monthly(conn, year, building),
    )
    if found is None:
        return
    names, held = found
    months = [p.months for p in held if p.months is not None]
    split = read.merge_breakdowns([p.split for p in held if p.split is not None])
    result = _monthly_result(
        hass,
        year,
        sum(p.accounts for p in held),
        read.merge_months(months) if months else [],
        split,
    )
    result |= {"books": msg["books"], "buildings": _building_list(names)}
    connection.send_result(msg["id"], result)


def _monthly_result(
    hass: HomeAssistant,
    year: int,
    accounts: int,
    months: list[read.MonthFigures],
    split: read.Breakdown,
) -> dict[str, Any]:
    exponent = currency_exponent(hass.config.currency)
    return {
        "year": year,
        "currency": hass.config.currency,
        "accounts": accounts,
        "months": [
            {
                "month": m.month,
                "this_year": _figures(m.this_year, exponent),
                "last_year": _figures(m.last_year, exponent),
            }
            for m in months
        ],
        "by_period": {
            kind: {period: _quantity(milli) for period, milli in sorted(periods.items())}
            for kind, periods in sorted(split.by_period.items())
        },
        "by_tier": {
            kind: {str(tier): _quantity(milli) for tier, milli in sorted(tiers.items())}
            for kind, tiers in sorted(split.by_tier.items())
        },
    }


@websocket_command(
    {
        vol.Required("type"): WS_FINANCE,
        vol.Optional("granularity", default="day"): vol.In(tuple(_GRANULARITY)),
        vol.Optional("start"): str,
        vol.Optional("end"): str,
        # The last ``days`` days up to today in Home Assistant's time zone (the ledger's days):
        # a browser in another zone would ask for the wrong days around midnight.
        vol.Optional("days"): vol.All(int, vol.Range(min=1, max=MAX_FINANCE_DAYS)),
        # Every building on the ledger (a ledger may be shared by several instances) or one.
        vol.Optional("books", default=ALL_BOOKS): _BOOKS,
    }
)
@require_admin
@async_response
async def ws_finance(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Income by day/month/year, recharges and refunds, accounts in debt (administrators)."""
    exponent = currency_exponent(hass.config.currency)
    today = dt_util.now().date()
    try:
        end = date.fromisoformat(msg["end"]) if "end" in msg else today
        span = timedelta(days=msg.get("days", 30))
        start = date.fromisoformat(msg["start"]) if "start" in msg else end - span
    except ValueError:
        connection.send_error(msg["id"], ws_const.ERR_INVALID_FORMAT, "Dates are YYYY-MM-DD")
        return
    if start > end or (end - start).days > MAX_FINANCE_DAYS:
        connection.send_error(msg["id"], ws_const.ERR_INVALID_FORMAT, "Bad date span")
        return
    accounts = all_accounts(hass)
    divisor = _GRANULARITY[msg["granularity"]]
    building = None if msg["books"] == ALL_BOOKS else msg["books"]

    found = await _read_books(
        hass,
        connection,
        msg["id"],
        building,
        lambda conn: ledger_books.finance(conn, _day(start), _day(end), divisor, building),
    )
    if found is None:
        return
    buildings, held = found
    report = read.merge_finance([p.finance for p in held if p.finance is not None])
    # Accounts another instance keeps have no tenant name here: the code stands in for it.
    names = {code: acc.setup.tenant for code, acc in accounts.items()}
    of_account = {code: b for p in held for code, b in p.of_account.items()}

    def building_of(code: str) -> str:
        return buildings.get(of_account.get(code) or "", "")

    meters = {
        key: meter.label
        for entry in loaded_entries(hass)
        for key, meter in entry.runtime_data.coordinator.meters.items()
    }
    rooms = {code: acc.setup.room for code, acc in accounts.items()}
    connection.send_result(
        msg["id"],
        {
            "currency": hass.config.currency,
            "granularity": msg["granularity"],
            "start": start.isoformat(),
            "end": end.isoformat(),
            "books": msg["books"],
            "buildings": _building_list(buildings),
            "income": [{"period": str(k), "amount": _money(v, exponent)} for k, v in report.income],
            "income_total": _money(sum(v for _, v in report.income), exponent),
            "refunds_total": _money(report.refunds_total, exponent),
            "movements": [
                {
                    **_movement(m, exponent),
                    "name": names.get(m.account, m.account),
                    "building": building_of(m.account),
                }
                for m in report.movements
            ],
            "apportionments": [
                _apportion_run(run, exponent, meters.get(run.master_meter or ""))
                for run in report.apportionments
            ],
            "debtors": [
                {
                    "account_id": code,
                    "name": names.get(code, code),
                    "room": rooms.get(code, ""),
                    "balance": _money(balance, exponent),
                    "building": building_of(code),
                }
                for code, balance in report.debtors
            ],
        },
    )


def _apportion_run(run: read.ApportionRun, exponent: int, meter_name: str | None) -> dict[str, Any]:
    """One recorded common-area split; quantities are None where the ledger never had them."""

    def qty(milli: int | None) -> str | None:
        return None if milli is None else _quantity(milli)

    return {
        "entry_id": run.entry_id,
        "at": dt_util.utc_from_timestamp(run.ts_us / 1_000_000).isoformat(),
        "period": run.period,
        "pool": run.pool,
        "master_meter": run.master_meter,
        "master_name": meter_name or run.master_meter or run.pool,
        "kind": run.kind,
        "method": run.method,
        "collection": run.collection,
        "amount": _money(run.amount, exponent),
        "shares": run.shares,
        "master_quantity": qty(run.master_milli),
        "sub_meters_quantity": qty(run.subs_milli),
        "pool_quantity": qty(run.pool_milli),
        "loss_per_mille": run.loss_per_mille,
    }


@callback
def async_setup_websocket(hass: HomeAssistant) -> None:
    """Register the cards' commands (once, from async_setup)."""
    for command in (ws_rooms, ws_account, ws_monthly, ws_finance):
        websocket_api.async_register_command(hass, command)
    async_setup_topup_websocket(hass)
