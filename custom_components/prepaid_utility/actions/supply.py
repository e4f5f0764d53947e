"""Service actions over supply: manual relay and valve control, protection, emergency credit.

``relay_control`` and ``valve_control`` take a Home Assistant target (meters, accounts, the
gateway, areas, labels) and force the matching relays or valves on or off, or hand them back to
the balance (``auto``). The override is saved and reconciled like any desired state: written,
read back, retried while the meter is offline, never toggled twice; the answer lists the meters
still to confirm. ``set_protection`` changes an account's "never cut" flag and protected hours
in its subentry (what its reconfigure form shows). ``grant_emergency_credit`` gives the
emergency credit the resident's button gives. All of them are admin-only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import time
from types import MappingProxyType
from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.target import TargetSelection, async_extract_referenced_entity_ids

from ..accounts.rules import policy_from
from ..accounts.setup import is_closed
from ..billing.errors import InvalidAmount, LedgerConflict, PrepaidError
from ..billing.money import format_money
from ..const import (
    CONF_PROTECTED,
    CONF_PROTECTED_END,
    CONF_PROTECTED_START,
    DOMAIN,
)
from ..coordinator import PrepaidConfigEntry
from ..meters.reading import Medium
from ..money.ledger_runtime import currency_exponent
from ..money.recharges import async_money_response
from ..supply.emergency_credit import CONF_EMERGENCY_CREDIT
from ..tariffs.catalog import reload_signature
from .helpers import account_of, amount_minor, invalid, translate_errors

_LOGGER = logging.getLogger(__name__)

SERVICE_RELAY = "relay_control"
SERVICE_VALVE = "valve_control"
SERVICE_PROTECTION = "set_protection"
SERVICE_EMERGENCY = "grant_emergency_credit"
ATTR_MODE = "mode"
ATTR_PROTECTED = "protected"
ATTR_START = "protected_start"
ATTR_END = "protected_end"
ATTR_CLEAR_HOURS = "clear_protected_hours"
ATTR_DEVICE_ID = "device_id"
ATTR_AMOUNT = "amount"
MODES = {"on": True, "off": False, "auto": None}

CONTROL_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_MODE): vol.In(list(MODES)),
        **cv.TARGET_SERVICE_FIELDS,
    }
)

PROTECTION_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_PROTECTED): cv.boolean,
        vol.Optional(ATTR_START): cv.time,
        vol.Optional(ATTR_END): cv.time,
        vol.Optional(ATTR_CLEAR_HOURS, default=False): cv.boolean,
    }
)

EMERGENCY_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Optional(ATTR_AMOUNT): vol.Any(cv.string, vol.Coerce(str)),
    }
)


@dataclass(slots=True)
class _Targets:
    """Meters chosen on one gateway entry."""

    entry: PrepaidConfigEntry
    meters: set[str] = field(default_factory=set)


def _our_devices(hass: HomeAssistant, call: ServiceCall) -> tuple[set[str], set[str]]:
    """Return (every device the target reaches, the devices named directly)."""
    selection = TargetSelection(call.data)
    if not selection.has_any_target:
        raise invalid("no_supply_target")
    selected = async_extract_referenced_entity_ids(hass, selection)
    devices = set(selected.referenced_devices)
    explicit = set(selection.device_ids)
    registry = er.async_get(hass)
    for entity_id in selected.referenced | selected.indirectly_referenced:
        entity = registry.async_get(entity_id)
        if entity is None or entity.device_id is None:
            if entity_id in selected.referenced:
                raise invalid("not_a_supply_target", target=entity_id)
            continue
        devices.add(entity.device_id)
        if entity_id in selected.referenced:
            explicit.add(entity.device_id)
    return devices, explicit


def _meters_of_device(
    hass: HomeAssistant, device: Any, medium: Medium, explicit: bool
) -> tuple[PrepaidConfigEntry, set[str]] | None:
    """Return (entry, matching meters) of one of our devices; None for anybody else's."""
    for entry_id in filter(None, [device.config_entry_id]):  # a device has one entry
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            continue
        if entry.state is not ConfigEntryState.LOADED:
            if explicit:
                raise invalid("gateway_not_loaded", gateway=entry.title)
            return None
        coordinator = entry.runtime_data.coordinator
        for domain, identifier in device.identifiers:
            if domain != DOMAIN:
                continue
            if identifier == entry.entry_id:
                candidates = set(coordinator.meters)  # the gateway: all its meters
            else:
                code = identifier.removeprefix(f"{entry.entry_id}_")
                if code in coordinator.accounts:
                    candidates = set(coordinator.accounts[code].meters)
                elif code in coordinator.meters:
                    candidates = {code}
                else:
                    continue
            return entry, {
                key
                for key in candidates
                if key in coordinator.meters
                and coordinator.meters[key].has_supply
                and coordinator.meters[key].medium is medium
            }
    return None


def resolve_supply_targets(
    hass: HomeAssistant, call: ServiceCall, medium: Medium
) -> dict[str, _Targets]:
    """Return the relays (or valves) a call reaches, per gateway; refuse a wrong target."""
    devices, explicit = _our_devices(hass, call)
    registry = dr.async_get(hass)
    wrong = "not_a_relay" if medium is Medium.ELECTRICITY else "not_a_valve"
    found: dict[str, _Targets] = {}
    for device_id in sorted(devices):
        device = registry.async_get(device_id)
        named = device_id in explicit
        if device is None:
            if named:
                raise invalid("not_a_supply_target", target=device_id)
            continue
        match = _meters_of_device(hass, device, medium, named)
        if match is None or not match[1]:
            if named:
                raise invalid(wrong, target=device.name_by_user or device.name or device_id)
            continue
        entry, meters = match
        found.setdefault(entry.entry_id, _Targets(entry)).meters |= meters
    if not found:
        raise invalid("no_supply_target")
    return found


async def _async_control(call: ServiceCall, medium: Medium) -> ServiceResponse:
    mode = str(call.data[ATTR_MODE])
    value = MODES[mode]
    chosen = resolve_supply_targets(call.hass, call, medium)  # validated before any change
    for targets in chosen.values():
        targets.entry.runtime_data.coordinator.require_driving()
    answer: list[Any] = []
    for targets in chosen.values():
        runtime = targets.entry.runtime_data
        coordinator = runtime.coordinator
        supervisor = coordinator.supervisor
        supervisor.set_override(targets.meters, value)
        await runtime.overrides.async_save(supervisor.overrides)
        try:
            await coordinator.async_refresh_balances()
        except PrepaidError as err:
            # Saved all the same: the first review the ledger allows sends it (listed pending).
            _LOGGER.warning("%s: supply override not sent yet: %s", targets.entry.title, err)
        pending = supervisor.pending_meters()
        for key in sorted(targets.meters):
            status = coordinator.data.meters[key]
            answer.append(
                {
                    "meter": coordinator.meters[key].name,
                    "meter_id": key,
                    "gateway": targets.entry.title,
                    "override": mode if value is not None else "auto",
                    "state": status.supply.value,
                    "pending": key in pending,
                }
            )
    return {
        "mode": mode,
        "targets": answer,
        "pending": [t["meter"] for t in answer if t["pending"]],
    }


@translate_errors
async def async_relay(call: ServiceCall) -> ServiceResponse:
    """Force electricity meters' relays on or off, or hand them back to the balance."""
    return await _async_control(call, Medium.ELECTRICITY)


@translate_errors
async def async_valve(call: ServiceCall) -> ServiceResponse:
    """Force water meters' valves open or closed, or hand them back to the balance."""
    return await _async_control(call, Medium.WATER)


def _time_text(value: time) -> str:
    return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")


@translate_errors
async def async_set_protection(call: ServiceCall) -> ServiceResponse:
    """Mark accounts "never cut" (or not) and set or clear their protected hours."""
    hass = call.hass
    data = call.data
    start, end = data.get(ATTR_START), data.get(ATTR_END)
    clear = bool(data[ATTR_CLEAR_HOURS])
    if (start is None) != (end is None) or (clear and start is not None):
        raise invalid("protection_hours_incomplete")
    if ATTR_PROTECTED not in data and start is None and not clear:
        raise invalid("protection_nothing_to_change")
    exponent = currency_exponent(hass.config.currency)
    changes: list[tuple[PrepaidConfigEntry, str, dict[str, Any]]] = []
    for device_id in dict.fromkeys(data[ATTR_DEVICE_ID]):
        entry, code = account_of(hass, device_id)
        subentry = entry.subentries[code]
        new = dict(subentry.data)
        if ATTR_PROTECTED in data:
            new[CONF_PROTECTED] = bool(data[ATTR_PROTECTED])
        if start is not None and end is not None:
            new[CONF_PROTECTED_START] = _time_text(start)
            new[CONF_PROTECTED_END] = _time_text(end)
        if clear:
            new[CONF_PROTECTED_START] = new[CONF_PROTECTED_END] = ""
        try:
            policy_from(new, exponent)
        except InvalidAmount as err:
            raise invalid("protection_invalid", account=subentry.title) from err
        changes.append((entry, code, new))
    # Every account was checked before the first is changed.
    answer: list[Any] = []
    for entry, code, new in changes:
        _apply_protection(hass, entry, code, new, exponent)
    for entry in {id(e): e for e, _, _ in changes}.values():
        await entry.runtime_data.coordinator.async_refresh_balances()
    for entry, code, new in changes:
        state = entry.runtime_data.coordinator.data.accounts.get(code)
        answer.append(
            {
                "account_id": code,
                "account_name": entry.subentries[code].title,
                "protected": bool(new.get(CONF_PROTECTED, False)),
                "protected_start": new.get(CONF_PROTECTED_START) or None,
                "protected_end": new.get(CONF_PROTECTED_END) or None,
                "hold": None if state is None else state.hold,
            }
        )
    return {"accounts": answer}


def _apply_protection(
    hass: HomeAssistant, entry: PrepaidConfigEntry, code: str, new: dict[str, Any], exponent: int
) -> None:
    """Save the rules in the subentry and use them now, without reloading the gateway."""
    coordinator = entry.runtime_data.coordinator
    coordinator.accounts[code] = replace(
        coordinator.accounts[code], policy=policy_from(new, exponent)
    )
    # The new rules are in force already, so the update listener (which runs inside the update)
    # must find nothing to reload: it is shown the gateway's settings as they are about to be.
    subentry = entry.subentries[code]
    after = {**entry.subentries, code: replace(subentry, data=MappingProxyType(new))}
    entry.runtime_data.signature = reload_signature(entry.options, after.values())
    hass.config_entries.async_update_subentry(entry, subentry, data=new)


@translate_errors
async def async_claim_emergency(
    hass: HomeAssistant,
    entry: PrepaidConfigEntry,
    code: str,
    *,
    actor: str,
    amount: int | None = None,
) -> dict[str, Any]:
    """Credit emergency credit once per claim cycle; raise a translated error otherwise."""
    coordinator = entry.runtime_data.coordinator
    credit = coordinator.emergency
    setup = coordinator.accounts[code]
    if is_closed(entry, code):
        raise invalid("account_closed", account=setup.tenant)
    exponent = currency_exponent(hass.config.currency)
    if amount is None:
        configured = str(entry.options.get(CONF_EMERGENCY_CREDIT) or "").strip()
        amount = amount_minor(configured, exponent) if configured else setup.thresholds.low_1
    if amount <= 0:
        raise invalid("emergency_credit_unavailable", account=setup.tenant)
    status, balance = await credit.async_status(code)
    if not status.claimable:
        raise invalid("emergency_credit_claimed", account=setup.tenant)
    if balance > setup.thresholds.low_3:
        raise invalid(
            "emergency_balance_not_low",
            account=setup.tenant,
            balance=str(format_money(balance, exponent)),
            level=str(format_money(setup.thresholds.low_3, exponent)),
        )
    try:
        result = await credit.async_claim(code, status.cycle, amount, actor)
    except LedgerConflict as err:  # claimed at the same moment with another amount
        raise invalid("emergency_credit_claimed", account=setup.tenant) from err
    response = await async_money_response(hass, entry, code, result)
    state = coordinator.supervisor.states.get(code)
    response["claim"] = status.cycle
    response["supply"] = "on" if state is None or state.supply_on else "off"
    return response


@translate_errors
async def async_grant_emergency(call: ServiceCall) -> ServiceResponse:
    """Give an account its emergency credit (as its resident's button would)."""
    entry, code = account_of(call.hass, call.data[ATTR_DEVICE_ID])
    amount = None
    if (raw := call.data.get(ATTR_AMOUNT)) not in (None, ""):
        amount = amount_minor(raw, currency_exponent(call.hass.config.currency))
    return await async_claim_emergency(
        call.hass, entry, code, actor=call.context.user_id or "system", amount=amount
    )
