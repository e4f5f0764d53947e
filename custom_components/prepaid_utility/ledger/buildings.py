"""Whose books an account is in, on a ledger several buildings share.

Each gateway writing to a ledger is a building (its id is the gateway's config entry id, unique
across Home Assistant instances); its tenant accounts name it in ``account.building``. A gateway
claims its accounts at every start: accounts of a ledger older than version 7, and accounts
another gateway's instance created first, have no building until then. An account already in
another building's books stays there (an account belongs to one building).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from ..billing.errors import InvalidAmount, UnknownBuilding
from .schema import account, building

MAX_NAME = 200


def claim(conn: Connection, building_id: str, name: str, codes: Iterable[str], now_us: int) -> int:
    """Name the building and put its accounts without a building in it; return how many."""
    name = name.strip()[:MAX_NAME] or building_id
    if not building_id or len(building_id) > 64:
        raise InvalidAmount("invalid building id", building=building_id)
    found = conn.execute(
        select(building.c.name).where(building.c.id == building_id)
    ).scalar_one_or_none()
    if found is None:
        conn.execute(building.insert().values(id=building_id, name=name, updated_us=now_us))
    elif found != name:
        conn.execute(
            building.update()
            .where(building.c.id == building_id)
            .values(name=name, updated_us=now_us)
        )
    wanted = list(codes)
    if not wanted:
        return 0
    result = conn.execute(
        account.update()
        .where(
            account.c.code.in_(wanted),
            account.c.kind == "wallet",
            account.c.building.is_(None),
        )
        .values(building=building_id)
    )
    return int(result.rowcount or 0)


def names(conn: Connection) -> dict[str, str]:
    """Return building id -> name of every building on the ledger, by name."""
    rows = conn.execute(select(building.c.id, building.c.name).order_by(building.c.name))
    return {str(row.id): str(row.name) for row in rows}


def require(conn: Connection, building_id: str) -> str:
    """Return the building's name; raise UnknownBuilding for an id the ledger does not hold."""
    found = conn.execute(
        select(building.c.name).where(building.c.id == building_id)
    ).scalar_one_or_none()
    if found is None:
        raise UnknownBuilding("unknown building", building=building_id)
    return str(found)


def of_accounts(conn: Connection) -> dict[str, str | None]:
    """Return account code -> building id of every tenant account (None: not claimed yet)."""
    rows = conn.execute(
        select(account.c.code, account.c.building).where(account.c.kind == "wallet")
    )
    return {str(row.code): row.building for row in rows}


def accounts(conn: Connection, building_id: str | None) -> list[str]:
    """Return the codes of the building's tenant accounts (None: every building's)."""
    query = select(account.c.code).where(account.c.kind == "wallet")
    if building_id is not None:
        query = query.where(account.c.building == building_id)
    return list(conn.execute(query.order_by(account.c.code)).scalars())
