"""A user-defined profile: a register map given as data, for meters nobody wrote a module for.

Example (what a config flow would store)::

    {
        "key": "my_meter", "name": "My meter", "medium": "electricity",
        "function": 3, "word_order": "big",
        "registers": {
            "total": {"address": 0, "type": "u32", "scale": "0.01"},
            "power": {"address": 14, "type": "s16", "scale": "0.001"}
        },
        "supply": {"write_function": 16, "address": 26, "on": [1], "off": [0],
                   "state_address": 26, "state_mask": 65535, "on_pattern": 1, "off_pattern": 0}
    }

Read blocks are planned from the addresses (a 32-bit value is never split).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ..decode import DataType, WordOrder
from ..reading import Medium
from .base import Field, Profile, Role, SupplyControl, plan_blocks


class ProfileDataError(ValueError):
    """The register map given as data is not usable."""


def _int(data: Mapping[str, Any], name: str, lo: int = 0, hi: int = 0xFFFF) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ProfileDataError(f"{name} must be an integer in {lo}..{hi}")
    return value


def _words(data: Mapping[str, Any], name: str) -> tuple[int, ...]:
    values = data.get(name)
    if not isinstance(values, list | tuple) or not values:
        raise ProfileDataError(f"{name} must be a non-empty list of register values")
    return tuple(_int({"v": v}, "v") for v in values)


def profile_from_data(data: Mapping[str, Any]) -> Profile:
    """Build and validate a profile from a plain mapping (see the module docstring)."""
    try:
        medium = Medium(data.get("medium", Medium.ELECTRICITY))
        function = int(data.get("function", 3))
        order = WordOrder(data.get("word_order", WordOrder.BIG))
    except ValueError as err:
        raise ProfileDataError(str(err)) from err
    if function not in (3, 4):
        raise ProfileDataError("function must be 3 (holding) or 4 (input)")
    registers = data.get("registers")
    if not isinstance(registers, Mapping) or "total" not in registers:
        raise ProfileDataError("registers must be a mapping with at least 'total'")
    fields: list[Field] = []
    for name, spec in registers.items():
        try:
            role = Role(name)
            dtype = DataType(spec.get("type", DataType.U16))
            scale = Decimal(str(spec.get("scale", "1")))
        except (ValueError, InvalidOperation, AttributeError) as err:
            raise ProfileDataError(f"register {name!r}: {err}") from err
        fields.append(Field(role, _int(spec, "address"), dtype, scale, order))
    supply = None
    if (spec := data.get("supply")) is not None:
        write_function = _int(spec, "write_function", 6, 16)
        if write_function not in (6, 16):
            raise ProfileDataError("supply write_function must be 6 or 16")
        supply = SupplyControl(
            write_function=write_function,
            write_address=_int(spec, "address"),
            on_values=_words(spec, "on"),
            off_values=_words(spec, "off"),
            state_address=_int(spec, "state_address"),
            state_mask=_int(spec, "state_mask"),
            on_pattern=_int(spec, "on_pattern"),
            off_pattern=_int(spec, "off_pattern"),
        )
    if supply is not None and not any(f.role is Role.STATUS for f in fields):
        # Read the relay/valve state with the values, so every poll shows it.
        fields.append(Field(Role.STATUS, supply.state_address))
    try:
        return Profile(
            key=str(data.get("key", "custom")),
            name=str(data.get("name", "Custom meter")),
            medium=medium,
            blocks=plan_blocks(fields, function),
            fields=tuple(fields),
            supply=supply,
        )
    except ValueError as err:
        raise ProfileDataError(str(err)) from err
