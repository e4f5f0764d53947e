"""A gateway's prices as versioned tariff books for the ledger.

Every saved price becomes a version effective from the moment it was saved, kept in the entry's
options, so a price change bills new consumption only: what was used before the change keeps
the old price, also after a restart.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..billing.errors import InvalidAmount
from ..billing.money import parse_price
from ..billing.quantity import UtilityKind
from ..billing.tariff import TariffBook, TariffVersion, flat_tariff
from ..const import (
    CONF_ELECTRICITY_PRICE,
    CONF_TARIFF_VERSIONS,
    CONF_WATER_PRICE,
    DEFAULT_ELECTRICITY_PRICE,
    DEFAULT_WATER_PRICE,
)

# Before any saved price: the defaults, from the beginning of time.
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
PRICE_OPTION = {
    UtilityKind.ELECTRICITY: CONF_ELECTRICITY_PRICE,
    UtilityKind.WATER: CONF_WATER_PRICE,
}
DEFAULT_PRICE = {
    UtilityKind.ELECTRICITY: DEFAULT_ELECTRICITY_PRICE,
    UtilityKind.WATER: DEFAULT_WATER_PRICE,
}


# No utility costs a thousand currency units per kWh or m³; a price above this is a typo
# (or 1e999) that would overflow the ledger's integer columns once multiplied by usage.
MAX_PRICE_MICRO = 1000 * 1_000_000


def validate_price(text: str) -> int:
    """Return the price in micro-units; raise InvalidAmount if malformed, negative or absurd."""
    micro = parse_price(text)
    if micro > MAX_PRICE_MICRO:
        raise InvalidAmount("price is implausibly high", value=text)
    return micro


def versions(options: Mapping[str, Any], kind: UtilityKind) -> list[tuple[str, str]]:
    """Return the saved (effective ISO instant, price) pairs of one utility, oldest first."""
    saved = options.get(CONF_TARIFF_VERSIONS, {}).get(kind.value, [])
    return [(str(at), str(price)) for at, price in saved] or [
        (_EPOCH.isoformat(), DEFAULT_PRICE[kind])
    ]


def current_price(options: Mapping[str, Any], kind: UtilityKind) -> str:
    """Return the price in force now."""
    return versions(options, kind)[-1][1]


def with_prices(
    options: Mapping[str, Any], prices: Mapping[UtilityKind, str], now: datetime
) -> dict[str, Any]:
    """Return options with a new version for every price that changed (validated first)."""
    table = {kind.value: versions(options, kind) for kind in UtilityKind}
    for kind, price in prices.items():
        validate_price(price)
        if table[kind.value][-1][1] != price:
            table[kind.value].append((now.isoformat(), price))
    return {**options, CONF_TARIFF_VERSIONS: {k: [list(v) for v in vs] for k, vs in table.items()}}


def tariff_book(options: Mapping[str, Any], kind: UtilityKind, timezone: str) -> TariffBook:
    """Return the book of one utility with every saved version."""
    return TariffBook(
        tuple(
            TariffVersion(
                datetime.fromisoformat(at), flat_tariff(kind, parse_price(price), timezone)
            )
            for at, price in versions(options, kind)
        )
    )
