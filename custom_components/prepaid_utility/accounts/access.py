"""Who may see which tenant account: one rule for the cards' websocket and the statement view.

An administrator sees every account of every loaded gateway; any other user sees only the
accounts whose subentry lists their user id under ``viewers`` (a resident's tablet). Callers
answer "not found" for an account the user may not see, exactly as for one that does not
exist, so a tenant learns nothing of other accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.auth.models import User
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from ..const import CONF_VIEWERS, DOMAIN
from .setup import AccountSetup


@dataclass(slots=True)
class AccountRef:
    """One account as the cards and statements need it, from whichever gateway holds it."""

    setup: AccountSetup
    entry: Any
    viewers: frozenset[str]


def all_accounts(hass: HomeAssistant) -> dict[str, AccountRef]:
    """Return every account of the loaded gateways by account code."""
    found: dict[str, AccountRef] = {}
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is not ConfigEntryState.LOADED:
            continue
        for code, setup in entry.runtime_data.coordinator.accounts.items():
            sub = entry.subentries.get(code)
            viewers = frozenset(sub.data.get(CONF_VIEWERS, ())) if sub is not None else frozenset()
            found[code] = AccountRef(setup, entry, viewers)
    return found


def visible_to(user: User, accounts: dict[str, AccountRef]) -> dict[str, AccountRef]:
    """Return the accounts this user may see."""
    if user.is_admin:
        return accounts
    return {code: acc for code, acc in accounts.items() if user.id in acc.viewers}


def visible_account(hass: HomeAssistant, user: User, code: str) -> AccountRef | None:
    """Return one account if this user may see it, else None (unknown or not theirs)."""
    return visible_to(user, all_accounts(hass)).get(code)
