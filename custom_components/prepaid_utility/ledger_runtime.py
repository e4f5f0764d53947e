"""One ledger per Home Assistant instance, shared by every gateway entry.

The ledger opens with the first gateway and closes with the last one (or when Home Assistant
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
from homeassistant.exceptions import ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import issue_registry as ir
from homeassistant.util.hass_dict import HassKey
from sqlalchemy.exc import DatabaseError, OperationalError

from .billing.errors import LedgerUnavailable, SchemaTooNew
from .const import DOMAIN
from .ledger import AsyncLedgerStore
from .ledger.database import sqlite_url

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


DATA_LEDGER: HassKey[_Shared] = HassKey(f"{DOMAIN}_ledger")


async def async_acquire_ledger(hass: HomeAssistant, entry_id: str) -> AsyncLedgerStore:
    """Return the open ledger, opening it for the first gateway."""
    shared = hass.data.setdefault(DATA_LEDGER, _Shared())
    async with shared.lock:
        if shared.store is None:
            shared.store = await _open(hass)

            async def _close_on_stop(_event: Event) -> None:
                await _close(shared)

            hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _close_on_stop)
        shared.users.add(entry_id)
        return shared.store


async def async_release_ledger(hass: HomeAssistant, entry_id: str) -> None:
    """Let go of the ledger; the last gateway to go closes it."""
    shared = hass.data.get(DATA_LEDGER)
    if shared is None:
        return
    async with shared.lock:
        shared.users.discard(entry_id)
        if not shared.users:
            await _close(shared)


async def _close(shared: _Shared) -> None:
    if shared.store is not None:
        store, shared.store = shared.store, None
        await store.close()


async def _open(hass: HomeAssistant) -> AsyncLedgerStore:
    path = hass.config.path(LEDGER_FILE)
    try:
        store = await AsyncLedgerStore.open(
            sqlite_url(path),
            timezone=str(hass.config.time_zone),
            exponent=currency_exponent(hass.config.currency),
        )
    except SchemaTooNew as err:
        _raise_issue(hass, "ledger_too_new", path, err.placeholders.get("found", "?"))
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="ledger_too_new",
            translation_placeholders={"path": path},
        ) from err
    except (LedgerUnavailable, OperationalError) as err:
        # Locked or momentarily unwritable: worth retrying.
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
    ir.async_create_issue(
        hass,
        DOMAIN,
        key,
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.CRITICAL,
        translation_key=key,
        translation_placeholders={"path": path, "detail": detail},
    )
