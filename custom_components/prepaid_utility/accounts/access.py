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
from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized, UnknownUser

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
            found[code] = AccountRef(setup, entry, viewers_of(entry, code))
    return found


def visible_to(user: User, accounts: dict[str, AccountRef]) -> dict[str, AccountRef]:
    """Return the accounts this user may see."""
    if user.is_admin:
        return accounts
    return {code: acc for code, acc in accounts.items() if user.id in acc.viewers}


def visible_account(hass: HomeAssistant, user: User, code: str) -> AccountRef | None:
    """Return one account if this user may see it, else None (unknown or not theirs)."""
    return visible_to(user, all_accounts(hass)).get(code)


class NotPermitted(Unauthorized):
    """An ordinary user tried to move money or supply: ``Unauthorized``, translated.

    Home Assistant's websocket answers any ``HomeAssistantError`` of a service call with its
    message and translation key, so the tablet shows why instead of a bare "Unauthorized".
    """

    def __init__(self, context: Context, entity_id: str | None, translation_key: str) -> None:
        """Name the entity that was refused."""
        super().__init__(context=context, entity_id=entity_id, permission=POLICY_CONTROL)
        self.translation_domain = DOMAIN
        self.translation_key = translation_key
        self.translation_placeholders = {"entity": entity_id or ""}
        self.generate_message = True


def viewers_of(entry: Any, code: str) -> frozenset[str]:
    """Return the users listed in an account's "Who may see it"."""
    sub = entry.subentries.get(code)
    return frozenset(sub.data.get(CONF_VIEWERS, ())) if sub is not None else frozenset()


async def async_authorise(
    hass: HomeAssistant,
    context: Context | None,
    entity_id: str | None,
    *,
    residents: frozenset[str] | None = None,
) -> None:
    """Let an administrator act (or one of ``residents``); refuse every other user.

    Home Assistant lets ordinary users control every entity, so entities that move money or
    supply check here, where they act. A call without a user is the system's own: automations
    run with a fresh context of no user, whoever triggered them, and only an administrator can
    write one.
    """
    user_id = context.user_id if context is not None else None
    if context is None or user_id is None:
        return
    user = await hass.auth.async_get_user(user_id)
    if user is None:
        raise UnknownUser(context=context, entity_id=entity_id, permission=POLICY_CONTROL)
    if user.is_admin or (residents is not None and user.id in residents):
        return
    raise NotPermitted(
        context, entity_id, "admin_only" if residents is None else "emergency_not_yours"
    )
