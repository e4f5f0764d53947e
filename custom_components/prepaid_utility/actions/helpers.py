"""What every service handler shares: reading a request, and turning refusals into errors.

Targets (devices, areas, labels) resolve to tenant accounts of loaded gateways; anything that
does not resolve is refused before the ledger is touched, so bad input changes nothing. A
handler just calls the domain: :func:`translate_errors` turns every ``PrepaidError`` it lets
through into the translated Home Assistant error a person sees.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Coroutine
from decimal import Decimal, InvalidOperation
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.target import TargetSelection, async_extract_referenced_entity_ids

from ..accounts.setup import is_closed
from ..billing.errors import InvalidAmount, LedgerConflict, LedgerUnavailable, PrepaidError
from ..billing.money import parse_money
from ..const import DOMAIN
from ..coordinator import PrepaidConfigEntry

MAX_READING = Decimal(100_000_000)
MAX_AMOUNT = Decimal(1_000_000)
_REQUEST_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")

# A reused idempotency key says something different per kind of entry: an order id of a
# payment, a split of a pool and period, a fee of a period; anything else is one request.
CONFLICT_KEYS = {
    "recharge": "idempotency_conflict",
    "refund": "idempotency_conflict",
    "apportion": "apportion_conflict",
    "fee": "fee_conflict",
}


def invalid(translation_key: str, **placeholders: str) -> ServiceValidationError:
    """Return a translated validation error (the request changed nothing)."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )


def translated(err: PrepaidError) -> HomeAssistantError:
    """Return the translated error of a refused domain operation."""
    placeholders = {k: str(v) for k, v in err.placeholders.items()}
    translation_key = err.translation_key
    if isinstance(err, LedgerConflict):
        translation_key = CONFLICT_KEYS.get(placeholders.get("source", ""), "request_conflict")
    if isinstance(err, LedgerUnavailable):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=translation_key,
            translation_placeholders=placeholders,
        )
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )


def translate_errors[**P, R](
    func: Callable[P, Awaitable[R]],
) -> Callable[P, Coroutine[Any, Any, R]]:
    """Let a handler call the domain plainly: a refusal reaches the caller translated."""

    @functools.wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await func(*args, **kwargs)
        except PrepaidError as err:
            raise translated(err) from err

    return wrapper


def amount_minor(raw: Any, exponent: int, *, signed: bool = False) -> int:
    """Return minor units of a positive amount (or a non-zero signed one) typed by a person."""
    text = str(raw).strip()
    try:
        number = Decimal(text)
    except InvalidOperation as err:
        raise invalid("invalid_amount", value=text) from err
    if not number.is_finite() or abs(number) > MAX_AMOUNT:
        raise invalid("invalid_amount", value=text)
    try:
        if signed and number < 0:
            return -parse_money(-number, exponent)
        return parse_money(number, exponent)
    except InvalidAmount as err:
        raise invalid("invalid_amount", value=text) from err


def request_key(raw: Any) -> str:
    """Return an idempotency key (order, refund, fee, settlement id) a caller gave."""
    key = str(raw).strip()
    if not _REQUEST_KEY.match(key):
        raise invalid("invalid_order_id", value=key[:80])
    return key


def loaded_entries(hass: HomeAssistant) -> list[PrepaidConfigEntry]:
    """Return the gateway entries that are loaded."""
    return [
        e for e in hass.config_entries.async_entries(DOMAIN) if e.state is ConfigEntryState.LOADED
    ]


def _subentry_of(hass: HomeAssistant, device_id: str, kinds: str) -> tuple[PrepaidConfigEntry, str]:
    device = dr.async_get(hass).async_get(device_id)
    if device is not None:
        for entry_id in filter(None, [device.config_entry_id]):  # a device has one entry
            entry = hass.config_entries.async_get_entry(entry_id)
            if entry is None or entry.domain != DOMAIN:
                continue
            if entry.state is not ConfigEntryState.LOADED:
                raise invalid("gateway_not_loaded", gateway=entry.title)
            coordinator = entry.runtime_data.coordinator
            known = coordinator.accounts if kinds == "account" else coordinator.meters
            for domain, identifier in device.identifiers:
                key = identifier.removeprefix(f"{entry.entry_id}_")
                if domain == DOMAIN and key in known:
                    return entry, key
    if kinds == "account":
        raise invalid("unknown_account", account=device_id)
    raise invalid("unknown_meter", meter=device_id)


def account_of(hass: HomeAssistant, device_id: str) -> tuple[PrepaidConfigEntry, str]:
    """Return (loaded entry, account code) of an account device."""
    return _subentry_of(hass, str(device_id), "account")


def open_account_of(hass: HomeAssistant, device_id: str) -> tuple[PrepaidConfigEntry, str]:
    """Return (loaded entry, account code) of an account that is not closed (money may go in)."""
    entry, code = account_of(hass, device_id)
    if is_closed(entry, code):
        raise invalid("account_closed", account=entry.subentries[code].title)
    return entry, code


def meter_of(hass: HomeAssistant, device_id: str) -> tuple[PrepaidConfigEntry, str]:
    """Return (loaded entry, meter key) of a meter device."""
    return _subentry_of(hass, str(device_id), "meter")


def target_accounts(
    hass: HomeAssistant, call: ServiceCall, *, open_only: bool = True
) -> list[tuple[PrepaidConfigEntry, str]]:
    """Return the accounts a call targets (devices, or every account in an area or label)."""
    selection = TargetSelection(call.data)
    if not selection.has_any_target:
        raise invalid("no_accounts")
    selected = async_extract_referenced_entity_ids(hass, selection)
    devices = set(selection.device_ids) | selected.referenced_devices
    registry = dr.async_get(hass)
    found: dict[str, tuple[PrepaidConfigEntry, str]] = {}
    for device_id in sorted(devices):
        device = registry.async_get(device_id)
        if device is None:
            raise invalid("unknown_account", account=device_id)
        if getattr(device, "model", None) != "Tenant account":
            if device_id in selection.device_ids:
                raise invalid("unknown_account", account=device.name or device_id)
            continue  # a meter or gateway in the same area: not an account
        entry, code = account_of(hass, device_id)
        if open_only and is_closed(entry, code):
            raise invalid("account_closed", account=device.name or code)
        found[code] = (entry, code)
    if not found:
        raise invalid("no_accounts")
    return list(found.values())


def counter_value(raw: Any) -> Decimal:
    """Return a meter reading typed by a person (kWh or m³, at most 3 decimals)."""
    text = str(raw).strip()
    try:
        value = Decimal(text)
    except InvalidOperation as err:
        raise invalid("invalid_reading", value=text[:40]) from err
    if not value.is_finite() or value < 0 or value > MAX_READING or value.as_tuple().exponent < -3:  # type: ignore[operator]
        raise invalid("invalid_reading", value=text[:40])
    return value
