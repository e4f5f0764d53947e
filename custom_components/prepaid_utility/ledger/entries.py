"""Writing a money entry: the open hour's usage is posted first, stale checkpoints go.

Every entry but the hour's own usage entry goes through :func:`write_entry`, so the journal
keeps the order in which money moved (usage accrued before a recharge is posted before it,
see :mod:`.accrual`), and a back-dated entry deletes the monthly checkpoints it would falsify
(:mod:`.checkpoints`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

from . import accrual, checkpoints
from .journal import NewEntry, insert_entry


def write_entry(conn: Connection, entry: NewEntry, postings: Iterable[tuple[int, int]]) -> int:
    """Post the open hour if this entry moves money, then insert the entry and its postings."""
    lines = list(postings)
    if any(amount for _, amount in lines):
        accrual.close(conn)
    checkpoints.invalidate_before(conn, entry.day)
    return insert_entry(conn, entry, lines)
