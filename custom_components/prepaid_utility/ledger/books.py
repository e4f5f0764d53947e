"""One building's books, or every building's, as the finance and reports cards read them.

A ledger several Home Assistant instances (or gateways) share holds several buildings
(:mod:`.buildings`); these reads take the building from the ledger, not from the running
gateways, so an instance shows the accounts another instance keeps. ``building`` None is every
building on the ledger; an id the ledger does not hold gives no books (the caller may have other
ledgers that hold it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from . import buildings
from . import dashboard as read


@dataclass(frozen=True, slots=True)
class Books:
    """What one ledger holds of the books asked for."""

    buildings: dict[str, str]  # id -> name of every building on the ledger
    of_account: dict[str, str | None]  # account code -> building id (None: not claimed yet)
    finance: read.FinanceReport | None = None  # None: the building is not on this ledger
    months: list[read.MonthFigures] | None = None
    split: read.Breakdown | None = None
    accounts: int = 0


def finance(
    conn: Connection, start_day: int, end_day: int, divisor: int, building: str | None
) -> Books:
    """Return the finance report of one building's books (or all) and who holds each account."""
    named = buildings.names(conn)
    if building is not None and building not in named:
        return Books(named, {})
    report = read.finance(conn, start_day, end_day, divisor, building=building)
    return Books(named, buildings.of_accounts(conn), finance=report)


def monthly(conn: Connection, year: int, building: str | None) -> Books:
    """Return the months and the period/tier split of one building's accounts (or all)."""
    named = buildings.names(conn)
    if building is not None and building not in named:
        return Books(named, {})
    codes = buildings.accounts(conn, building)
    return Books(
        named,
        {},
        months=read.monthly(conn, codes, year),
        split=read.breakdown(conn, codes, year),
        accounts=len(codes),
    )
