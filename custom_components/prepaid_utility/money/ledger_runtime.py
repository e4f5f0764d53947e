"""The ledgers of this Home Assistant: one per location, shared by the gateways that use it.

Every gateway keeps its money in the SQLite file in the configuration folder unless its options
name a PostgreSQL server (integrators with many gateways point them all at one server). A ledger
opens with the first gateway that uses it and closes with the last one (or when Home Assistant
stops). A ledger that cannot be read is never moved aside or recreated, unlike the recorder's
database: it holds money. The entry fails with a repair issue that says what to do, and no relay
is touched.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    ConfigEntryNotReady,
)
from homeassistant.helpers import issue_registry as ir
from homeassistant.util.hass_dict import HassKey

from ..billing.errors import LedgerUnavailable, SchemaTooNew
from ..const import DEFAULT_USAGE_DETAIL_MONTHS, DOMAIN
from ..ledger import (
    AsyncLedgerStore,
    DatabaseError,
    LedgerStore,
    OperationalError,
    SQLAlchemyError,
)
from ..ledger.database import sqlite_url
from ..ledger.location import InvalidLocation, display_url, engine_url, login_refused
from ..repair_issues import raise_issue

_LOGGER = logging.getLogger(__name__)

LEDGER_FILE = "prepaid_utility.db"

# ISO 4217 currencies whose minor unit is not the cent (everything else has 2 decimals).
_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"), 0),
    **dict.fromkeys(("RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def currency_exponent(currency: str) -> int:
    """Return how many decimals the currency's minor unit has."""
    return _EXPONENTS.get(currency.upper(), 2)


@dataclass(slots=True)
class _Shared:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    store: AsyncLedgerStore | None = None
    users: set[str] = field(default_factory=set)
    # Months of hourly usage detail each gateway on this ledger asks to keep.
    detail_months: dict[str, int] = field(default_factory=dict)


DATA_LEDGER: HassKey[dict[str, _Shared]] = HassKey(f"{DOMAIN}_ledger")


def ledger_url(hass: HomeAssistant, location: str | None) -> str:
    """Return the SQLAlchemy URL of a gateway's ledger ("" or None: the SQLite file)."""
    return engine_url(location) if location else sqlite_url(hass.config.path(LEDGER_FILE))


async def async_acquire_ledger(
    hass: HomeAssistant,
    entry_id: str,
    location: str | None = None,
    detail_months: int = DEFAULT_USAGE_DETAIL_MONTHS,
) -> AsyncLedgerStore:
    """Return the open ledger at the location, opening it for its first gateway.

    The gateway's ``detail_months`` (how long hourly usage is kept before it rolls up into
    days) joins those of the other gateways on the ledger: see :func:`_keep_detail`.
    """
    try:
        url = ledger_url(hass, location)
    except InvalidLocation as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="invalid_ledger_url",
            translation_placeholders={"error": str(err)},
        ) from err
    shared = hass.data.setdefault(DATA_LEDGER, {}).setdefault(url, _Shared())
    async with shared.lock:
        if shared.store is None:
            shared.store = await _open(hass, url)

            async def _close_on_stop(_event: Event) -> None:
                await _close(shared)

            hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _close_on_stop)
        shared.users.add(entry_id)
        shared.detail_months[entry_id] = detail_months
        await _keep_detail(shared)
        return shared.store


async def _keep_detail(shared: _Shared) -> None:
    """Keep hourly usage as long as the gateway that asks for the longest wants it.

    Rolling up deletes hourly rows for good, and the ledger is one for all its gateways: a
    gateway asking for less must not take another gateway's hours away.
    """
    if shared.store is None or not shared.detail_months:
        return
    months = max(shared.detail_months.values())

    def apply(store: LedgerStore) -> None:
        store.detail_months = months

    await shared.store.run(apply)


async def async_release_ledger(hass: HomeAssistant, entry_id: str) -> None:
    """Let go of the gateway's ledger; the last gateway to go closes it."""
    for shared in list(hass.data.get(DATA_LEDGER, {}).values()):
        async with shared.lock:
            if entry_id in shared.users:
                shared.users.discard(entry_id)
                shared.detail_months.pop(entry_id, None)
                if not shared.users:
                    await _close(shared)
                else:
                    await _keep_detail(shared)


async def _close(shared: _Shared) -> None:
    if shared.store is not None:
        store, shared.store = shared.store, None
        await store.close()


async def async_pause_ledgers(hass: HomeAssistant) -> int:
    """Hold the writes of every open ledger after checkpointing it (a backup starts).

    Returns how many ledgers were paused. A PostgreSQL ledger is paused too (its writes then
    match the moment of the backup) though the backup does not contain it.
    """
    paused = 0
    for shared in list(hass.data.get(DATA_LEDGER, {}).values()):
        if shared.store is not None and await shared.store.pause_writes():
            paused += 1
    return paused


async def async_resume_ledgers(hass: HomeAssistant) -> None:
    """Let every paused ledger write again (the backup finished or failed)."""
    for shared in list(hass.data.get(DATA_LEDGER, {}).values()):
        if shared.store is not None:
            await shared.store.resume_writes()


async def open_store(hass: HomeAssistant, url: str) -> AsyncLedgerStore:
    """Open (and create or migrate) the ledger at a URL with this instance's zone and currency."""
    return await AsyncLedgerStore.open(
        url,
        timezone=str(hass.config.time_zone),
        exponent=currency_exponent(hass.config.currency),
    )


async def _open(hass: HomeAssistant, url: str) -> AsyncLedgerStore:
    path = display_url(url)
    try:
        store = await open_store(hass, url)
    except SchemaTooNew as err:
        _raise_issue(hass, "ledger_too_new", path, err.placeholders.get("found", "?"))
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="ledger_too_new",
            translation_placeholders={"path": path},
        ) from err
    except (LedgerUnavailable, OperationalError) as err:
        if login_refused(err):
            # Retrying cannot help: Home Assistant asks for the new password (reauth flow).
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="ledger_login_refused",
                translation_placeholders={"path": path},
            ) from err
        # Locked, unreachable or momentarily unwritable: worth retrying.
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="ledger_unavailable",
            translation_placeholders={"path": path, "error": str(err)},
        ) from err
    except DatabaseError as err:
        _raise_issue(hass, "ledger_corrupt", path, str(err.orig or err))
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="ledger_corrupt",
            translation_placeholders={"path": path},
        ) from err
    ir.async_delete_issue(hass, DOMAIN, "ledger_corrupt")
    ir.async_delete_issue(hass, DOMAIN, "ledger_too_new")
    if store.store.migrated_from is not None:
        _LOGGER.info("Ledger %s opened (schema found: v%s)", path, store.store.migrated_from)
    return store


def _raise_issue(hass: HomeAssistant, key: str, path: str, detail: str) -> None:
    raise_issue(
        hass,
        key,
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.CRITICAL,
        translation_key=key,
        translation_placeholders={"path": path, "detail": detail},
    )


async def async_check_location(
    hass: HomeAssistant, current: str | None, new: str | None, account_codes: set[str]
) -> str | None:
    """Return why a gateway may not move its ledger to ``new`` (an error key), or None.

    The new location must open (created or migrated as needed), and must already hold every
    account of the gateway that has money or history where it is now: moving would otherwise
    leave balances behind and start the tenants from zero.
    """
    if (current or "") == (new or ""):
        return None
    try:
        new_url = ledger_url(hass, new)
    except InvalidLocation:
        return "invalid_ledger_url"
    opened: list[AsyncLedgerStore] = []

    async def store_at(url: str) -> AsyncLedgerStore:
        shared = hass.data.get(DATA_LEDGER, {}).get(url)
        if shared is not None and shared.store is not None:
            return shared.store
        store = await open_store(hass, url)
        opened.append(store)
        return store

    try:
        try:
            target = await store_at(new_url)
        except SchemaTooNew:
            return "ledger_too_new"
        except ImportError:
            return "ledger_driver_missing"
        except (LedgerUnavailable, SQLAlchemyError, OSError) as err:
            _LOGGER.warning("Ledger at %s cannot be used: %s", display_url(new_url), err)
            return "ledger_cannot_connect"
        source = await store_at(ledger_url(hass, current))
        held = await source.run(lambda s: s.accounts_with_history(account_codes))
        present = set(await target.run(lambda s: s.balances()))
        if held - present:
            return "ledger_would_strand_money"
        return None
    finally:
        for store in opened:
            await store.close()


async def async_test_login(hass: HomeAssistant, location: str) -> str | None:
    """Open the PostgreSQL ledger at ``location`` once; return an error key, or None."""
    try:
        store = await open_store(hass, engine_url(location))
    except InvalidLocation:
        return "invalid_ledger_url"
    except (LedgerUnavailable, SQLAlchemyError, OSError) as err:
        if login_refused(err):
            return "invalid_auth"
        _LOGGER.warning("Ledger at %s cannot be used: %s", display_url(location), err)
        return "ledger_cannot_connect"
    await store.close()
    return None
