"""Meter profiles: one small declarative module per meter family, and a registry by key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .abb import B21, B23
from .acrel import DDSY1352, DTSY1352, LEGACY
from .base import Block, Field, FlagBit, Identify, Profile, Role, SupplyControl
from .carlo_gavazzi import EM111
from .chint import DDSU666, DTSU666, DTSU666H
from .custom import ProfileDataError, profile_from_data
from .eastron import SDM72, SDM72V2, SDM120, SDM230, SDM630
from .hiking import DDS238
from .xintai import WATER_VALVE

#: Every built-in profile by key, in the order a bus scan tries them.
PROFILES: dict[str, Profile] = {
    p.key: p
    for p in (
        DDSY1352,
        DTSY1352,
        LEGACY,
        SDM120,
        SDM630,
        DDS238,
        WATER_VALVE,
        DDSU666,
        DTSU666,
        DTSU666H,
        SDM72,
        SDM72V2,
        SDM230,
        EM111,
        B21,
        B23,
    )
}


def resolve_profile(key: str, custom: Mapping[str, Any] | None = None) -> Profile:
    """Return the built-in profile ``key``, or build ``custom`` when ``key`` is ``custom``."""
    if key == "custom":
        if custom is None:
            raise ProfileDataError("a custom profile needs its register map")
        return profile_from_data(custom)
    try:
        return PROFILES[key]
    except KeyError:
        raise ProfileDataError(f"unknown profile {key!r}") from None


__all__ = [
    "B21",
    "B23",
    "DDS238",
    "DDSU666",
    "DDSY1352",
    "DTSU666",
    "DTSU666H",
    "DTSY1352",
    "EM111",
    "LEGACY",
    "PROFILES",
    "SDM72",
    "SDM72V2",
    "SDM120",
    "SDM230",
    "SDM630",
    "WATER_VALVE",
    "Block",
    "Field",
    "FlagBit",
    "Identify",
    "Profile",
    "ProfileDataError",
    "Role",
    "SupplyControl",
    "profile_from_data",
    "resolve_profile",
]
