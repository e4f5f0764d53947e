"""What follows a money movement, whoever asked for it (service, webhook, card).

Balances are read again and published at once, the account is reviewed (a top-up restores
supply now, not at the next poll), and a real credit (not a replay) is announced.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import Context, HomeAssistant

from ..billing.money import format_money
from ..events import EVENT_RECHARGED, Recharged
from ..ledger.journal import EntryResult
from .ledger_runtime import currency_exponent


async def async_money_response(
    hass: HomeAssistant, entry: Any, code: str, result: EntryResult
) -> dict[str, Any]:
    """Publish the account's new balance; return what a money service answers."""
    exponent = currency_exponent(hass.config.currency)
    balance = await entry.runtime_data.coordinator.async_refresh_balances()
    return {
        "account_id": code,
        "entry_id": result.entry_id,
        "replayed": result.replayed,
        "amount": str(format_money(result.amount, exponent)),
        "balance": str(format_money(balance.get(code, 0), exponent)),
        "currency": hass.config.currency,
    }


async def async_after_recharge(
    hass: HomeAssistant,
    entry: Any,
    code: str,
    result: EntryResult,
    *,
    order_id: str,
    method: str,
    context: Context | None,
) -> dict[str, Any]:
    """Publish, review and announce a recharge; return the service answer."""
    response = await async_money_response(hass, entry, code, result)
    if not result.replayed:
        account = entry.runtime_data.coordinator.accounts[code]
        hass.bus.async_fire(
            EVENT_RECHARGED,
            Recharged(
                account_id=code,
                account_name=account.tenant,
                room=account.room,
                balance=str(response["balance"]),
                currency=hass.config.currency,
                amount=str(response["amount"]),
                order_id=order_id,
                entry_id=str(result.entry_id),
                method=method,
            ).as_data(),
            context=context,
        )
    return response
