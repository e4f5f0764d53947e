"""Emergency credit as the ledger records it: claims and repayments are adjustments.

An account's n-th claim is the adjustment keyed ``emergency:<account>:<n>``, its repayment
``emergency_repaid:<account>:<n>``; where an account stands is read from these entries alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection, func, select

from .rows import wallet_id
from .schema import journal_entry, posting
from .store import LedgerStore

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
