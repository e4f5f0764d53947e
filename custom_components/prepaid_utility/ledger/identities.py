"""One ledger meter per physical meter, when two instances are configured for one gateway.

Each Home Assistant knows a meter by its own subentry id, and the ledger's meter rows and
accounts are named after those ids. Two instances configured separately for the same network
gateway would each have a row, a cursor and a holder for the same meter, and whichever drives the
gateway would bill from its own (possibly old) cursor: the same energy on two sets of books.

So every meter also has an identity both derive the same way (the gateway's lease identity, the
unit address, the utility; :func:`..gateway.lease.meter_identity`). The first instance to bill a
meter binds the identity to its row and owns it: its accounts hold the meter and its tariffs
price it. Another instance that reads the meter (it drives the gateway now) does not bill it; it
leaves the reading in ``meter_relay`` and the owner bills it, even while standing by, from the
one cursor. Energy is billed by counter difference, so a reading relayed late (the owner was
down) is billed in full at its next cycle: nothing twice, nothing lost.

An identity bound to a row of the same instance that is not this meter's (the meter was removed
and added again, or its address changed) moves to the new row, as the single-instance code always
did: a new subentry starts a new row at its first reading.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, delete, select

from ..billing.engine import CounterReading
from ..billing.schedule import TouPeriod
from .journal import from_us, to_us
from .schema import meter, meter_generation, meter_identity, meter_relay


def claim(
    conn: Connection,
    identity: str,
    meter_id: str,
    *,
    owner: tuple[str, str],
    at: datetime,
    add: Callable[[Connection], object],
) -> str:
    """Bind ``identity`` to ``meter_id`` unless another instance owns it; return the owner row.

    ``owner`` is (instance id, name); ``add`` creates the meter row when it is missing. Two
    instances binding at once: the primary key refuses the second insert and the store's retry
    finds the first binding.
    """
    instance, name = owner
    row = conn.execute(
        select(meter_identity).where(meter_identity.c.identity == identity).with_for_update()
    ).first()
    if row is not None and row.meter_id == meter_id:
        return meter_id
    if row is not None and row.owner_instance != instance:
        return str(row.meter_id)
    add(conn)
    # This row may be bound under an older identity (its address changed): one binding a row.
    conn.execute(delete(meter_identity).where(meter_identity.c.meter_id == meter_id))
    if row is not None:
        conn.execute(delete(meter_identity).where(meter_identity.c.identity == identity))
    conn.execute(
        meter_identity.insert().values(
            identity=identity,
            meter_id=meter_id,
            owner_instance=instance,
            owner_name=name,
            since_us=to_us(at),
        )
    )
    return meter_id


def owners(conn: Connection) -> dict[str, tuple[str, str]]:
    """Return meter row -> (identity, owner name) of every bound meter."""
    return {
        str(r.meter_id): (str(r.identity), str(r.owner_name))
        for r in conn.execute(select(meter_identity))
    }


def _periods_text(reading: CounterReading) -> str | None:
    if reading.periods is None:
        return None
    return json.dumps({p.value: str(v) for p, v in sorted(reading.periods.items())})


def relay(conn: Connection, readings: Sequence[CounterReading], by_name: str) -> int:
    """Leave readings for their owners (newer ones only); return how many were newer."""
    moved = 0
    for reading in sorted(readings, key=lambda r: r.meter_id):  # lock order: by meter id
        taken = to_us(reading.taken_at)
        values = {
            "taken_us": taken,
            "total": str(reading.total),
            "periods": _periods_text(reading),
            "by_name": by_name,
        }
        found = conn.execute(
            select(meter_relay.c.taken_us)
            .where(meter_relay.c.meter_id == reading.meter_id)
            .with_for_update()
        ).scalar()
        if found is None:
            conn.execute(meter_relay.insert().values(meter_id=reading.meter_id, **values))
        elif found < taken:
            conn.execute(
                meter_relay.update().where(meter_relay.c.meter_id == reading.meter_id),
                values,
            )
        else:
            continue
        moved += 1
    return moved


def relayed(conn: Connection, meter_ids: Sequence[str]) -> list[CounterReading]:
    """Return the relayed readings of these meters that are newer than what they billed."""
    rows = conn.execute(
        select(meter_relay)
        .join(meter, meter.c.id == meter_relay.c.meter_id)
        .join(
            meter_generation,
            (meter_generation.c.meter_id == meter.c.id)
            & (meter_generation.c.generation == meter.c.generation),
        )
        .where(
            meter_relay.c.meter_id.in_(list(meter_ids)),
            meter_relay.c.taken_us > meter_generation.c.last_us,
        )
        .order_by(meter_relay.c.meter_id)
    ).all()
    return [
        CounterReading(
            str(r.meter_id),
            from_us(r.taken_us),
            Decimal(r.total),
            None
            if r.periods is None
            else {TouPeriod(k): Decimal(v) for k, v in json.loads(r.periods).items()},
        )
        for r in rows
    ]
