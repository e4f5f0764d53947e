"""Service actions for tariffs: give accounts a tariff, and push a tariff into Acrel meters.

``set_tariff`` takes many accounts (devices, or every account device in an area or with a
label) and checks all of them before it changes any: an unknown tariff, a tariff of the other
utility, an account without such a meter, or an effective time before a reading already billed
leaves every account as it was. ``push_tariff_to_meter`` writes the prices and the time-of-use
day table into meters that keep their own balance, and reads them back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import floor_registry as fr
from homeassistant.util import dt as dt_util

from ..billing.quantity import UtilityKind
from ..const import DOMAIN
from ..tariffs.push import async_push_tariff, check_pushable
from ..tariffs.runtime import GatewayTariffs, PreparedChange, TariffChange, gateway_tariffs
from .helpers import invalid, translate_errors

SERVICE_SET_TARIFF = "set_tariff"
SERVICE_PUSH_TARIFF = "push_tariff_to_meter"
ATTR_DEVICE_ID = "device_id"
ATTR_AREA_ID = "area_id"
ATTR_LABEL_ID = "label_id"
ATTR_FLOOR_ID = "floor_id"
ATTR_ENTITY_ID = "entity_id"
ATTR_TARIFF = "tariff"
ATTR_UTILITY = "utility"
ATTR_EFFECTIVE = "effective"

_IDS = vol.All(cv.ensure_list, [cv.string])

SET_TARIFF_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_DEVICE_ID): _IDS,
        vol.Optional(ATTR_AREA_ID): _IDS,
        vol.Optional(ATTR_LABEL_ID): _IDS,
        vol.Optional(ATTR_FLOOR_ID): _IDS,
        vol.Optional(ATTR_ENTITY_ID): _IDS,
        vol.Required(ATTR_TARIFF): cv.string,
        vol.Optional(ATTR_UTILITY, default=UtilityKind.ELECTRICITY.value): vol.In(
            [k.value for k in UtilityKind]
        ),
        vol.Optional(ATTR_EFFECTIVE): cv.datetime,
    }
)

PUSH_TARIFF_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): _IDS,
        vol.Optional(ATTR_TARIFF): cv.string,
    }
)


def _loaded(hass: HomeAssistant, entry: ConfigEntry) -> GatewayTariffs:
    tariffs = gateway_tariffs(entry)
    if entry.state is not ConfigEntryState.LOADED or tariffs is None:
        raise invalid("gateway_not_loaded", gateway=entry.title)
    return tariffs


def _subentry_of(
    hass: HomeAssistant, device: dr.DeviceEntry | dr.ChildDeviceEntry
) -> tuple[GatewayTariffs, str] | None:
    """Return (gateway tariffs, subentry id) of one of our devices, None for other devices."""
    entry_id = device.config_entry_id
    if entry_id is not None:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            return None
        for domain, identifier in device.identifiers:
            sub = identifier.removeprefix(f"{entry.entry_id}_")
            if domain == DOMAIN and sub in entry.subentries:
                return _loaded(hass, entry), sub
    return None


def _accounts(hass: HomeAssistant, call: ServiceCall) -> list[tuple[GatewayTariffs, str]]:
    """Return every targeted account once; a named device that is no account is refused."""
    registry = dr.async_get(hass)
    found: dict[tuple[str, str], tuple[GatewayTariffs, str]] = {}
    for device_id in call.data.get(ATTR_DEVICE_ID, []):
        device = registry.async_get(device_id)
        target = _subentry_of(hass, device) if device is not None else None
        if target is None or target[1] not in target[0].accounts():
            raise invalid("unknown_account", account=device_id)
        found[(target[0].entry.entry_id, target[1])] = target
    areas = list(call.data.get(ATTR_AREA_ID, []))
    floors = fr.async_get(hass)
    areas += [
        area.id
        for floor in call.data.get(ATTR_FLOOR_ID, [])
        if floors.async_get_floor(floor) is not None
        for area in ar.async_get(hass).areas.get_areas_for_floor(floor)
    ]
    entities = er.async_get(hass)
    devices = (
        [
            device
            for entity_id in call.data.get(ATTR_ENTITY_ID, [])
            if (entity := entities.async_get(entity_id)) is not None and entity.device_id
            if (device := registry.async_get(entity.device_id)) is not None
        ]
        + [device for area in areas for device in dr.async_entries_for_area(registry, area)]
        + [
            device
            for label in call.data.get(ATTR_LABEL_ID, [])
            for device in dr.async_entries_for_label(registry, label)
        ]
    )
    for device in devices:
        target = _subentry_of(hass, device)
        if target is not None and target[1] in target[0].accounts():
            found[(target[0].entry.entry_id, target[1])] = target
    if not found:
        raise invalid("no_accounts_targeted")
    return list(found.values())


def _effective(raw: datetime | None) -> datetime | None:
    if raw is None:
        return None
    if raw.tzinfo is None:  # a time without zone is the home's local time
        raw = raw.replace(tzinfo=dt_util.get_default_time_zone())
    return dt_util.as_utc(raw)


@translate_errors
async def async_set_tariffs(
    targets: list[tuple[GatewayTariffs, str]],
    kind: UtilityKind,
    name: str,
    effective: datetime | None,
) -> ServiceResponse:
    """Check every account of every gateway, then change them all (or none)."""
    by_gateway: dict[str, tuple[GatewayTariffs, list[TariffChange]]] = {}
    for tariffs, code in targets:
        change = tariffs.validate(code, kind, name)
        by_gateway.setdefault(tariffs.entry.entry_id, (tariffs, []))[1].append(change)
    prepared: list[PreparedChange] = []
    for tariffs, changes in by_gateway.values():
        prepared.append(await tariffs.async_prepare(changes, effective or tariffs.now()))
    changed: list[dict[str, str]] = []
    for ready in prepared:
        changed.extend(await ready.async_commit())
    return {
        "effective": prepared[0].at.isoformat(),
        "changed": changed,  # type: ignore[dict-item]
    }


@translate_errors
async def async_set_tariff(call: ServiceCall) -> ServiceResponse:
    """Give the targeted accounts a tariff from now or from a given time."""
    targets = _accounts(call.hass, call)
    return await async_set_tariffs(
        targets,
        UtilityKind(call.data[ATTR_UTILITY]),
        str(call.data[ATTR_TARIFF]).strip(),
        _effective(call.data.get(ATTR_EFFECTIVE)),
    )


@translate_errors
async def async_push_tariff_to_meter(call: ServiceCall) -> ServiceResponse:
    """Write a tariff's prices and day table into meters, read back; all checked first."""
    hass = call.hass
    registry = dr.async_get(hass)
    plans: list[Any] = []
    for device_id in call.data[ATTR_DEVICE_ID]:
        device = registry.async_get(device_id)
        target = _subentry_of(hass, device) if device is not None else None
        if target is None or target[1] not in target[0].meters:
            raise invalid("unknown_meter", meter=device_id)
        tariffs, meter_id = target
        plans.append(check_pushable(tariffs, meter_id, call.data.get(ATTR_TARIFF)))
    results = [await async_push_tariff(plan) for plan in plans]
    return {"meters": results}  # type: ignore[dict-item]
