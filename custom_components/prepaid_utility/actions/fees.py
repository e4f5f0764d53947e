"""The ``add_fee`` and ``remove_fee`` services: fee items on one or many accounts.

A fee is fixed or per m² of the account's floor area, monthly or once, deducted from the balance
or issued as a bill. Monthly fees are charged by the poll at the start of each month; a one-off
fee is charged at once. The fee id is the idempotency key: the same fee again changes nothing,
the same id with other terms is refused (remove it first; what was charged stays charged).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import ServiceCall
from homeassistant.helpers import config_validation as cv

from ..billing.errors import PrepaidError
from ..billing.fees import FeeBasis, FeeCollection, FeeItem, FeeRecurrence
from ..billing.money import format_money
from ..const import MAX_NAME_LENGTH
from ..money.fee_book import FeeBook, FeeCharge, FeeDefinition, charge_fees
from ..money.ledger_runtime import currency_exponent
from .helpers import amount_minor, invalid, request_key, target_accounts, translate_errors

SERVICE_ADD_FEE = "add_fee"
SERVICE_REMOVE_FEE = "remove_fee"
ATTR_FEE_ID = "fee_id"
ATTR_NAME = "name"
ATTR_AMOUNT = "amount"
ATTR_BASIS = "basis"
ATTR_RECURRENCE = "recurrence"
ATTR_COLLECTION = "collection"

ADD_FEE_SCHEMA = vol.Schema(
    {
        **cv.TARGET_SERVICE_FIELDS,
        vol.Required(ATTR_FEE_ID): cv.string,
        vol.Required(ATTR_NAME): cv.string,
        vol.Required(ATTR_AMOUNT): vol.Any(cv.string, vol.Coerce(str)),
        vol.Optional(ATTR_BASIS, default=FeeBasis.FIXED.value): vol.In([b.value for b in FeeBasis]),
        vol.Optional(ATTR_RECURRENCE, default=FeeRecurrence.MONTHLY.value): vol.In(
            [r.value for r in FeeRecurrence]
        ),
        vol.Optional(ATTR_COLLECTION, default=FeeCollection.DEDUCTED.value): vol.In(
            [c.value for c in FeeCollection]
        ),
    }
)

REMOVE_FEE_SCHEMA = vol.Schema(
    {
        **cv.TARGET_SERVICE_FIELDS,
        vol.Required(ATTR_FEE_ID): cv.string,
    }
)


def _book(entry: ConfigEntry) -> FeeBook:
    book: FeeBook | None = entry.runtime_data.coordinator.fees
    assert book is not None
    return book


def _by_entry(pairs: list[tuple[ConfigEntry, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for entry, code in pairs:
        grouped[entry.entry_id].append(code)
    return grouped


async def _charge(book: FeeBook, plan: list[tuple[str, FeeItem, int]]) -> list[FeeCharge]:
    now = book.clock()
    return await book.ledger.run(lambda store: charge_fees(store, plan, now, strict=True))


@translate_errors
async def async_add_fee(call: ServiceCall) -> dict[str, Any]:
    """Put a fee item on the targeted accounts; a one-off fee is charged now."""
    hass = call.hass
    fee_id = request_key(call.data[ATTR_FEE_ID])
    name = str(call.data[ATTR_NAME]).strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise invalid("invalid_fee_name", value=name[:80])
    exponent = currency_exponent(hass.config.currency)
    amount = amount_minor(call.data[ATTR_AMOUNT], exponent)
    pairs = target_accounts(hass, call)
    entries = {entry.entry_id: entry for entry, _ in pairs}
    grouped = _by_entry(pairs)
    updates: dict[str, dict[str, FeeDefinition]] = {}
    replayed = True
    for entry_id, codes in grouped.items():
        book = _book(entries[entry_id])
        fee = FeeDefinition(
            fee_id=fee_id,
            name=name,
            basis=FeeBasis(call.data[ATTR_BASIS]),
            amount_minor=amount,
            recurrence=FeeRecurrence(call.data[ATTR_RECURRENCE]),
            collection=FeeCollection(call.data[ATTR_COLLECTION]),
            accounts=tuple(sorted(codes)),
        )
        old = book.fees.get(fee_id)
        if old is not None and (old.item, old.name) != (fee.item, fee.name):
            raise invalid("fee_conflict", fee=fee_id)
        if old is not None:
            merged = tuple(sorted(set(old.accounts) | set(codes)))
            replayed = replayed and merged == old.accounts
            fee = FeeDefinition.from_dict({**fee.as_dict(), "accounts": list(merged)})
        else:
            replayed = False
        updates[entry_id] = {**book.fees, fee_id: fee}
    # Checked everything first: now save every book, then charge what is due already.
    charged: list[dict[str, Any]] = []
    for entry_id, fees in updates.items():
        entry = entries[entry_id]
        book = _book(entry)
        before = dict(book.fees)
        book.forget(fee_id)
        await book.async_save(fees)
        coordinator = entry.runtime_data.coordinator
        plan = [p for p in book.plan(coordinator.accounts, book.closed()) if p[1].code == fee_id]
        try:
            charges = await _charge(book, plan)
        except PrepaidError:
            # Refused by the ledger (this id was charged with other terms this period): the
            # book goes back to what it was, so the refused request changes nothing.
            await book.async_save(before)
            raise
        charged.extend(
            {
                "account_id": c.account,
                "period": c.period,
                "amount": str(format_money(c.result.amount, exponent)),
                "entry_id": c.result.entry_id,
                "replayed": c.result.replayed,
            }
            for c in charges
        )
        await coordinator.async_refresh_balances()
    return {
        "fee_id": fee_id,
        "replayed": replayed,
        "accounts": sorted(code for _, code in pairs),
        "charged": charged,
        "currency": hass.config.currency,
    }


@translate_errors
async def async_remove_fee(call: ServiceCall) -> dict[str, Any]:
    """Take a fee item off the targeted accounts (charges already made stay in the ledger)."""
    fee_id = request_key(call.data[ATTR_FEE_ID])
    pairs = target_accounts(call.hass, call, open_only=False)
    entries = {entry.entry_id: entry for entry, _ in pairs}
    grouped = _by_entry(pairs)
    if not any(fee_id in _book(entries[e]).fees for e in grouped):
        raise invalid("unknown_fee", fee=fee_id)
    removed: list[str] = []
    for entry_id, codes in grouped.items():
        book = _book(entries[entry_id])
        fee = book.fees.get(fee_id)
        if fee is None:
            continue
        left = tuple(c for c in fee.accounts if c not in codes)
        removed.extend(c for c in fee.accounts if c in codes)
        fees = dict(book.fees)
        if left:
            fees[fee_id] = FeeDefinition.from_dict({**fee.as_dict(), "accounts": list(left)})
        else:
            del fees[fee_id]
        book.forget(fee_id)
        await book.async_save(fees)
    return {"fee_id": fee_id, "removed_from": sorted(removed)}
