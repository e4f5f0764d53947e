"""Tenant accounts of one gateway: their rules, and keeping the ledger's accounts in step.

The ledger knows an account by its subentry id and which meters it holds from which instant;
names, rooms and rules live in the subentry. At set-up every account exists in the ledger and
holds exactly the meters its subentry lists; a meter moved between accounts is closed at its
current reading for the old holder and opened at the same reading for the new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from homeassistant.config_entries import ConfigEntry

from ..billing.policy import AlarmThresholds, SupplyPolicy
from ..const import (
    CONF_AREA_M2,
    CONF_HIDE_TENANT_NAMES,
    CONF_METERS,
    CONF_ROOM,
    SUBENTRY_ACCOUNT,
)
from ..ledger import AsyncLedgerStore, LedgerStore
from .rules import policy_from, thresholds_from

CLOSED_AT = "closed_at"  # set in an account subentry's data once the account is settled


@dataclass(frozen=True, slots=True)
class AccountSetup:
    """One tenant account as configured."""

    code: str  # the subentry id, the account's code in the ledger
    tenant: str
    room: str
    area_m2: float
    meters: tuple[str, ...]
    thresholds: AlarmThresholds
    policy: SupplyPolicy
    hide_tenant: bool = False  # the gateway's "hide tenant names" option

    @property
    def short_code(self) -> str:
        """Return the end of the account's code: unique enough in one building, and no name."""
        return self.code[-6:].upper()

    @property
    def public_name(self) -> str:
        """Return the name entities, statistics and repairs show for this account.

        Every logged-in user can read those, so with tenant names hidden it is the room, or
        the short code for an account without a room.
        """
        if not self.hide_tenant:
            return self.tenant
        return self.room or self.short_code


def build_accounts(entry: ConfigEntry, exponent: int) -> dict[str, AccountSetup]:
    """Return the gateway's accounts from its subentries."""
    hide = entry.options.get(CONF_HIDE_TENANT_NAMES) is True
    return {
        sub.subentry_id: AccountSetup(
            code=sub.subentry_id,
            tenant=sub.title,
            room=str(sub.data.get(CONF_ROOM, "")),
            area_m2=float(sub.data.get(CONF_AREA_M2, 0) or 0),
            meters=tuple(sub.data.get(CONF_METERS, [])),
            thresholds=thresholds_from(sub.data, exponent),
            policy=policy_from(sub.data, exponent),
            hide_tenant=hide,
        )
        for sub in entry.subentries.values()
        if sub.subentry_type == SUBENTRY_ACCOUNT
    }


def is_closed(entry: ConfigEntry, code: str) -> bool:
    """Return whether an account was closed (settled) by ``close_account``."""
    sub = entry.subentries.get(code)
    return sub is not None and bool(sub.data.get(CLOSED_AT))


def sync_accounts(
    store: LedgerStore,
    accounts: Mapping[str, AccountSetup],
    known_meters: set[str],
    at: datetime,
    building: tuple[str, str] | None = None,
) -> int:
    """Create missing accounts and move meters to the account that lists them; return moves.

    ``building`` (id, name) puts the accounts in that building's books on a shared ledger.
    """
    moves = 0
    for setup in accounts.values():
        store.create_account(setup.code)
    if building is not None:
        store.claim_building(building[0], building[1], list(accounts))
    holders = store.holders()
    ledger_meters = set(store.meters())
    for setup in accounts.values():
        for meter_id in setup.meters:
            registered = meter_id in known_meters and meter_id in ledger_meters
            if registered and holders.get(meter_id) != setup.code:
                store.assign_meter(meter_id, setup.code, at)
                moves += 1
    listed = {m for setup in accounts.values() for m in setup.meters}
    for meter_id, holder in holders.items():
        if holder in accounts and meter_id not in listed and meter_id in known_meters:
            store.assign_meter(meter_id, "vacant", at)  # taken off the account: vacant again
            moves += 1
    return moves


async def async_sync_accounts(
    ledger: AsyncLedgerStore,
    accounts: Mapping[str, AccountSetup],
    known_meters: set[str],
    at: datetime,
    building: tuple[str, str] | None = None,
) -> int:
    """Run :func:`sync_accounts` on the ledger's writer thread."""
    return await ledger.run(
        lambda store: sync_accounts(store, accounts, known_meters, at, building)
    )
