"""The month closes: just after midnight on the 1st, each account's statement is announced.

At 00:05 (Home Assistant's time zone) every day, and once when a gateway is set up, each
account whose statement for the last ended month has not been announced gets one
``prepaid_utility_statement_ready`` event. Five minutes leave the month's last poll time to
be billed. What was announced is kept in a store, so a restart never announces a month twice
and a Home Assistant that was off at midnight announces it when it comes back. An account
first seen after the 1st (added during the month, or the integration was just updated) is
announced from the next month on: it has no full month to show yet.

The event carries a link to the statement page, signed with Home Assistant's ``auth/sign_path``
(the mechanism the account card uses) for a dedicated system user whose only use is these
links. The signature covers that one path; Home Assistant keys its path signatures to the
running instance, so the link works for :data:`LINK_VALID` or until Home Assistant restarts,
whichever comes first. The statement view lets that user read any account's statement, which
is safe because it can only ever present a signature for the one path it was signed for.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from homeassistant.auth.const import GROUP_ID_READ_ONLY
from homeassistant.auth.models import User
from homeassistant.components.http.auth import async_sign_path
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_change
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..billing.errors import LedgerUnavailable, PrepaidError
from ..const import DOMAIN
from ..events import EVENT_STATEMENT_READY, StatementReady
from .build import async_statement
from .periods import ATTR_MONTH, period_bounds

_LOGGER = logging.getLogger(__name__)

CLOSE_AT = (0, 5, 0)  # hour, minute, second of the daily run (local time)
LINK_VALID = timedelta(days=7)
LINK_USER_NAME = "Prepaid Utility statement links"
_LINK_STORE = f"{DOMAIN}.statement_links"
_SENT_STORE = f"{DOMAIN}.statements_sent"
_DATA_LINK_USER = f"{DOMAIN}_statement_link_user"
_DATA_LINK_LOCK = f"{DOMAIN}_statement_link_lock"


def ended_month(now: datetime) -> str:
    """Return the month (YYYY-MM) that ended last before local time ``now``."""
    first = dt_util.as_local(now).replace(day=1)
    last = first - timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def is_link_user(hass: HomeAssistant, user: User) -> bool:
    """Return True for the system user that signs the statement links of the events."""
    link_user: User | None = hass.data.get(_DATA_LINK_USER)
    return link_user is not None and user.id == link_user.id


async def _link_user(hass: HomeAssistant) -> User:
    """Return the link-signing system user, created once and kept across restarts."""
    lock: asyncio.Lock = hass.data.setdefault(_DATA_LINK_LOCK, asyncio.Lock())
    async with lock:
        if (user := hass.data.get(_DATA_LINK_USER)) is not None:
            return user  # type: ignore[no-any-return]
        store: Store[dict[str, str]] = Store(hass, 1, _LINK_STORE, private=True)
        saved = await store.async_load() or {}
        found = await hass.auth.async_get_user(saved["user_id"]) if "user_id" in saved else None
        if found is None:
            # Read-only group and no password: it cannot log in, it only signs paths.
            found = await hass.auth.async_create_system_user(
                LINK_USER_NAME, group_ids=[GROUP_ID_READ_ONLY]
            )
            await store.async_save({"user_id": found.id})
        if not found.refresh_tokens:
            await hass.auth.async_create_refresh_token(found)
        hass.data[_DATA_LINK_USER] = found
        return found


async def async_signed_link(hass: HomeAssistant, path: str) -> str:
    """Return ``path`` signed for the link user, absolute when Home Assistant knows its URL."""
    user = await _link_user(hass)
    token = next(iter(user.refresh_tokens.values()))
    signed = async_sign_path(hass, path, LINK_VALID, refresh_token_id=token.id)
    try:
        return get_url(hass, prefer_external=True) + signed
    except NoURLAvailableError:
        return signed


class MonthlyStatements:
    """Announce each account's statement once per month, for one gateway entry."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Keep what was announced in a store of its own per gateway."""
        self.hass = hass
        self.entry = entry
        self._store: Store[dict[str, Any]] = Store(hass, 1, f"{_SENT_STORE}.{entry.entry_id}")
        self._sent: dict[str, str] = {}
        self._running: asyncio.Lock = asyncio.Lock()

    async def async_start(self) -> None:
        """Load what was announced, catch up once, then run daily just after midnight."""
        saved = await self._store.async_load() or {}
        self._sent = dict(saved.get("sent", {}))
        hour, minute, second = CLOSE_AT
        self.entry.async_on_unload(
            async_track_time_change(
                self.hass, self._async_tick, hour=hour, minute=minute, second=second
            )
        )
        self.entry.async_create_task(
            self.hass, self.async_close(dt_util.now()), f"{DOMAIN} statements catch-up"
        )

    @callback
    def _async_tick(self, now: datetime) -> None:
        self.entry.async_create_task(self.hass, self.async_close(now), f"{DOMAIN} month close")

    async def async_close(self, now: datetime) -> list[str]:
        """Announce the ended month for each account not yet announced; return those codes."""
        async with self._running:
            month = ended_month(now)
            first_day = dt_util.as_local(now).day == 1
            announced: list[str] = []
            changed = False
            accounts = self.entry.runtime_data.coordinator.accounts
            for code, setup in accounts.items():
                last = self._sent.get(code)
                if last is not None and last >= month:
                    continue
                if last is None and not first_day:
                    self._sent[code] = month  # no full month yet: start next month
                    changed = True
                    continue
                if await self._announce(code, setup, month):
                    self._sent[code] = month
                    announced.append(code)
                    changed = True
            if changed:
                await self._store.async_save({"sent": self._sent})
            return announced

    async def _announce(self, code: str, setup: Any, month: str) -> bool:
        try:
            bounds = period_bounds(self.hass, {ATTR_MONTH: month})
            data = await async_statement(self.hass, self.entry, code, bounds)
        except LedgerUnavailable:
            _LOGGER.warning("Statement %s of %s not announced: ledger unavailable", month, code)
            return False  # the next daily run tries again
        except PrepaidError:
            return False  # not in the ledger: nothing to state
        path = f"/api/{DOMAIN}/statement/{code}/{month}.html"
        event = StatementReady(
            account_id=code,
            account_name=setup.tenant,
            room=setup.room,
            balance=data["closing_balance"],
            currency=data["currency"],
            period=month,
            url=await async_signed_link(self.hass, path),
            url_expires=(dt_util.utcnow() + LINK_VALID).isoformat(timespec="seconds"),
        )
        self.hass.bus.async_fire(EVENT_STATEMENT_READY, event.as_data())
        return True
