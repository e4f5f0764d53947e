"""Utility kinds and their quantities: energy in Wh (kWh at 0.01), water in litres (m³ at 0.001).

Counters arrive as Decimal kWh or m³. They are converted once to integer milli-units, rounding
down: a counter is monotonic, and rounding down keeps it monotonic and never bills a fraction
the meter has not shown.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from .errors import InvalidAmount


class UtilityKind(StrEnum):
    """What a meter measures."""

    ELECTRICITY = "electricity"
    WATER = "water"


DISPLAY_DECIMALS = {UtilityKind.ELECTRICITY: 2, UtilityKind.WATER: 3}
# The ledger stores milli-units in 64-bit integers; no meter counts near 10**15 kWh or m³, so a
# value that large is a misread register (a float32 holds up to 3.4e38), not a reading.
COUNTER_LIMIT = Decimal(10) ** 15


def counter_to_milli(value: Decimal) -> int:
    """Return a counter in kWh or m³ as integer milli-units (Wh or litres), rounding down."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidAmount("counter must be a finite Decimal", value=repr(value))
    if value < 0:
        raise InvalidAmount("counter must not be negative", value=str(value))
    if value >= COUNTER_LIMIT:
        raise InvalidAmount("counter beyond any meter's range", value=str(value))
    # int() truncates toward zero: down, for a value checked non-negative above.
    return int(value.scaleb(3))


def milli_to_display(milli: int, kind: UtilityKind) -> Decimal:
    """Return milli-units as kWh (0.01) or m³ (0.001) for display, rounding down."""
    places = Decimal(1).scaleb(-DISPLAY_DECIMALS[kind])
    return Decimal(milli).scaleb(-3).quantize(places, rounding=ROUND_DOWN)
