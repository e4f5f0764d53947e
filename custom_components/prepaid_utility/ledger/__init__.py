"""The ledger: an append-only double-entry journal in SQLite or PostgreSQL (SQLAlchemy Core).

Money is ``BigInteger`` minor units, quantities ``BigInteger`` milli-units (Wh, litres), exact
charges nano-units; no ``Numeric`` column. :class:`LedgerStore` is the synchronous store used by
tests and benchmarks; :class:`AsyncLedgerStore` runs the same work on one writer thread for the
Home Assistant event loop.

Balances are materialised: ``balance == sum(postings) + accrued`` for every account, where
``accrued`` is the open hour's usage not yet posted (:mod:`.accrual`); all balances and all
accruals each add up to zero; the audit (:mod:`.audit`) recomputes both. Storage grows per
hour, not per poll; old hourly usage rolls up into days (:mod:`.rollup`), money never does.
"""

from sqlalchemy.exc import DatabaseError, OperationalError, SQLAlchemyError

from .async_store import AsyncLedgerStore
from .store import LedgerStore

# What the database layer raises, for callers that must tell a locked database from a broken one
# without importing SQLAlchemy themselves.
__all__ = [
    "AsyncLedgerStore",
    "DatabaseError",
    "LedgerStore",
    "OperationalError",
    "SQLAlchemyError",
]
