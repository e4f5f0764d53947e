"""Money, prices and the one rounding rule.

Scales (chosen once; an asset scale cannot be changed later):

* money: integer minor units of the configured currency (``exponent`` digits, 2 by default);
* prices: integer micro-units of currency per kWh or per m³ (6 decimals);
* quantities: integer milli-units (Wh, litres), see :mod:`.quantity`;
* exact charges: integer nano-units of currency, because milli-units x micro-units = nano-units.

The rounding rule: an exact charge is never rounded on its own. Each meter generation carries
the nano-units not yet posted; a posting takes the whole minor units of (carry + new exact
charge), rounding down, and carries the rest (always < 1 minor unit) to the next reading.
The sum of postings therefore never drifts from the exact sum by one minor unit or more, and
never exceeds it. Fees and apportionment, which are computed once, round half up to the minor
unit (``round_half_up``), and apportionment splits with largest remainders.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .errors import InvalidAmount

PRICE_DECIMALS = 6
NANO_DECIMALS = 9
DEFAULT_EXPONENT = 2


def _as_decimal(value: Decimal | str | int, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        raise InvalidAmount(f"{what} must be a decimal string or integer", value=repr(value))
    try:
        number = Decimal(value) if not isinstance(value, Decimal) else value
    except InvalidOperation as err:
        raise InvalidAmount(f"{what} is not a number", value=str(value)) from err
    if not number.is_finite():
        raise InvalidAmount(f"{what} is not finite", value=str(value))
    return number


def _scaled(number: Decimal, decimals: int, what: str) -> int:
    scaled = number.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise InvalidAmount(
            f"{what} has more than {decimals} decimals", value=str(number), decimals=str(decimals)
        )
    return int(scaled.to_integral_value())


def parse_money(value: Decimal | str | int, exponent: int = DEFAULT_EXPONENT) -> int:
    """Return minor units of a positive amount; refuse more decimals than the currency has."""
    number = _as_decimal(value, "amount")
    minor = _scaled(number, exponent, "amount")
    if minor <= 0:
        raise InvalidAmount("amount must be positive", value=str(value))
    return minor


def parse_price(value: Decimal | str | int) -> int:
    """Return micro-units of currency per kWh or m³; a price may be zero, never negative."""
    number = _as_decimal(value, "price")
    micro = _scaled(number, PRICE_DECIMALS, "price")
    if micro < 0:
        raise InvalidAmount("price must not be negative", value=str(value))
    return micro


def format_money(minor: int, exponent: int = DEFAULT_EXPONENT) -> Decimal:
    """Return the amount as a Decimal in currency units, for display only."""
    return Decimal(minor).scaleb(-exponent)


_NANO_PER_MINOR = {exponent: 10 ** (NANO_DECIMALS - exponent) for exponent in range(4)}


def nano_per_minor(exponent: int = DEFAULT_EXPONENT) -> int:
    """Return how many nano-units of currency make one minor unit."""
    found = _NANO_PER_MINOR.get(exponent)  # every reading of every poll asks
    return int(10 ** (NANO_DECIMALS - exponent)) if found is None else found


def exact_charge_nano(quantity_milli: int, price_micro: int) -> int:
    """Return the exact charge of a quantity at a price, in nano-units of currency."""
    return quantity_milli * price_micro


def post_with_carry(carry_nano: int, exact_nano: int, exponent: int) -> tuple[int, int]:
    """Apply the rounding rule: return (minor units to post, new carry in nano-units)."""
    return divmod(carry_nano + exact_nano, nano_per_minor(exponent))


def round_half_up(numerator: int, denominator: int) -> int:
    """Return numerator / denominator rounded half up, for non-negative integers."""
    if denominator <= 0 or numerator < 0:
        raise InvalidAmount("rounding needs a non-negative numerator and positive denominator")
    return (2 * numerator + denominator) // (2 * denominator)
