"""Fee items of one gateway (rent, property fee, service fee) and charging them when due.

The items live in Home Assistant storage, one file per gateway; what was charged lives in the
ledger, keyed by account, item and period (``YYYY-MM``, or ``once``). So a monthly fee is charged
exactly once per month whatever happens: polls every 30 s, restarts, a clock that jumps back
(charging waits while the clock is behind the ledger).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from ..accounts.setup import AccountSetup, is_closed
from ..billing.errors import PrepaidError
from ..billing.fees import (
    FeeBasis,
    FeeCollection,
    FeeItem,
    FeeRecurrence,
    clock_trusted,
    period_for,
)
from ..const import DOMAIN
from ..ledger import AsyncLedgerStore, LedgerStore
from ..ledger.journal import EntryResult

_LOGGER = logging.getLogger(__name__)
STORAGE_VERSION = 1


@dataclass(frozen=True, slots=True)
class FeeDefinition:
    """A fee item and the accounts it applies to."""

    fee_id: str
    name: str
    basis: FeeBasis
    amount_minor: int  # per month (or once); per m² of floor area for ``per_m2``
    recurrence: FeeRecurrence
    collection: FeeCollection
    accounts: tuple[str, ...]

    @property
    def item(self) -> FeeItem:
        """Return the ledger's fee item."""
        return FeeItem(self.fee_id, self.basis, self.amount_minor, self.recurrence, self.collection)

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form."""
        data = asdict(self)
        data["accounts"] = list(self.accounts)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeeDefinition:
        """Read the stored form."""
        return cls(
            fee_id=str(data["fee_id"]),
            name=str(data["name"]),
            basis=FeeBasis(data["basis"]),
            amount_minor=int(data["amount_minor"]),
            recurrence=FeeRecurrence(data["recurrence"]),
            collection=FeeCollection(data["collection"]),
            accounts=tuple(data["accounts"]),
        )


def area_centi_m2(area_m2: float) -> int:
    """Return a floor area in m² as hundredths of m² (the ledger's unit)."""
    return int((Decimal(str(area_m2)) * 100).to_integral_value(ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class FeeCharge:
    """One fee charged (or found charged) to one account for one period."""

    account: str
    fee_id: str
    period: str
    result: EntryResult


def charge_fees(
    store: LedgerStore,
    plan: list[tuple[str, FeeItem, int]],
    now: datetime,
    *,
    strict: bool = False,
) -> list[FeeCharge]:
    """Charge each (account, item, area) for the period of ``now``; runs on the writer thread.

    A refused charge (say an item re-added with another amount in a period already charged) is
    logged and skipped, so one bad item never blocks the others; ``strict`` raises instead.
    """
    if not clock_trusted(now, store.last_ledger_instant()):
        return []
    done: list[FeeCharge] = []
    for code, planned, area in plan:
        period = period_for(planned, now, store.timezone)
        item = planned
        if planned.basis is FeeBasis.PER_M2:
            # The floor area lives in the account's subentry: priced here with the ledger's
            # rounding rule, charged as the fixed amount it comes to.
            item = replace(planned, basis=FeeBasis.FIXED, amount_minor=planned.amount_for(area))
        try:
            result = store.charge_fee(code, item, period, at=now)
        except PrepaidError as err:
            if strict:
                raise
            _LOGGER.warning("Fee %s for %s (%s) not charged: %s", item.code, code, period, err)
            continue
        done.append(FeeCharge(code, item.code, period, result))
    return done


class FeeBook:
    """The fee items of one gateway, and charging them when due."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        ledger: AsyncLedgerStore,
        clock: Callable[[], datetime],
    ) -> None:
        """Bind the book to its storage file and the shared ledger."""
        self.hass = hass
        self.entry_id = entry_id
        self.ledger = ledger
        self.clock = clock
        self.fees: dict[str, FeeDefinition] = {}
        self._charged: set[tuple[str, str, str]] = set()  # (account, fee, period) in the ledger
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.fees.{entry_id}"
        )

    async def async_load(self) -> None:
        """Read the stored items."""
        saved = await self._store.async_load() or {}
        self.fees = {f["fee_id"]: FeeDefinition.from_dict(f) for f in saved.get("fees", [])}

    async def async_save(self, fees: dict[str, FeeDefinition]) -> None:
        """Replace the items and save them now (a fee must survive a crash right after)."""
        await self._store.async_save({"fees": [f.as_dict() for f in fees.values()]})
        self.fees = fees

    def plan(
        self, accounts: Mapping[str, AccountSetup], closed: set[str], only: str | None = None
    ) -> list[tuple[str, FeeItem, int]]:
        """Return (account, item, area) for every open account a fee applies to."""
        return [
            (code, fee.item, area_centi_m2(accounts[code].area_m2))
            for fee in self.fees.values()
            for code in fee.accounts
            if code in accounts and code not in closed and only in {None, code}
        ]

    def closed(self) -> set[str]:
        """Return the accounts of this gateway that were closed (no more fees)."""
        entry = self.hass.config_entries.async_get_entry(self.entry_id)
        if entry is None:
            return set()
        return {code for code in entry.subentries if is_closed(entry, code)}

    async def async_charge_due(
        self, accounts: Mapping[str, AccountSetup], only: str | None = None
    ) -> list[FeeCharge]:
        """Charge every fee due now (this month's periodic fees, one-off fees not yet charged).

        What was charged (or found charged) is remembered, so a poll every 30 s asks the ledger
        only at the start of a period; the ledger's keys still decide, across restarts.
        """
        now = self.clock()
        zone = str(self.hass.config.time_zone)
        plan = [
            p
            for p in self.plan(accounts, self.closed(), only)
            if (p[0], p[1].code, period_for(p[1], now, zone)) not in self._charged
        ]
        if not plan:
            return []
        charges = await self.ledger.run(lambda store: charge_fees(store, plan, now))
        self._charged.update((c.account, c.fee_id, c.period) for c in charges)
        return charges

    async def async_charge_new(self, accounts: Mapping[str, AccountSetup]) -> bool:
        """Charge what is due; return whether anything new was charged (balances moved)."""
        return any(not c.result.replayed for c in await self.async_charge_due(accounts))

    def forget(self, fee_id: str) -> None:
        """Drop what is remembered of a fee (it was removed or re-added)."""
        self._charged = {c for c in self._charged if c[1] != fee_id}


async def async_remove_fee_items(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a deleted gateway's fee items (what was charged stays in the ledger)."""
    store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, f"{DOMAIN}.fees.{entry_id}")
    await store.async_remove()
