"""Opening and closing tenant accounts by service (``open_account``, ``close_account``).

Opening runs the same subentry flow a person uses in the UI, so the rules are the same; an
opening balance is a recharge with the request's order id. Closing is the move-out settlement:
the meters are read now and the final readings billed, fees due are charged, the balance is
refunded (or billed when negative), the ledger marks the account closed, supply is cut (unless
the account is protected) and ``prepaid_utility_account_closed`` is fired. With a meter silent
(or the ledger unwritable) nothing can be settled correctly: the request is refused and
changes nothing.
"""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util

from ..accounts.setup import CLOSED_AT
from ..billing.money import format_money
from ..const import (
    CONF_AREA_M2,
    CONF_LOW_1,
    CONF_LOW_2,
    CONF_LOW_3,
    CONF_METERS,
    CONF_OVERDRAFT,
    CONF_PROTECTED,
    CONF_RESTORE_ABOVE,
    CONF_ROOM,
    CONF_TENANT,
    DEFAULT_LOW_LEVELS,
    DOMAIN,
    SUBENTRY_ACCOUNT,
)
from ..events import EVENT_ACCOUNT_CLOSED, AccountClosed
from ..ledger import LedgerStore
from ..meters.reading import MeterReading
from ..money.billing_cycle import counter_reading
from ..money.ledger_runtime import currency_exponent
from .helpers import account_of, amount_minor, invalid, meter_of, request_key, translate_errors

SERVICE_OPEN_ACCOUNT = "open_account"
SERVICE_CLOSE_ACCOUNT = "close_account"
ATTR_CONFIG_ENTRY = "config_entry_id"
ATTR_OPENING_BALANCE = "opening_balance"
ATTR_ORDER_ID = "order_id"
ATTR_DEVICE_ID = "device_id"
ATTR_SETTLEMENT_ID = "settlement_id"
OPENED_BY = "opened_by"  # the open_account order id, kept in the subentry: a replay finds it
SETTLEMENT = "settlement"  # the close_account answer, kept in the subentry for replays

OPEN_ACCOUNT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY): cv.string,
        vol.Required(CONF_TENANT): cv.string,
        vol.Optional(CONF_ROOM, default=""): cv.string,
        vol.Required(CONF_METERS): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(CONF_AREA_M2, default=0): vol.Coerce(float),
        vol.Optional(CONF_LOW_1, default=DEFAULT_LOW_LEVELS[0]): vol.Coerce(str),
        vol.Optional(CONF_LOW_2, default=DEFAULT_LOW_LEVELS[1]): vol.Coerce(str),
        vol.Optional(CONF_LOW_3, default=DEFAULT_LOW_LEVELS[2]): vol.Coerce(str),
        vol.Optional(CONF_OVERDRAFT, default="0"): vol.Coerce(str),
        vol.Optional(CONF_RESTORE_ABOVE, default="0"): vol.Coerce(str),
        vol.Optional(CONF_PROTECTED, default=False): cv.boolean,
        vol.Optional(ATTR_OPENING_BALANCE): vol.Any(cv.string, vol.Coerce(str)),
        vol.Required(ATTR_ORDER_ID): cv.string,
    }
)

CLOSE_ACCOUNT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_SETTLEMENT_ID): cv.string,
    }
)


def _gateway(hass: HomeAssistant, entry_id: str) -> ConfigEntry:
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise invalid("unknown_gateway", gateway=entry_id[:40])
    if entry.state is not config_entries.ConfigEntryState.LOADED:
        raise invalid("gateway_not_loaded", gateway=entry.title)
    return entry


async def _run_account_flow(
    hass: HomeAssistant, entry: ConfigEntry, user_input: dict[str, Any]
) -> str:
    """Create the account subentry through its flow; return the new subentry id."""
    manager = hass.config_entries.subentries
    result = await manager.async_init(
        (entry.entry_id, SUBENTRY_ACCOUNT), context={"source": config_entries.SOURCE_USER}
    )
    if result["type"] is FlowResultType.ABORT:
        raise invalid("account_refused", errors=str(result.get("reason")))
    before = set(entry.subentries)
    result = await manager.async_configure(result["flow_id"], user_input)
    if result["type"] is not FlowResultType.CREATE_ENTRY:
        if result["type"] is FlowResultType.FORM:
            manager.async_abort(result["flow_id"])
        errors = result.get("errors") or {}
        text = ", ".join(f"{field}: {error}" for field, error in sorted(errors.items()))
        raise invalid("account_refused", errors=text or str(result.get("reason")))
    (code,) = set(entry.subentries) - before
    return code


@translate_errors
async def async_open_account(call: ServiceCall) -> dict[str, Any]:
    """Open a tenant account (a subentry) with an optional opening balance."""
    hass = call.hass
    order_id = request_key(call.data[ATTR_ORDER_ID])
    entry = _gateway(hass, call.data[ATTR_CONFIG_ENTRY])
    exponent = currency_exponent(hass.config.currency)
    opening = call.data.get(ATTR_OPENING_BALANCE)
    minor = amount_minor(opening, exponent) if opening not in {None, ""} else 0
    existing = next(
        (s for s in entry.subentries.values() if s.data.get(OPENED_BY) == order_id), None
    )
    replayed = existing is not None
    if existing is None:
        meters = [meter_of(hass, device)[1] for device in call.data[CONF_METERS]]
        user_input = {
            CONF_TENANT: call.data[CONF_TENANT],
            CONF_ROOM: call.data[CONF_ROOM],
            CONF_METERS: meters,
            CONF_AREA_M2: call.data[CONF_AREA_M2],
            CONF_LOW_1: call.data[CONF_LOW_1],
            CONF_LOW_2: call.data[CONF_LOW_2],
            CONF_LOW_3: call.data[CONF_LOW_3],
            CONF_OVERDRAFT: call.data[CONF_OVERDRAFT],
            CONF_RESTORE_ABOVE: call.data[CONF_RESTORE_ABOVE],
            CONF_PROTECTED: call.data[CONF_PROTECTED],
        }
        code = await _run_account_flow(hass, entry, user_input)
        sub = entry.subentries[code]
        hass.config_entries.async_update_subentry(
            entry, sub, data={**sub.data, OPENED_BY: order_id}
        )
    else:
        code = existing.subentry_id
    ledger = entry.runtime_data.ledger
    actor = call.context.user_id or "system"

    def credit(store: LedgerStore) -> tuple[int | None, int]:
        # The account exists in the ledger at once (the gateway reloads to show it). One job
        # on the writer thread: it runs before the reload closes the ledger behind it.
        store.create_account(code)
        entry_id = None
        if minor:
            result = store.recharge(code, minor, f"order:{order_id}", method="cash", actor=actor)
            entry_id = result.entry_id
        return entry_id, store.balance(code)

    entry_id, balance = await ledger.run(credit)
    return {
        "account_id": code,
        "replayed": replayed,
        "opening_balance": str(format_money(minor, exponent)),
        "entry_id": entry_id,
        "balance": str(format_money(balance, exponent)),
        "currency": hass.config.currency,
    }


async def _read_now(entry: ConfigEntry, code: str) -> dict[str, MeterReading]:
    """Read every meter of the account now; refuse when one does not answer."""
    coordinator = entry.runtime_data.coordinator
    setup = coordinator.accounts[code]
    if coordinator.billing is None or coordinator.billing.in_doubt:
        raise invalid("readings_in_doubt", account=setup.tenant, meter="ledger")
    readings: dict[str, MeterReading] = {}
    for key in setup.meters:
        if key not in coordinator.meters:
            continue
        try:
            readings[key] = await coordinator.meters[key].meter.read()
        except Exception as err:
            raise invalid(
                "readings_in_doubt", account=setup.tenant, meter=coordinator.meters[key].name
            ) from err
    return readings


@translate_errors
async def async_close_account(call: ServiceCall) -> dict[str, Any]:
    """Settle and close an account: final readings, fees due, refund or bill, cut, event."""
    hass = call.hass
    key = request_key(call.data[ATTR_SETTLEMENT_ID])
    entry, code = account_of(hass, call.data[ATTR_DEVICE_ID])
    sub = entry.subentries[code]
    if sub.data.get(CLOSED_AT):
        settled = dict(sub.data.get(SETTLEMENT) or {})
        if settled.get(ATTR_SETTLEMENT_ID) != key:
            raise invalid("account_closed", account=sub.title)
        return {**settled, "replayed": True}
    coordinator = entry.runtime_data.coordinator
    setup = coordinator.accounts[code]
    readings = await _read_now(entry, code)
    exponent = currency_exponent(hass.config.currency)
    ledger = entry.runtime_data.ledger
    at = max([coordinator.clock(), *(r.taken_at for r in readings.values())])
    closing = [counter_reading(coordinator.meters[k], r) for k, r in readings.items()]
    if coordinator.fees is not None:
        await coordinator.fees.async_charge_due(coordinator.accounts, only=code)
    balance_before = await ledger.balance(code)
    settlement = await ledger.move_out(code, at, closing, f"close:{key}")
    info = await ledger.account(code)
    # Orders of a closed account are not credited any more: the webhook answers "closed".
    await entry.runtime_data.orders.async_drop_account(code)
    closing_balance = settlement.refunded - settlement.billed
    cut: dict[str, str] = {}
    if not setup.policy.protected:
        for meter_key in setup.meters:
            if meter_key in coordinator.meters and coordinator.meters[meter_key].has_supply:
                result = await coordinator.async_set_supply(meter_key, False)
                cut[meter_key] = result.outcome.value
    response: dict[str, Any] = {
        "account_id": code,
        ATTR_SETTLEMENT_ID: key,
        "replayed": False,
        "balance_before_final_readings": str(format_money(balance_before, exponent)),
        "closing_balance": str(format_money(closing_balance, exponent)),
        "refundable": str(format_money(settlement.refunded, exponent)),
        "refunded": str(format_money(settlement.refunded, exponent)),
        "billed": str(format_money(settlement.billed, exponent)),
        "bill_id": settlement.bill_id,
        "closed": info.closed,
        "supply_cut": cut,
        "currency": hass.config.currency,
    }
    hass.bus.async_fire(
        EVENT_ACCOUNT_CLOSED,
        AccountClosed(
            account_id=code,
            account_name=setup.tenant,
            room=setup.room,
            balance=response["closing_balance"],
            currency=hass.config.currency,
            refunded=response["refunded"],
            billed=response["billed"],
            bill_id=None if settlement.bill_id is None else str(settlement.bill_id),
            settlement_id=key,
        ).as_data(),
        context=call.context,
    )
    # The meters go back to the building (vacant, free for the next tenant); the account keeps
    # its device and history. Changing the subentry reloads the gateway.
    hass.config_entries.async_update_subentry(
        entry,
        sub,
        data={
            **sub.data,
            CONF_METERS: [],
            CLOSED_AT: dt_util.utcnow().isoformat(),
            SETTLEMENT: response,
        },
    )
    return response
