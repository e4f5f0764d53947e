"""Named tariffs of a gateway, the tariff each account has chosen over time, and their books.

A gateway's options hold named tariffs (flat, time-of-use table or tier blocks), each a list of
versions with the instant each took effect, and per account and utility the timeline of chosen
tariffs. ``default`` is the gateway's own flat price per utility (the ``tariff_versions`` of
earlier releases, still edited as before). Every meter is billed with the book of the account
holding it: the account's timeline resolved into one :class:`TariffBook`, so a tariff edited or
chosen at an instant bills only what is used after it.

Nothing here imports Home Assistant: the forms, the services and the ledger share these rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

from ..billing.errors import InvalidAmount
from ..billing.money import parse_price
from ..billing.quantity import UtilityKind
from ..billing.schedule import DAY_MINUTES, QUARTER_MINUTES, DayTable, TouPeriod, TouSchedule
from ..billing.tariff import Tariff, TariffBook, TariffVersion, Tier, TierReset, flat_tariff
from .prices import tariff_book, validate_price

# Before any saved choice: the first choice, from the beginning of time (as in tariffs.py).
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

CONF_TARIFFS = "tariffs"  # {name: {"utility": ..., "versions": [version, ...]}}
CONF_ACCOUNT_TARIFFS = "account_tariffs"  # {account: {utility: [[iso, name], ...]}}
# Options applied to a running gateway without a reload (payment credentials are read at use).
LIVE_OPTIONS = frozenset({CONF_ACCOUNT_TARIFFS, "payments"})


def reload_signature(options: Mapping[str, Any], subentries: Iterable[Any]) -> object:
    """Return what, when changed, needs the gateway set up again (of options and subentries).

    Tariff choices of accounts are applied to the running ledger at once, so they are left out.
    """
    subs = sorted(
        (s.subentry_type, s.subentry_id, s.title, repr(sorted(s.data.items()))) for s in subentries
    )
    return (repr(sorted((k, v) for k, v in options.items() if k not in LIVE_OPTIONS)), subs)


CONF_TARIFF_ELECTRICITY = "tariff_electricity"  # an account subentry's first choice
CONF_TARIFF_WATER = "tariff_water"
ACCOUNT_TARIFF_FIELD = {
    UtilityKind.ELECTRICITY: CONF_TARIFF_ELECTRICITY,
    UtilityKind.WATER: CONF_TARIFF_WATER,
}
DEFAULT_TARIFF = "default"

KIND_FLAT = "flat"
KIND_TOU = "tou"
KIND_TIERED = "tiered"
TARIFF_KINDS = (KIND_FLAT, KIND_TOU, KIND_TIERED)
MAX_TIERS = 10
MAX_THRESHOLD = Decimal(10_000_000)

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class TariffError(Exception):
    """A tariff a person typed does not fit; ``key`` is the form error, ``field`` its field."""

    def __init__(self, key: str, field: str = "base") -> None:
        """Keep the error key and the field it belongs to."""
        super().__init__(key)
        self.key = key
        self.field = field


# -- parsing what a person typed ----------------------------------------------------------------


def parse_ranges(text: str, field: str) -> list[tuple[int, int]]:
    """Return ``[start, end)`` minute ranges of ``"08:00-12:00, 22:00-07:00"`` (may wrap)."""
    ranges: list[tuple[int, int]] = []
    for part in (p for p in text.replace(";", ",").split(",") if p.strip()):
        match = _RANGE.match(part)
        if match is None:
            raise TariffError("invalid_time_range", field)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            raise TariffError("invalid_time_range", field)
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start % QUARTER_MINUTES or end % QUARTER_MINUTES:
            raise TariffError("not_quarter_hour", field)
        if start == end:
            raise TariffError("invalid_time_range", field)
        if end < start:  # over midnight: two pieces
            ranges.append((start, DAY_MINUTES))
            if end:
                ranges.append((0, end))
        else:
            ranges.append((start, end))
    return ranges


def format_ranges(ranges: Sequence[tuple[int, int]]) -> str:
    """Return minute ranges as ``HH:MM-HH:MM`` text."""
    return ", ".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in ranges)


def day_slots(
    periods: Mapping[TouPeriod, Sequence[tuple[int, int]]],
) -> list[tuple[int, TouPeriod]]:
    """Return the day's ``(start minute, period)`` slots; the ranges must tile 24 h exactly."""
    pieces = sorted((s, e, p) for p, ranges in periods.items() for s, e in ranges)
    position = 0
    slots: list[tuple[int, TouPeriod]] = []
    for start, end, period in pieces:
        if start < position:
            raise TariffError("tou_overlap")
        if start > position:
            raise TariffError("tou_gap")
        if not slots or slots[-1][1] is not period:
            slots.append((start, period))
        position = end
    if position != DAY_MINUTES:
        raise TariffError("tou_gap")
    return slots


def _price(text: Any, field: str) -> str:
    value = str(text if text is not None else "").strip()
    try:
        validate_price(value)
    except InvalidAmount as err:
        raise TariffError("invalid_price", field) from err
    return str(Decimal(value))


def _threshold(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation as err:
        raise TariffError("invalid_threshold", "thresholds") from err
    exponent = value.as_tuple().exponent
    if (
        not value.is_finite()
        or value <= 0
        or value > MAX_THRESHOLD
        or (isinstance(exponent, int) and exponent < -3)
    ):
        raise TariffError("invalid_threshold", "thresholds")
    return value


def flat_version(price: Any) -> dict[str, Any]:
    """Return a flat version's definition (validated)."""
    return {"kind": KIND_FLAT, "price": _price(price, "price")}


def tou_version(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Return a time-of-use version from ``<period>_hours`` and ``<period>_price`` fields."""
    periods: dict[TouPeriod, list[tuple[int, int]]] = {}
    stored: dict[str, dict[str, str]] = {}
    for period in TouPeriod:
        hours = str(fields.get(f"{period.value}_hours") or "").strip()
        if not hours:
            continue
        periods[period] = parse_ranges(hours, f"{period.value}_hours")
        price = _price(fields.get(f"{period.value}_price"), f"{period.value}_price")
        stored[period.value] = {"hours": format_ranges(periods[period]), "price": price}
    day_slots(periods)
    return {"kind": KIND_TOU, "periods": stored}


def tiered_version(thresholds: str, prices: str, reset: str) -> dict[str, Any]:
    """Return a block version: ``"200, 400"`` limits (kWh or m³) and one more price than limits."""
    limits = [_threshold(t) for t in thresholds.split(",") if t.strip()]
    if not limits or len(limits) >= MAX_TIERS:
        raise TariffError("invalid_threshold", "thresholds")
    if any(b <= a for a, b in pairwise(limits)):
        raise TariffError("thresholds_not_increasing", "thresholds")
    price_list = [_price(p, "prices") for p in prices.split(",")] if prices.strip() else []
    if len(price_list) != len(limits) + 1:
        raise TariffError("tier_count_mismatch", "prices")
    if any(Decimal(b) < Decimal(a) for a, b in pairwise(price_list)):
        # The billing core adds each block's extra to the first block's price.
        raise TariffError("tier_prices_decrease", "prices")
    if reset not in (TierReset.MONTH, TierReset.YEAR):
        raise TariffError("invalid_reset", "reset")
    return {
        "kind": KIND_TIERED,
        "thresholds": [str(t) for t in limits],
        "prices": price_list,
        "reset": reset,
    }


# -- from stored definitions to the billing core's tariffs ---------------------------------------


def build_tariff(kind: UtilityKind, version: Mapping[str, Any], timezone: str) -> Tariff:
    """Return the billing tariff of one stored version."""
    if version["kind"] == KIND_TOU:
        ranges = {
            TouPeriod(name): parse_ranges(spec["hours"], name)
            for name, spec in version["periods"].items()
        }
        prices = {
            TouPeriod(name): parse_price(spec["price"]) for name, spec in version["periods"].items()
        }
        table = DayTable(tuple(day_slots(ranges)))
        return Tariff(
            kind=kind,
            prices_micro=prices,
            timezone=timezone,
            schedule=TouSchedule(timezone=timezone, weekday=table),
        )
    if version["kind"] == KIND_TIERED:
        micro = [parse_price(p) for p in version["prices"]]
        limits = [int(Decimal(t) * 1000) for t in version["thresholds"]]
        tiers = tuple(
            Tier(limit, price - micro[0])
            for limit, price in zip([*limits, None], micro, strict=True)
        )
        return Tariff(
            kind=kind,
            prices_micro={TouPeriod.FLAT: micro[0]},
            timezone=timezone,
            tiers=tiers,
            tier_reset=TierReset(version["reset"]),
        )
    return flat_tariff(kind, parse_price(version["price"]), timezone)


def named_tariffs(options: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the gateway's named tariffs as stored."""
    return dict(options.get(CONF_TARIFFS, {}))


def names_for(options: Mapping[str, Any], kind: UtilityKind) -> list[str]:
    """Return the tariffs an account may choose for one utility (the default first)."""
    return [
        DEFAULT_TARIFF,
        *sorted(
            name for name, spec in named_tariffs(options).items() if spec["utility"] == kind.value
        ),
    ]


def books(options: Mapping[str, Any], kind: UtilityKind, timezone: str) -> dict[str, TariffBook]:
    """Return every tariff book of one utility by name, the gateway default included."""
    found = {DEFAULT_TARIFF: tariff_book(options, kind, timezone)}
    for name, spec in named_tariffs(options).items():
        if spec["utility"] != kind.value:
            continue
        found[name] = TariffBook(
            tuple(
                TariffVersion(datetime.fromisoformat(v["from"]), build_tariff(kind, v, timezone))
                for v in spec["versions"]
            )
        )
    return found


def with_version(
    options: Mapping[str, Any],
    name: str,
    utility: UtilityKind,
    version: Mapping[str, Any],
    at: datetime,
) -> dict[str, Any]:
    """Return options with a new version of tariff ``name`` effective from ``at``.

    Versions not yet in force at ``at`` are replaced: only the future is rewritten.
    """
    tariffs = named_tariffs(options)
    spec = tariffs.get(name, {"utility": utility.value, "versions": []})
    kept = [v for v in spec["versions"] if datetime.fromisoformat(v["from"]) < at]
    tariffs[name] = {**spec, "versions": [*kept, {**version, "from": at.isoformat()}]}
    return {**options, CONF_TARIFFS: tariffs}


def without_tariff(options: Mapping[str, Any], name: str) -> dict[str, Any]:
    """Return options without tariff ``name`` (the caller checked nobody uses it)."""
    tariffs = named_tariffs(options)
    tariffs.pop(name, None)
    return {**options, CONF_TARIFFS: tariffs}


def tariff_in_use(
    options: Mapping[str, Any], accounts: Mapping[str, Mapping[str, Any]], name: str
) -> bool:
    """Return True if any account chose ``name`` at any time (its books would need it)."""
    for code, data in accounts.items():
        for kind in UtilityKind:
            if any(chosen == name for _, chosen in timeline(options, code, data, kind)):
                return True
    return False


# -- which tariff an account has, over time ------------------------------------------------------


def timeline(
    options: Mapping[str, Any], code: str, data: Mapping[str, Any], kind: UtilityKind
) -> list[tuple[datetime, str]]:
    """Return an account's chosen tariffs of one utility with their instants, oldest first."""
    saved = options.get(CONF_ACCOUNT_TARIFFS, {}).get(code, {}).get(kind.value)
    if saved:
        return [(datetime.fromisoformat(at), str(name)) for at, name in saved]
    return [(_EPOCH, str(data.get(ACCOUNT_TARIFF_FIELD[kind]) or DEFAULT_TARIFF))]


def with_choice(  # noqa: PLR0917  # account, utility, tariff and instant all matter
    options: Mapping[str, Any],
    code: str,
    data: Mapping[str, Any],
    kind: UtilityKind,
    name: str,
    at: datetime,
) -> dict[str, Any]:
    """Return options where the account has ``name`` from ``at`` (later choices are dropped)."""
    line = [(t, n) for t, n in timeline(options, code, data, kind) if t < at]
    if not line or line[-1][1] != name:
        line.append((at, name))
    table = {k: dict(v) for k, v in options.get(CONF_ACCOUNT_TARIFFS, {}).items()}
    table.setdefault(code, {})[kind.value] = [[t.isoformat(), n] for t, n in line]
    return {**options, CONF_ACCOUNT_TARIFFS: table}


def choice_at(line: Sequence[tuple[datetime, str]], instant: datetime) -> str:
    """Return the name chosen at an instant (the first choice before any)."""
    current = line[0][1]
    for at, name in line:
        if at > instant:
            break
        current = name
    return current


def compose(line: Sequence[tuple[datetime, str]], found: Mapping[str, TariffBook]) -> TariffBook:
    """Return one book that follows the account's choices and each tariff's own versions."""
    versions: list[TariffVersion] = []
    for index, (start, name) in enumerate(line):
        end = line[index + 1][0] if index + 1 < len(line) else None
        book = found.get(name, found[DEFAULT_TARIFF])
        versions.append(TariffVersion(start, book.at(start)))
        versions.extend(
            v
            for v in book.versions
            if start < v.effective_from and (end is None or v.effective_from < end)
        )
    return TariffBook(tuple(versions))


def splice(old: TariffBook, new: TariffBook, billed_until: datetime) -> TariffBook:
    """Return ``new`` from ``billed_until`` on, ``old`` before it.

    Consumption up to a meter's last billed reading has its price; a book registered again (a
    gateway reloaded while the ledger stayed open) may only change what follows it. A version
    of ``new`` that took effect before the reading applies from the reading on.
    """
    versions = [v for v in old.versions if v.effective_from < billed_until]
    current = new.at(billed_until)
    if not versions or versions[-1].tariff != current:
        versions.append(TariffVersion(billed_until, current))
    versions.extend(v for v in new.versions if v.effective_from > billed_until)
    return TariffBook(tuple(versions))
