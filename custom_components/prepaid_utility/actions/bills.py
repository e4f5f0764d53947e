"""Bills and common-area cost: ``generate_bills``, ``mark_bill_paid`` and ``apportion``.

A bill for a period is what an account owes (its negative balance not yet on an open bill),
issued once per account and period: running ``generate_bills`` again for the same month finds
the bills already issued and fires no event. ``apportion`` splits the pool of a master meter
(what it measured minus what the accounts' own meters measured) among accounts by floor area,
usage or equally, to the minor unit (largest remainder), once per master meter and period.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from typing import Any

import probatio as vol
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import config_validation as cv

from ..billing.fees import FeeCollection
from ..billing.money import format_money
from ..events import EVENT_BILL_ISSUED, BillIssued
from ..ledger import LedgerStore
from ..ledger import dashboard as read
from ..ledger.store import BillInfo, CommonArea
from ..money.fee_book import area_centi_m2
from ..money.ledger_runtime import currency_exponent
from ..statements.periods import ATTR_END, ATTR_MONTH, ATTR_START, period_bounds
from .helpers import (
    account_of,
    amount_minor,
    invalid,
    loaded_entries,
    meter_of,
    request_key,
    target_accounts,
    translate_errors,
)

SERVICE_GENERATE_BILLS = "generate_bills"
SERVICE_MARK_BILL_PAID = "mark_bill_paid"
SERVICE_APPORTION = "apportion"
ATTR_DUE_DAYS = "due_days"
ATTR_DEVICE_ID = "device_id"
ATTR_BILL_ID = "bill_id"
ATTR_PAYMENT_ID = "payment_id"
ATTR_MASTER = "master_meter"
ATTR_METHOD = "method"
ATTR_AMOUNT = "amount"
ATTR_PRICE = "price"
ATTR_COLLECTION = "collection"
METHODS = ("area", "usage", "equal")
MAX_PRICE = Decimal(10_000)

PERIOD_FIELDS: dict[Any, Any] = {
    vol.Exclusive(ATTR_MONTH, "period"): cv.string,
    vol.Exclusive(ATTR_START, "period"): cv.datetime,
    vol.Optional(ATTR_END): cv.datetime,
}

GENERATE_BILLS_SCHEMA = vol.Schema(
    {
        **cv.TARGET_SERVICE_FIELDS,
        vol.Required(ATTR_MONTH): cv.string,
        vol.Optional(ATTR_DUE_DAYS, default=14): vol.All(vol.Coerce(int), vol.Range(0, 365)),
    }
)

MARK_BILL_PAID_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_BILL_ID): vol.All(vol.Coerce(int), vol.Range(min=1)),
        vol.Required(ATTR_PAYMENT_ID): cv.string,
    }
)

APPORTION_SCHEMA = vol.Schema(
    {
        **cv.TARGET_SERVICE_FIELDS,
        vol.Required(ATTR_MASTER): cv.string,
        **PERIOD_FIELDS,
        vol.Optional(ATTR_METHOD, default="area"): vol.In(METHODS),
        vol.Exclusive(ATTR_AMOUNT, "money"): vol.Any(cv.string, vol.Coerce(str)),
        vol.Exclusive(ATTR_PRICE, "money"): vol.Any(cv.string, vol.Coerce(str)),
        vol.Optional(ATTR_COLLECTION, default=FeeCollection.DEDUCTED.value): vol.In(
            [c.value for c in FeeCollection]
        ),
    }
)


def _money(hass: HomeAssistant, minor: int) -> str:
    return str(format_money(minor, currency_exponent(hass.config.currency)))


def _bill_data(hass: HomeAssistant, info: BillInfo, new: bool) -> dict[str, Any]:
    return {
        "bill_id": info.bill_id,
        "account_id": info.account,
        "kind": info.kind,
        "amount": _money(hass, info.amount),
        "due_date": info.due.date().isoformat(),
        "paid": info.paid,
        "new": new,
    }


def _bills(code: str, store: LedgerStore) -> list[BillInfo]:
    return store.bills(code)


def _issue(code: str, period_id: str, due: datetime, store: LedgerStore) -> int | None:
    return store.issue_postpaid_bill(code, period_id, due)


@translate_errors
async def async_generate_bills(call: ServiceCall) -> dict[str, Any]:
    """Bill what each targeted account owes for a month, once per account and month."""
    hass = call.hass
    _, end, period_id = period_bounds(hass, {ATTR_MONTH: call.data[ATTR_MONTH]})
    pairs = target_accounts(hass, call, open_only=False)
    due = end + timedelta(days=call.data[ATTR_DUE_DAYS])
    issued: list[dict[str, Any]] = []
    nothing_owed: list[str] = []
    for entry, code in pairs:
        ledger = entry.runtime_data.ledger
        known = {b.bill_id for b in await ledger.run(partial(_bills, code))}
        bill_id = await ledger.run(partial(_issue, code, period_id, due))
        bills = await ledger.run(partial(_bills, code))
        balance = await ledger.balance(code)
        if bill_id is None:
            nothing_owed.append(code)
            continue
        info = next(b for b in bills if b.bill_id == bill_id)
        new = bill_id not in known
        issued.append(_bill_data(hass, info, new))
        if new:
            setup = entry.runtime_data.coordinator.accounts[code]
            hass.bus.async_fire(
                EVENT_BILL_ISSUED,
                BillIssued(
                    account_id=code,
                    account_name=setup.tenant,
                    room=setup.room,
                    balance=_money(hass, balance),
                    currency=hass.config.currency,
                    bill_id=str(bill_id),
                    amount=_money(hass, info.amount),
                    period=period_id,
                    due_date=info.due.date().isoformat(),
                ).as_data(),
                context=call.context,
            )
    return {
        "period": period_id,
        "bills": issued,
        "nothing_owed": sorted(nothing_owed),
        "currency": hass.config.currency,
    }


async def _find_bill(hass: HomeAssistant, call: ServiceCall, bill_id: int) -> tuple[Any, BillInfo]:
    """Return (ledger, bill): by the account when given, else in the one ledger that has it."""
    if call.data.get(ATTR_DEVICE_ID):
        entry, code = account_of(hass, call.data[ATTR_DEVICE_ID])
        ledgers = [entry.runtime_data.ledger]
    else:
        code = None
        # Gateways may keep their ledgers in different places; each ledger numbers its bills.
        ledgers = list(
            {
                id(e.runtime_data.ledger): e.runtime_data.ledger for e in loaded_entries(hass)
            }.values()
        )
    found: list[tuple[Any, BillInfo]] = []
    for ledger in ledgers:
        bills = await ledger.run(lambda s: s.bills(code))
        found.extend((ledger, info) for info in bills if info.bill_id == bill_id)
    if not found:
        raise invalid("unknown_bill", bill=str(bill_id))
    if len(found) > 1:
        raise invalid("bill_ambiguous", bill=str(bill_id))
    return found[0]


@translate_errors
async def async_mark_bill_paid(call: ServiceCall) -> dict[str, Any]:
    """Record a bill as paid in full, once per payment id."""
    hass = call.hass
    key = request_key(call.data[ATTR_PAYMENT_ID])
    bill_id = int(call.data[ATTR_BILL_ID])
    ledger, info = await _find_bill(hass, call, bill_id)
    result = await ledger.run(lambda s: s.pay_bill(bill_id, f"bill:{key}"))
    balance = await ledger.balance(info.account)
    for entry in loaded_entries(hass):
        if info.account in entry.runtime_data.coordinator.accounts:
            # Paying a usage bill credits the wallet: supply may come back now.
            balance = (await entry.runtime_data.coordinator.async_refresh_balances()).get(
                info.account, balance
            )
    return {
        "bill_id": bill_id,
        "account_id": info.account,
        "entry_id": result.entry_id,
        "replayed": result.replayed,
        "amount": _money(hass, result.amount),
        "balance": _money(hass, balance),
        "currency": hass.config.currency,
    }


def _price_minor(hass: HomeAssistant, raw: Any, pool_milli: int) -> int:
    """Return the pool priced at a unit price typed by a person, rounded half up."""
    text = str(raw).strip()
    try:
        price = Decimal(text)
    except InvalidOperation as err:
        raise invalid("invalid_amount", value=text[:40]) from err
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        raise invalid("invalid_amount", value=text[:40])
    exponent = currency_exponent(hass.config.currency)
    amount = Decimal(pool_milli) / 1000 * price
    return int(amount.scaleb(exponent).to_integral_value(ROUND_HALF_UP))


def _recorded(store: LedgerStore, pool: str, period_id: str) -> read.ApportionRun | None:
    """Return the earlier split of this pool and period, as recorded when it ran, or None."""
    with store.reading() as conn:
        runs = read.apportionments(conn, 0, 99_991_231, 1, pool=pool, period=period_id)
    return runs[0] if runs else None


def _recorded_pool(run: read.ApportionRun | None) -> CommonArea | None:
    """Return the meter figures a split was made from (None: none, or from before version 3)."""
    if (
        run is None
        or run.master_milli is None
        or run.subs_milli is None
        or run.pool_milli is None
        or run.loss_per_mille is None
    ):
        return None
    return CommonArea(
        run.master_milli,
        run.subs_milli,
        run.pool_milli,
        run.master_milli - run.subs_milli,
        run.loss_per_mille,
    )


@translate_errors
async def async_apportion(call: ServiceCall) -> dict[str, Any]:
    """Split a master meter's unmetered consumption (or a given amount) among accounts."""
    hass = call.hass
    start, end, period_id = period_bounds(hass, call.data)
    entry, master = meter_of(hass, call.data[ATTR_MASTER])
    pairs = target_accounts(hass, call)
    if any(e.entry_id != entry.entry_id for e, _ in pairs):
        raise invalid("apportion_other_gateway")
    coordinator = entry.runtime_data.coordinator
    codes = sorted(code for _, code in pairs)
    subs = sorted({m for c in codes for m in coordinator.accounts[c].meters})
    if master in subs:
        raise invalid("apportion_master_held", meter=coordinator.meters[master].name)
    if ATTR_AMOUNT not in call.data and ATTR_PRICE not in call.data:
        raise invalid("apportion_needs_money")
    ledger = entry.runtime_data.ledger
    method = call.data[ATTR_METHOD]
    pool_key = f"common:{master}"
    # The same call again is a replay: it is priced from the pool and weighed with the
    # usage recorded when the split ran (meters have read more since), so it finds the same
    # entry instead of a conflict. Other accounts or another amount still conflict.
    earlier = await ledger.run(lambda s: _recorded(s, pool_key, period_id))
    pool = _recorded_pool(earlier)
    if pool is None:
        pool = await ledger.run(lambda s: s.common_area(master, subs, start, end))
    if method == "usage" and earlier and earlier.weights and set(earlier.weights) == set(codes):
        weights = earlier.weights
    elif method == "usage":
        weights = await ledger.run(lambda s: s.usage_weights(codes, start, end))
    elif method == "area":
        weights = {c: area_centi_m2(coordinator.accounts[c].area_m2) for c in codes}
    else:
        weights = dict.fromkeys(codes, 1)
    if ATTR_AMOUNT in call.data:
        amount = amount_minor(call.data[ATTR_AMOUNT], currency_exponent(hass.config.currency))
    else:
        amount = _price_minor(hass, call.data[ATTR_PRICE], pool.pool_milli)
    collection = FeeCollection(call.data[ATTR_COLLECTION])
    result, shares = await ledger.run(
        lambda s: s.apportion(
            pool_key,
            period_id,
            amount,
            weights,
            collection=collection,
            method=method,
            master=master,
            common=pool,
        )
    )
    await coordinator.async_refresh_balances()
    return {
        "period": period_id,
        "master_meter": master,
        "method": method,
        "entry_id": result.entry_id,
        "replayed": result.replayed,
        "amount": _money(hass, amount),
        "shares": {code: _money(hass, share) for code, share in shares.items()},
        "master_quantity": str(Decimal(pool.master_milli).scaleb(-3)),
        "sub_meters_quantity": str(Decimal(pool.subs_milli).scaleb(-3)),
        "pool_quantity": str(Decimal(pool.pool_milli).scaleb(-3)),
        "difference_quantity": str(Decimal(pool.difference_milli).scaleb(-3)),
        "loss_per_mille": pool.loss_per_mille,
        "currency": hass.config.currency,
    }
