"""From meter subentries to device-layer meters, and what each meter offers as entities.

A subentry stores what a person chose (profile, address, room, breaker rating, or the HA
entities a meter is made of); this module turns it into a ``Meter`` the coordinator can read and
switch, and says which readings the meter's profile really delivers so no entity is created that
would stay "unknown" forever.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from ..const import (
    CONF_ADDRESS,
    CONF_BREAKER_A,
    CONF_COUNTER_ENTITY,
    CONF_MAX_FLOW_M3H,
    CONF_MEDIUM,
    CONF_METER_PASSWORD,
    CONF_OPERATOR_CODE,
    CONF_PROFILE,
    CONF_ROOM,
    CONF_SUPPLY_ENTITY,
    DEFAULT_BREAKER_A,
    DEFAULT_MAX_FLOW_M3H,
    DEFAULT_METER_PASSWORD,
    DEFAULT_OPERATOR_CODE,
    DOMAIN,
    MAINS_VOLTS,
)
from ..meters import dlt645
from ..meters.decode import DataType
from ..meters.frame_meters import FRAME_PROFILES, Cjt188Meter, Dlt645Meter, FrameProfile
from ..meters.framebus import FrameHub
from ..meters.hub import ModbusHub
from ..meters.modbus_meter import ModbusMeter, utc_now
from ..meters.profiles import PROFILES, Profile, Role
from ..meters.reading import Medium, Meter
from .ha_entity import HaEntityMeter
from .meter_names import device_name

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
    # For billing: the most the breaker (or pipe) can pass in an hour, in Wh or litres, and the
    # value at which the meter's counter register wraps to zero (None: it does not wrap).
    max_rate_milli_per_hour: int = 0
    rollover_milli: int | None = None

    @property
    def device_name(self) -> str:
        """Return the name of the meter's device (its area names the room)."""
        return device_name(self.name, self.room)

    @property
    def label(self) -> str:
        """Return the meter as a person finds it: its name and, when not in it, its room."""
        return (
            f"{self.name} · {self.room}" if self.room and self.room not in self.name else self.name
        )


THREE_PHASE_PROFILES = frozenset(
    {
        "acrel_dtsy1352",
        "eastron_sdm630",
        "eastron_sdm72",
        "eastron_sdm72v2",
        "chint_dtsu666",
        "chint_dtsu666h",
        "abb_b23",
    }
)

#: What a DL/T 645 / CJ/T 188 meter's reading carries (see frame_meters).
FRAME_FIELDS: Mapping[str, frozenset[str]] = {
    "dlt645_2007": frozenset({"total", "tou", "power_kw", "voltage_v", "current_a"}),
    "cjt188_water": frozenset({"total"}),
}


def max_rate_milli_per_hour(data: Mapping[str, Any], medium: Medium, profile_key: str) -> int:
    """Return the most a supply can pass in an hour: Wh for a breaker, litres for a pipe."""
    if medium is Medium.WATER:
        return int(float(data.get(CONF_MAX_FLOW_M3H, DEFAULT_MAX_FLOW_M3H)) * 1000)
    phases = 3 if profile_key in THREE_PHASE_PROFILES else 1
    return int(float(data.get(CONF_BREAKER_A, DEFAULT_BREAKER_A)) * MAINS_VOLTS * phases)


def rollover_milli(profile: Profile) -> int | None:
    """Return where an integer counter register wraps, in Wh or litres (floats do not wrap)."""
    total = profile.field(Role.TOTAL)
    if total is None or total.dtype is not DataType.U32:
        return None
    return int((1 << 32) * total.scale * 1000)


def _manufacturer(profile: Profile) -> str:
    return profile.name.split(" ", 1)[0]


def profile_fields(profile: Profile) -> frozenset[str]:
    """Return the reading attributes a profile delivers."""
    present = {name for role, name in _ROLE_FIELDS.items() if profile.field(role) is not None}
    if profile.has_tou:
        present.add("tou")
    return frozenset(present | {"total"})


# DL/T 645 instantaneous values: the sensor each feeds, and whether HA enables it by default.
_DLT645_INSTANT = {
    dlt645.DI_POWER_TOTAL: ("power", True),
    dlt645.DI_VOLTAGE_A: ("voltage", False),
    dlt645.DI_CURRENT_A: ("current", False),
}


def dlt645_instant(hass: HomeAssistant, entry_id: str, subentry_id: str) -> set[int]:
    """Return the instantaneous values worth a frame: those whose sensor is enabled.

    At 2400 baud each is a frame of about 0.2 s; voltage and current are disabled by default,
    so a 40-meter line saves two frames a meter until someone enables them (HA then reloads
    the entry, and this is asked again).
    """
    registry = er.async_get(hass)
    wanted: set[int] = set()
    for di, (key, default) in _DLT645_INSTANT.items():
        entity_id = registry.async_get_entity_id(
            "sensor", DOMAIN, f"{entry_id}_{subentry_id}_{key}"
        )
        entity = registry.async_get(entity_id) if entity_id else None
        if (entity is None and default) or (entity is not None and not entity.disabled):
            wanted.add(di)
    return wanted


def _frame_meter(
    hub: FrameHub[Any],
    subentry: ConfigSubentry,
    profile: FrameProfile,
    clock: Callable[[], datetime] | None,
    instant: set[int],
) -> MeterSetup:
    data: Mapping[str, Any] = subentry.data
    address = str(data[CONF_ADDRESS])
    meter: Meter
    if profile.key == "dlt645_2007":
        meter = Dlt645Meter(
            hub,
            address,
            key=subentry.subentry_id,
            password=str(data.get(CONF_METER_PASSWORD, DEFAULT_METER_PASSWORD)),
            operator=str(data.get(CONF_OPERATOR_CODE, DEFAULT_OPERATOR_CODE)),
            instant=instant,
            clock=clock or utc_now,
        )
    else:
        meter = Cjt188Meter(hub, address, key=subentry.subentry_id, clock=clock or utc_now)
    return MeterSetup(
        subentry_id=subentry.subentry_id,
        name=subentry.title,
        room=str(data.get(CONF_ROOM, "")),
        meter=meter,
        medium=profile.medium,
        model=profile.name,
        manufacturer=profile.name.split(" ", 1)[0],
        fields=FRAME_FIELDS[profile.key],
        has_supply=profile.has_supply_control,
        has_flags=True,
        max_rate_milli_per_hour=max_rate_milli_per_hour(data, profile.medium, profile.key),
        # Both keep 8 BCD digits with two decimals: 999999.99, then 0 (in Wh or litres).
        rollover_milli=1_000_000 * 1000,
    )


def meter_medium(subentry: ConfigSubentry) -> Medium:
    """Return what a meter subentry measures, from its profile or its stated medium."""
    data = subentry.data
    key = str(data.get(CONF_PROFILE, ""))
    if key in PROFILES:
        return PROFILES[key].medium
    if key in FRAME_PROFILES:
        return FRAME_PROFILES[key].medium
    return Medium(data.get(CONF_MEDIUM, Medium.ELECTRICITY))


def build_meter(
    hass: HomeAssistant,
    hub: ModbusHub | FrameHub[Any] | None,
    subentry: ConfigSubentry,
    clock: Callable[[], datetime] | None = None,
    entry_id: str = "",
) -> MeterSetup:
    """Build the meter a subentry describes (Modbus when the gateway has a hub).

    ``clock`` stamps the readings; a simulated building passes its own, so that accelerated
    simulated time and the readings' timestamps agree.
    """
    data: Mapping[str, Any] = subentry.data
    name = subentry.title
    room = str(data.get(CONF_ROOM, ""))
    if isinstance(hub, FrameHub):
        instant = dlt645_instant(hass, entry_id, subentry.subentry_id)
        return _frame_meter(hub, subentry, FRAME_PROFILES[data[CONF_PROFILE]], clock, instant)
    if hub is not None:
        profile = PROFILES[data[CONF_PROFILE]]
        meter: Meter = ModbusMeter(
            hub,
            profile,
            int(data[CONF_ADDRESS]),
            key=subentry.subentry_id,
            clock=clock or utc_now,
        )
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
            max_rate_milli_per_hour=max_rate_milli_per_hour(data, profile.medium, profile.key),
            rollover_milli=rollover_milli(profile),
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
        max_rate_milli_per_hour=max_rate_milli_per_hour(data, medium, ""),
    )
