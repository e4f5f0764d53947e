"""Emergency credit: an advance a resident can claim once, paid back by the next top-up.

A resident whose balance is at the last alarm level or below (or who is already cut off) may
claim emergency credit once, from the account's button or through the admin service. It is an
adjustment in the ledger with the key ``emergency:<account>:<n>`` (the n-th claim of the
account), so two presses at the same moment credit it once. The next recharge pays it back with
a second adjustment, ``emergency_repaid:<account>:<n>``, before the account is reviewed, so
supply is never switched on by the top-up and off again by the repayment. A new claim is
possible only once the balance has been above zero after that repayment: the ledger's own
entries say where an account stands, nothing else is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.core import HomeAssistant
from sqlalchemy import Connection, func, select

from ..billing.errors import LedgerConflict, PrepaidError
from ..ledger import AsyncLedgerStore, LedgerStore
from ..ledger.rows import wallet_id
from ..ledger.schema import journal_entry, posting

_LOGGER = logging.getLogger(__name__)

CONF_EMERGENCY_CREDIT: Final = "emergency_credit"
CLAIM_PREFIX: Final = "emergency:"
REPAID_PREFIX: Final = "emergency_repaid:"
REASON_CLAIM: Final = "emergency credit"
REASON_REPAID: Final = "emergency credit paid back by a top-up"
_SOURCE: Final = "adjustment"  # the ledger's source for adjustments


def claim_key(code: str, cycle: int) -> str:
    """Return the idempotency key of an account's n-th claim."""
    return f"{CLAIM_PREFIX}{code}:{cycle}"


def repaid_key(code: str, cycle: int) -> str:
    """Return the idempotency key of the repayment of an account's n-th claim."""
    return f"{REPAID_PREFIX}{code}:{cycle}"


@dataclass(frozen=True, slots=True)
class EmergencyStatus:
    """Where an account stands with emergency credit."""

    cycle: int  # number of the next claim (1 for an account that never claimed)
    outstanding: int  # claimed and not paid back yet (minor units)
    claimable: bool  # no claim open, and above zero since the last one was paid back
    repay_due: bool  # a recharge was credited since the open claim


def _entry_id(conn: Connection, key: str) -> int | None:
    query = select(journal_entry.c.id).where(
        journal_entry.c.source == _SOURCE, journal_entry.c.key == key
    )
    found = conn.execute(query).scalar()
    return None if found is None else int(found)


def _above_zero_since(conn: Connection, wallet: int, entry_id: int) -> bool:
    """Return True when the wallet's balance was above zero at or after ``entry_id``."""
    running = int(
        conn.execute(
            select(func.coalesce(func.sum(posting.c.amount), 0)).where(
                posting.c.account_id == wallet, posting.c.entry_id <= entry_id
            )
        ).scalar_one()
    )
    if running > 0:
        return True
    later = conn.execute(
        select(posting.c.entry_id, func.sum(posting.c.amount))
        .where(posting.c.account_id == wallet, posting.c.entry_id > entry_id)
        .group_by(posting.c.entry_id)
        .order_by(posting.c.entry_id)
    )
    for _, amount in later:
        running += int(amount)
        if running > 0:
            return True
    return False


def emergency_status(store: LedgerStore, code: str) -> EmergencyStatus:
    """Read an account's emergency-credit standing from its ledger entries."""
    with store.reading() as conn:
        wallet = wallet_id(conn, code)
        last = conn.execute(
            select(journal_entry.c.id, journal_entry.c.key, journal_entry.c.amount)
            .where(
                journal_entry.c.source == _SOURCE,
                journal_entry.c.account_id == wallet,
                journal_entry.c.key.startswith(f"{CLAIM_PREFIX}{code}:", autoescape=True),
            )
            .order_by(journal_entry.c.id.desc())
            .limit(1)
        ).first()
        if last is None:
            return EmergencyStatus(1, 0, claimable=True, repay_due=False)
        cycle = int(str(last.key).rsplit(":", 1)[1])
        repaid = _entry_id(conn, repaid_key(code, cycle))
        if repaid is None:
            recharged = conn.execute(
                select(journal_entry.c.id)
                .where(
                    journal_entry.c.account_id == wallet,
                    journal_entry.c.kind == "recharge",
                    journal_entry.c.id > last.id,
                )
                .limit(1)
            ).first()
            return EmergencyStatus(
                cycle + 1, int(last.amount), claimable=False, repay_due=recharged is not None
            )
        above = _above_zero_since(conn, wallet, repaid)
        return EmergencyStatus(cycle + 1, 0, claimable=above, repay_due=False)


def open_claims(store: LedgerStore, codes: Iterable[str]) -> set[str]:
    """Return the accounts among ``codes`` with a claim not paid back yet."""
    wanted = set(codes)
    claims: dict[str, int] = {}
    repaid: set[tuple[str, int]] = set()
    with store.reading() as conn:
        rows = conn.execute(
            select(journal_entry.c.key).where(
                journal_entry.c.source == _SOURCE,
                journal_entry.c.key.startswith("emergency", autoescape=True),
            )
        )
        for (key,) in rows:
            prefix, code, number = str(key).rsplit(":", 2)
            if code not in wanted or not number.isdigit():
                continue
            if f"{prefix}:" == CLAIM_PREFIX:
                claims[code] = max(claims.get(code, 0), int(number))
            elif f"{prefix}:" == REPAID_PREFIX:
                repaid.add((code, int(number)))
    return {code for code, cycle in claims.items() if (code, cycle) not in repaid}


class EmergencyCredit:
    """Claims and repayments of one gateway's accounts."""

    def __init__(self, hass: HomeAssistant, ledger: AsyncLedgerStore, title: str) -> None:
        """Work on ``ledger`` for the gateway ``title``."""
        self.hass = hass
        self.ledger = ledger
        self.title = title
        self._open: set[str] | None = None  # accounts with an open claim (None: not read yet)

    async def async_status(self, code: str) -> tuple[EmergencyStatus, int]:
        """Return the account's standing and its balance."""
        return await self.ledger.run(lambda s: (emergency_status(s, code), s.balance(code)))

    async def async_claim(self, code: str, cycle: int, amount: int, actor: str) -> Any:
        """Credit the claim once; raises ``LedgerConflict`` when it was claimed otherwise."""
        result = await self.ledger.adjust(
            code, amount, claim_key(code, cycle), REASON_CLAIM, actor=actor
        )
        if self._open is not None:
            self._open.add(code)
        return result

    async def async_settle(self, balances: Mapping[str, int]) -> dict[str, int]:
        """Pay back open claims of accounts topped up since; return their new balances."""
        changed: dict[str, int] = {}
        try:
            if self._open is None:
                codes = list(balances)
                self._open = await self.ledger.run(lambda s: open_claims(s, codes))
            for code in sorted(self._open):
                if code not in balances:
                    continue
                status, _ = await self.async_status(code)
                if status.outstanding == 0:
                    self._open.discard(code)
                    continue
                if not status.repay_due:
                    continue
                key = repaid_key(code, status.cycle - 1)
                await self.ledger.adjust(code, -status.outstanding, key, REASON_REPAID)
                self._open.discard(code)
                changed[code] = await self.ledger.balance(code)
                _LOGGER.info("%s: emergency credit of %s paid back", code, status.outstanding)
        except LedgerConflict:
            _LOGGER.exception("%s: emergency credit repayment refused", self.title)
        except PrepaidError as err:
            # The ledger is unavailable: the repayment waits for the next review.
            _LOGGER.warning("%s: emergency credit not settled now: %s", self.title, err)
        return changed
