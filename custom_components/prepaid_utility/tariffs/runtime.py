"""The tariffs of one loaded gateway: books for the ledger, choices per account, prices now.

Every meter has its own book in the ledger, named after the meter and the account holding it
(``<meter>@<account>``, ``<meter>@vacant``): the holder's chosen tariffs over time resolved into
one book. A meter that changes hands gets the new holder's book for what it has not billed yet
(the ledger bills that part to the new holder too). A tariff chosen for an account is written to
the ledger at once (no reload) and to the entry's options (so a restart keeps it).

"Now" is the gateway's clock: a simulated building runs its own (often ahead of the wall), and a
tariff chosen "now" must not fall before readings it has already produced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from ..billing.errors import PrepaidError, Refused
from ..billing.quantity import UtilityKind
from ..billing.schedule import QUARTER_MINUTES, TouPeriod
from ..billing.tariff import Tariff, TariffBook
from ..const import CONF_METERS, DOMAIN, SUBENTRY_ACCOUNT
from ..gateway.meter_factory import MeterSetup
from ..ledger import AsyncLedgerStore, LedgerStore
from .catalog import (
    DEFAULT_TARIFF,
    books,
    choice_at,
    compose,
    named_tariffs,
    names_for,
    splice,
    timeline,
    with_choice,
)

_LOGGER = logging.getLogger(__name__)

VACANT = "vacant"


def signal_tariffs(entry_id: str) -> str:
    """Return the dispatcher signal sent when a gateway's tariffs or tier positions change."""
    return f"{DOMAIN}_tariffs_{entry_id}"


def meter_tariff_code(meter_id: str, holder: str | None) -> str:
    """Return the ledger's code of a meter's book while ``holder`` holds it."""
    return f"{meter_id}@{holder or VACANT}"


@dataclass(frozen=True, slots=True)
class TariffNow:
    """What an account pays for one utility at an instant."""

    name: str
    tariff: Tariff
    period: TouPeriod
    unit_price_micro: int
    tier: int | None  # block index of a tiered tariff (None: no blocks)


@dataclass(frozen=True, slots=True)
class TariffChange:
    """An account's new tariff for one utility, validated."""

    account: str
    kind: UtilityKind
    name: str


@dataclass(slots=True)
class PreparedChange:
    """Tariff changes of one gateway, checked and ready to be written."""

    tariffs: GatewayTariffs
    changes: list[TariffChange]
    at: datetime
    options: dict[str, Any]
    table: dict[str, tuple[str, TariffBook]]
    billed: dict[str, datetime | None]

    async def async_commit(self) -> list[dict[str, str]]:
        """Give the ledger the new books, then keep the choices in the options."""
        table, billed = self.table, self.billed

        def register(store: LedgerStore) -> None:
            for meter_id, (code, book) in table.items():
                store.register_tariff(code, book, billed_until=billed[meter_id])

        try:
            await self.tariffs.ledger.run(register)
        except PrepaidError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="ledger_unavailable",
                translation_placeholders={"path": "", "error": str(err)},
            ) from err
        self.tariffs.save(self.options)
        return [
            {"account_id": c.account, "utility": c.kind.value, "tariff": c.name}
            for c in self.changes
        ]


class GatewayTariffs:
    """The tariffs of one gateway entry while it is loaded."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        ledger: AsyncLedgerStore,
        meters: Mapping[str, MeterSetup],
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Bind the gateway's meters; ``clock`` is the gateway's (a simulated building's)."""
        self.hass = hass
        self.entry = entry
        self.ledger = ledger
        self.meters = meters
        self._clock = clock or dt_util.utcnow
        self.timezone = str(hass.config.time_zone)
        # meter -> (tier window, usage in it), for the price of a tiered tariff now
        self.positions: dict[str, tuple[str, int]] = {}
        self.positions_at: datetime | None = None
        self._books_of: Mapping[str, Any] | None = None
        self._books: dict[UtilityKind, dict[str, TariffBook]] = {}
        self._accounts: dict[str, Mapping[str, Any]] | None = None
        self._account_meters: dict[tuple[str, UtilityKind], list[str]] = {}
        self._current_cache: dict[tuple[str, UtilityKind], tuple[TariffNow, datetime]] = {}

    def books(self, kind: UtilityKind) -> dict[str, TariffBook]:
        """Return the books of one utility under the current options (kept until they change)."""
        options = self.entry.options
        if options is not self._books_of:
            self._books = {k: books(options, k, self.timezone) for k in UtilityKind}
            self._books_of = options
            self._current_cache.clear()
        return self._books[kind]

    def now(self) -> datetime:
        """Return the gateway's time."""
        return self._clock()

    # -- accounts and meters ------------------------------------------------------------------

    def accounts(self) -> dict[str, Mapping[str, Any]]:
        """Return every account subentry's data by account code.

        Kept for the life of this object: a changed subentry reloads the gateway.
        """
        if self._accounts is None:
            self._accounts = {
                sub.subentry_id: sub.data
                for sub in self.entry.subentries.values()
                if sub.subentry_type == SUBENTRY_ACCOUNT
            }
        return self._accounts

    def holders(self) -> dict[str, str]:
        """Return meter -> the account that lists it."""
        return {
            meter: code
            for code, data in self.accounts().items()
            for meter in data.get(CONF_METERS, [])
            if meter in self.meters
        }

    def kind_of(self, meter_id: str) -> UtilityKind:
        """Return the utility a meter measures."""
        return UtilityKind(self.meters[meter_id].medium.value)

    def account_meters(self, code: str, kind: UtilityKind) -> list[str]:
        """Return an account's meters of one utility."""
        found = self._account_meters.get((code, kind))
        if found is None:
            data = self.accounts().get(code, {})
            found = [
                m for m in data.get(CONF_METERS, []) if m in self.meters and self.kind_of(m) is kind
            ]
            self._account_meters[(code, kind)] = found
        return found

    def account_kinds(self, code: str) -> list[UtilityKind]:
        """Return the utilities an account has meters for."""
        return [kind for kind in UtilityKind if self.account_meters(code, kind)]

    # -- books --------------------------------------------------------------------------------

    def meter_books(
        self, options: Mapping[str, Any], meter_ids: Iterable[str] | None = None
    ) -> dict[str, tuple[str, TariffBook]]:
        """Return meter -> (ledger code, book) under ``options``."""
        holders = self.holders()
        accounts = self.accounts()
        found = {kind: books(options, kind, self.timezone) for kind in UtilityKind}
        result: dict[str, tuple[str, TariffBook]] = {}
        for meter_id in self.meters if meter_ids is None else meter_ids:
            kind = self.kind_of(meter_id)
            holder = holders.get(meter_id)
            if holder is None:
                book = found[kind][DEFAULT_TARIFF]
            else:
                book = compose(timeline(options, holder, accounts[holder], kind), found[kind])
            result[meter_id] = (meter_tariff_code(meter_id, holder), book)
        return result

    async def async_register(self) -> dict[str, str]:
        """Register every meter's book and move ledger meters to their holder's book.

        Returns meter -> code, for meters the ledger meets for the first time.
        """
        table = self.meter_books(self.entry.options)
        defaults = {
            kind: books(self.entry.options, kind, self.timezone)[DEFAULT_TARIFF]
            for kind in UtilityKind
        }
        entry_id = self.entry.entry_id

        def work(store: LedgerStore) -> None:
            move_off_gateway_books(store, entry_id, defaults, table)
            for meter_id, (code, wanted) in table.items():
                billed = _billed_until(store, meter_id)
                old = store.tariffs.get(code)
                book = wanted
                if old is not None and billed is not None:
                    # The ledger outlived this gateway's reload (shared with other gateways):
                    # what it billed meanwhile keeps its price.
                    book = splice(old, wanted, billed)
                store.register_tariff(code, book, billed_until=billed)
            for meter_id, now_code in store.meter_tariff_codes(list(table)).items():
                code = table[meter_id][0]
                if now_code != code:
                    store.set_meter_tariff(meter_id, code)

        await self.ledger.run(work)
        return {meter_id: code for meter_id, (code, _) in table.items()}

    # -- what an account pays ----------------------------------------------------------------

    def current(self, code: str, kind: UtilityKind, at: datetime | None = None) -> TariffNow:
        """Return the account's tariff, period and unit price at an instant (default: now).

        Every entity of every account asks on every poll, so the answer for "now" is kept until
        it can change: the next quarter hour (periods and block windows change only there) or
        the next chosen tariff or tariff version, or new options or block positions.
        """
        if at is not None:
            return self._current(code, kind, at)
        now = self.now()
        found = self.books(kind)  # drops the kept answers when the options changed
        kept = self._current_cache.get((code, kind))
        if kept is not None and now < kept[1]:
            return kept[0]
        answer = self._current(code, kind, now)
        line = timeline(self.entry.options, code, self.accounts().get(code, {}), kind)
        changes = [t for t, _ in line if t > now]
        book = found.get(answer.name, found[DEFAULT_TARIFF])
        changes += [v.effective_from for v in book.versions if v.effective_from > now]
        quarter = now.replace(second=0, microsecond=0) + timedelta(
            minutes=QUARTER_MINUTES - now.minute % QUARTER_MINUTES
        )
        self._current_cache[(code, kind)] = (answer, min([quarter, *changes]))
        return answer

    def _current(self, code: str, kind: UtilityKind, at: datetime) -> TariffNow:
        options = self.entry.options
        name = choice_at(timeline(options, code, self.accounts().get(code, {}), kind), at)
        found = self.books(kind)
        tariff = found.get(name, found[DEFAULT_TARIFF]).at(at)
        period = tariff.period_at(at)
        tier: int | None = None
        if tariff.tiers:
            used = 0
            for meter_id in self.account_meters(code, kind)[:1]:
                window, milli = self.positions.get(meter_id, ("", 0))
                used = milli if window == tariff.tier_window(at) else 0
            tier = next(
                (
                    i
                    for i, t in enumerate(tariff.tiers)
                    if t.up_to_milli is None or used < t.up_to_milli
                ),
                len(tariff.tiers) - 1,
            )
        return TariffNow(name, tariff, period, tariff.unit_price(period, tier or 0), tier)

    def names(self, kind: UtilityKind) -> list[str]:
        """Return the tariffs an account may choose for one utility."""
        return names_for(self.entry.options, kind)

    def chosen(self, code: str, kind: UtilityKind) -> list[tuple[datetime, str]]:
        """Return the account's timeline of one utility."""
        return timeline(self.entry.options, code, self.accounts().get(code, {}), kind)

    async def async_refresh_positions(self, polled_at: datetime | None) -> None:
        """Read the block usage of meters on a tiered tariff (once per poll)."""
        if polled_at is None or polled_at == self.positions_at:
            return
        self.positions_at = polled_at
        wanted = [
            meter_id
            for code in self.accounts()
            for kind in self.account_kinds(code)
            if self.current(code, kind).tier is not None
            for meter_id in self.account_meters(code, kind)[:1]
        ]
        if not wanted:
            return

        def work(store: LedgerStore) -> dict[str, tuple[str, int]]:
            found: dict[str, tuple[str, int]] = {}
            for meter_id in wanted:
                try:
                    state = store.meter_state(meter_id)
                except PrepaidError:
                    continue
                found[meter_id] = (state.tier_window, state.tier_used_milli)
            return found

        try:
            self.positions.update(await self.ledger.run(work))
            self._current_cache.clear()
        except PrepaidError as err:
            _LOGGER.debug("block usage not read: %s", err)
            return
        async_dispatcher_send(self.hass, signal_tariffs(self.entry.entry_id))

    # -- choosing a tariff -------------------------------------------------------------------

    def validate(self, code: str, kind: UtilityKind, name: str) -> TariffChange:
        """Return a change after checking the tariff exists for a utility the account has."""
        options = self.entry.options
        if name not in names_for(options, kind):
            other = named_tariffs(options).get(name)
            if other is not None:
                raise Refused("tariff_wrong_utility", tariff=name, utility=kind.value)
            raise Refused("unknown_tariff", tariff=name)
        if not self.account_meters(code, kind):
            raise Refused("account_without_utility", account=code, utility=kind.value)
        return TariffChange(code, kind, name)

    async def async_prepare(self, changes: list[TariffChange], at: datetime) -> PreparedChange:
        """Check that accounts can have new tariffs from ``at``; change nothing yet.

        Refused when ``at`` falls before a reading already billed for one of the meters
        concerned: that consumption has its price.
        """
        affected = [m for c in changes for m in self.account_meters(c.account, c.kind)]
        try:
            billed = await self.ledger.run(
                lambda store: {m: _billed_until(store, m) for m in affected}
            )
        except PrepaidError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="ledger_unavailable",
                translation_placeholders={"path": "", "error": str(err)},
            ) from err
        latest = max((b for b in billed.values() if b is not None), default=None)
        if latest is not None and at < latest:
            raise Refused(
                "effective_before_last_reading",
                effective=at.isoformat(),
                last_reading=latest.isoformat(),
            )
        options: dict[str, Any] = dict(self.entry.options)
        accounts = self.accounts()
        for change in changes:
            options = with_choice(
                options, change.account, accounts[change.account], change.kind, change.name, at
            )
        return PreparedChange(
            self, changes, at, options, self.meter_books(options, affected), billed
        )

    @callback
    def save(self, options: dict[str, Any]) -> None:
        """Keep the choice in the options (no reload: the ledger has it already)."""
        self.hass.config_entries.async_update_entry(self.entry, options=options)
        async_dispatcher_send(self.hass, signal_tariffs(self.entry.entry_id))


def gateway_book_codes(entry_id: str) -> dict[str, UtilityKind]:
    """Return the codes an old release gave a gateway's one book per utility."""
    return {f"{entry_id}:{kind.value}": kind for kind in UtilityKind}


def move_off_gateway_books(
    store: LedgerStore,
    entry_id: str,
    defaults: Mapping[UtilityKind, TariffBook],
    configured: Mapping[str, object],
) -> list[str]:
    """Move an old installation's meters off the gateway's books; return the meters moved.

    Releases before named tariffs billed every meter of a gateway with one book per utility
    (``<entry>:<utility>``), rebuilt from the entry's saved prices at every set-up. A ledger they
    wrote still names those codes on its meters. Meters the gateway still has are moved to their
    holder's book by ``async_register`` like any other; a meter it no longer lists gets its own
    book holding exactly what the old one said (the gateway's default prices, every saved
    version), so nothing billed or still to bill changes price. Once no meter names an old code
    this is one empty query per set-up.
    """
    codes = gateway_book_codes(entry_id)
    moved = []
    for meter_id, (old, holder) in store.meters_on_tariffs(list(codes)).items():
        if meter_id in configured:
            continue
        code = meter_tariff_code(meter_id, holder)
        store.register_tariff(
            code, defaults[codes[old]], billed_until=_billed_until(store, meter_id)
        )
        store.set_meter_tariff(meter_id, code)
        moved.append(meter_id)
    if moved:
        _LOGGER.info("Moved %d retired meters off the gateway's old tariff books", len(moved))
    return moved


def _billed_until(store: LedgerStore, meter_id: str) -> datetime | None:
    """Return the instant of a meter's last billed reading (None: not in the ledger yet)."""
    try:
        return store.meter_state(meter_id).last_at
    except PrepaidError:
        return None


def gateway_tariffs(entry: ConfigEntry) -> GatewayTariffs | None:
    """Return the tariffs of a loaded gateway (None while it is not loaded)."""
    if entry.state is not ConfigEntryState.LOADED:
        return None
    tariffs: GatewayTariffs = entry.runtime_data.tariffs
    return tariffs
