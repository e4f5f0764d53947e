"""Helpers for the ledger-operation service tests: accounts, calls, and "nothing changed"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from sqlalchemy import func, select

from custom_components.prepaid_utility.const import DOMAIN
from custom_components.prepaid_utility.ledger.schema import bill, journal_entry, meter_generation

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
FAR = datetime(2100, 1, 1, tzinfo=UTC)


def meter_key(entry: Any, unit: int) -> str:
    return next(s.subentry_id for s in entry.subentries.values() if s.unique_id == str(unit))


def device_id(hass: HomeAssistant, entry: Any, subentry_id: str) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_{subentry_id}"), entry.entry_id
    )
    assert device is not None
    return device.id


async def call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )


async def open_account(
    hass: HomeAssistant, entry: Any, tenant: str, units: list[int], order_id: str, **extra: Any
) -> tuple[str, str]:
    """Open an account by service; wait for the gateway to reload; return (code, device id)."""
    meters = [device_id(hass, entry, meter_key(entry, u)) for u in units]
    response = await call(
        hass,
        "open_account",
        {
            "config_entry_id": entry.entry_id,
            "tenant": tenant,
            "room": f"Room of {tenant}",
            "meters": meters,
            "order_id": order_id,
            **extra,
        },
    )
    await hass.async_block_till_done()  # the gateway reloads with the new account
    code = response["account_id"]
    return code, device_id(hass, entry, code)


async def snapshot(entry: Any) -> tuple[Any, ...]:
    """Everything a refused request must leave as it was."""

    def read(store: Any) -> tuple[Any, ...]:
        with store.reading() as conn:
            entries = conn.execute(select(func.count()).select_from(journal_entry)).scalar()
            bills = conn.execute(select(func.count()).select_from(bill)).scalar()
            generations = conn.execute(select(func.count()).select_from(meter_generation)).scalar()
        return (entries, bills, generations, tuple(sorted(store.balances().items())))

    ledger = await entry.runtime_data.ledger.run(read)
    fees = entry.runtime_data.coordinator.fees
    subentries = sorted(
        (s.subentry_id, repr(sorted(s.data.items()))) for s in entry.subentries.values()
    )
    return (ledger, repr(sorted(fees.fees.items())), subentries)
