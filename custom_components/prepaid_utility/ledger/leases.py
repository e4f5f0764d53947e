"""Which Home Assistant drives a gateway of a shared ledger: a lease row in the database.

Only the holder polls, bills and switches the gateway; it renews the lease every poll, and
another instance configured for the same gateway stands by and takes it once it has lapsed.
A row rather than a PostgreSQL advisory lock: it works on SQLite too, it names its holder (the
standby shows who drives), and it fails safe in the two cases that matter. A killed process
stops renewing and its lease lapses after one term. A restored backup (of the ledger, or of a
whole Home Assistant now running beside the original) carries the row and even the same
instance id, so the holder is a token drawn at each start, never the instance id: the copy
cannot renew the original's lease. An advisory lock lives on one connection, so a dropped
connection would free it silently while its instance goes on polling, and it carries no name.

Money does not depend on the lease: the ledger's row locks already keep two writers from
billing one reading twice (:mod:`.database`); the lease keeps two instances from fighting over
relays and doubling the traffic on a bus. Time is the database server's on PostgreSQL (two
machines' clocks may disagree) and the local clock on SQLite (one machine).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, select, text

from .journal import from_us, to_us
from .schema import gateway_lease

US = 1_000_000


@dataclass(frozen=True)
class Claimant:
    """One running Home Assistant process."""

    token: str  # drawn at each start
    instance: str  # Home Assistant's instance id
    name: str  # the location name people know it by


@dataclass(frozen=True)
class Lease:
    """Who drives a gateway after a claim, and who else wanted it lately."""

    gateway: str
    held: bool  # the claimant drives it
    holder_instance: str
    holder_name: str
    expires: datetime
    # The other instance configured for this gateway, if any: for the holder one that wanted
    # it within two terms, for a standby the holder.
    contender_name: str | None


def db_now_us(conn: Connection) -> int:
    """Return the database server's time (PostgreSQL) or this machine's (SQLite)."""
    if conn.dialect.name == "postgresql":
        return int(
            conn.execute(
                text("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint")
            ).scalar_one()
        )
    return to_us(datetime.now(UTC))


def claim(conn: Connection, gateway: str, who: Claimant, term_s: int) -> Lease:
    """Take or renew a gateway's lease if it is free, lapsed or ours; else note the contender."""
    if term_s <= 0:
        raise ValueError("a lease needs a positive term")
    now = db_now_us(conn)
    until = now + term_s * US
    row = conn.execute(
        select(gateway_lease).where(gateway_lease.c.gateway == gateway).with_for_update()
    ).first()
    mine = {
        "holder": who.token,
        "holder_instance": who.instance,
        "holder_name": who.name,
        "expires_us": until,
    }
    if row is None:
        # Two first claims at once: the loser's insert fails and the store retries the claim.
        conn.execute(gateway_lease.insert().values(gateway=gateway, since_us=now, **mine))
        return Lease(gateway, True, who.instance, who.name, from_us(until), None)
    if row.holder == who.token or row.expires_us <= now:
        # A takeover starts afresh: the contender noted so far was the claimant itself.
        taken = (
            {}
            if row.holder == who.token
            else {"since_us": now, "contender_instance": None, "contender_name": None,
                  "contender_us": None}
        )  # fmt: skip
        conn.execute(
            gateway_lease.update()
            .where(gateway_lease.c.gateway == gateway, gateway_lease.c.holder == row.holder)
            .values(**mine, **taken)
        )
        recent = row.contender_us is not None and row.contender_us >= now - 2 * term_s * US
        contender = row.contender_name if recent and row.holder == who.token else None
        return Lease(gateway, True, who.instance, who.name, from_us(until), contender)
    conn.execute(
        gateway_lease.update()
        .where(gateway_lease.c.gateway == gateway)
        .values(contender_instance=who.instance, contender_name=who.name, contender_us=now)
    )
    return Lease(
        gateway,
        False,
        row.holder_instance,
        row.holder_name,
        from_us(row.expires_us),
        row.holder_name,
    )


def release(conn: Connection, gateway: str, token: str) -> bool:
    """Give a lease up at once (a clean stop), if this process holds it."""
    gone = conn.execute(
        gateway_lease.delete().where(
            gateway_lease.c.gateway == gateway, gateway_lease.c.holder == token
        )
    )
    return bool(gone.rowcount)
