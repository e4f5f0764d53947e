"""From meter subentries to device-layer meters, and what each meter offers as entities.

A subentry stores what a person chose (profile, address, room, breaker rating, or the HA
entities a meter is made of); this module turns it into a ``Meter`` the coordinator can read and
switch, and says which readings the meter's profile really delivers so no entity is created that
would stay "unknown" forever.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant

from .const import (
    CONF_ADDRESS,
    CONF_COUNTER_ENTITY,
    CONF_MEDIUM,
    CONF_PROFILE,
    CONF_ROOM,
    CONF_SUPPLY_ENTITY,
)
from .meters.ha_entity import HaEntityMeter
from .meters.hub import ModbusHub
from .meters.modbus_meter import ModbusMeter
from .meters.profiles import PROFILES, Profile, Role
from .meters.reading import Medium, Meter

# Reading fields each profile role feeds (for HA-entity meters: the counter only).
_ROLE_FIELDS: Mapping[Role, str] = {
    Role.POWER: "power_kw",
    Role.VOLTAGE: "voltage_v",
    Role.CURRENT: "current_a",
    Role.POWER_FACTOR: "power_factor",
    Role.FLOW_RATE: "flow_rate",
    Role.BALANCE: "meter_balance",
    Role.PURCHASE_COUNT: "purchase_count",
    Role.REMAINING_VOLUME: "remaining_volume",
    Role.BATTERY: "battery_v",
}


@dataclass(frozen=True, slots=True)
class MeterSetup:
    """One configured meter: the device-layer object plus what HA needs to show it."""

    subentry_id: str
    name: str
    room: str
    meter: Meter
    medium: Medium
    model: str
    manufacturer: str
    fields: frozenset[str]  # MeterReading attributes this meter reports
    has_supply: bool
    has_flags: bool = False  # fault / alarm bits


def _manufacturer(profile: Profile) -> str:
    return profile.name.split(" ", 1)[0]


def profile_fields(profile: Profile) -> frozenset[str]:
    """Return the reading attributes a profile delivers."""
    present = {name for role, name in _ROLE_FIELDS.items() if profile.field(role) is not None}
    if profile.has_tou:
        present.add("tou")
    return frozenset(present | {"total"})


def build_meter(hass: HomeAssistant, hub: ModbusHub | None, subentry: ConfigSubentry) -> MeterSetup:
    """Build the meter a subentry describes (Modbus when the gateway has a hub)."""
    data: Mapping[str, Any] = subentry.data
    name = subentry.title
    room = str(data.get(CONF_ROOM, ""))
    if hub is not None:
        profile = PROFILES[data[CONF_PROFILE]]
        meter: Meter = ModbusMeter(hub, profile, int(data[CONF_ADDRESS]), key=subentry.subentry_id)
        return MeterSetup(
            subentry_id=subentry.subentry_id,
            name=name,
            room=room,
            meter=meter,
            medium=profile.medium,
            model=profile.name,
            manufacturer=_manufacturer(profile),
            fields=profile_fields(profile),
            has_supply=profile.supply is not None,
            has_flags=bool(profile.flags),
        )
    medium = Medium(data.get(CONF_MEDIUM, Medium.ELECTRICITY))
    supply = data.get(CONF_SUPPLY_ENTITY) or None
    return MeterSetup(
        subentry_id=subentry.subentry_id,
        name=name,
        room=room,
        meter=HaEntityMeter(
            hass,
            str(data[CONF_COUNTER_ENTITY]),
            supply_entity_id=supply,
            medium=medium,
            key=subentry.subentry_id,
        ),
        medium=medium,
        model="Home Assistant entities",
        manufacturer="Home Assistant",
        fields=frozenset({"total"}),
        has_supply=supply is not None,
    )
