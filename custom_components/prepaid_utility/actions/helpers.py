"""What the ledger-operation services share: finding accounts and meters, periods, readings.

Targets (devices, areas, labels) resolve to tenant accounts of loaded gateways; anything that
does not resolve is refused before the ledger is touched, so bad input changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.target import TargetSelection, async_extract_referenced_entity_ids

from ..const import DOMAIN

ATTR_MONTH = "month"
ATTR_START = "start"
ATTR_END = "end"
CLOSED_AT = "closed_at"  # set in an account subentry's data once the account is settled
MAX_READING = Decimal(100_000_000)
# ASCII digits only: int() would also read full-width or Arabic-Indic digits as a month.
_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)


def invalid(translation_key: str, **placeholders: str) -> ServiceValidationError:
    """Return a translated validation error (the request changed nothing)."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )


def loaded_entries(hass: HomeAssistant) -> list[ConfigEntry]:
    """Return the gateway entries that are loaded."""
    return [
        e for e in hass.config_entries.async_entries(DOMAIN) if e.state is ConfigEntryState.LOADED
    ]


def _subentry_of(hass: HomeAssistant, device_id: str, kinds: str) -> tuple[ConfigEntry, str]:
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


def account_of(hass: HomeAssistant, device_id: str) -> tuple[ConfigEntry, str]:
    """Return (loaded entry, account code) of an account device."""
    return _subentry_of(hass, str(device_id), "account")


def meter_of(hass: HomeAssistant, device_id: str) -> tuple[ConfigEntry, str]:
    """Return (loaded entry, meter key) of a meter device."""
    return _subentry_of(hass, str(device_id), "meter")


def is_closed(entry: ConfigEntry, code: str) -> bool:
    """Return whether an account was closed (settled) by ``close_account``."""
    sub = entry.subentries.get(code)
    return sub is not None and bool(sub.data.get(CLOSED_AT))


def target_accounts(
    hass: HomeAssistant, call: ServiceCall, *, open_only: bool = True
) -> list[tuple[ConfigEntry, str]]:
    """Return the accounts a call targets (devices, or every account in an area or label)."""
    selection = TargetSelection(call.data)
    if not selection.has_any_target:
        raise invalid("no_accounts")
    selected = async_extract_referenced_entity_ids(hass, selection)
    devices = set(selection.device_ids) | selected.referenced_devices
    registry = dr.async_get(hass)
    found: dict[str, tuple[ConfigEntry, str]] = {}
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


def period_bounds(hass: HomeAssistant, data: Mapping[str, Any]) -> tuple[datetime, datetime, str]:
    """Return ``[start, end)`` and a period id from ``month`` (YYYY-MM) or ``start``/``end``."""
    zone = ZoneInfo(str(hass.config.time_zone))
    month = data.get(ATTR_MONTH)
    if month is not None:
        match = _MONTH.match(str(month).strip())
        if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
            raise invalid("invalid_period", value=str(month)[:40])
        year, mon = int(match[1]), int(match[2])
        start = datetime(year, mon, 1, tzinfo=zone)
        end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=zone)
        return start, end, f"{year:04d}-{mon:02d}"
    if data.get(ATTR_START) is None or data.get(ATTR_END) is None:
        raise invalid("invalid_period", value="")
    start, end = _instant(data[ATTR_START], zone), _instant(data[ATTR_END], zone)
    if end <= start:
        raise invalid("invalid_period", value=f"{start.isoformat()} .. {end.isoformat()}")
    period_id = f"{start.astimezone(zone):%Y%m%dT%H%M}-{end.astimezone(zone):%Y%m%dT%H%M}"
    return start, end, period_id


def _instant(value: Any, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        instant = value
    elif hasattr(value, "year"):
        instant = datetime.combine(value, time(), tzinfo=zone)
    else:
        try:
            instant = datetime.fromisoformat(str(value))
        except ValueError as err:
            raise invalid("invalid_period", value=str(value)[:40]) from err
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=zone)


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
