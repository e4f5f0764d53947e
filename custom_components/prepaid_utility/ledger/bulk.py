"""Statements a poll cycle runs with a row per meter: compiled once, parameters passed as is.

``conn.execute(statement, rows)`` compiles from its cache but still turns every row into the
driver's parameters in Python (``construct_params``): for a 1,000-meter cycle that cost more
than SQLite writing the rows. A :class:`BulkStatement` compiles its statement once per dialect
and set of keys, exactly as ``execute`` would (same SQL text, same parameter order), and hands
the rows to the driver's ``executemany`` through ``exec_driver_sql``: the same transaction,
the same events (the crash test's step hooks, a benchmark's statement capture). A statement
whose parameters need a type's conversion, or that has parameters the rows do not carry, runs
through ``execute`` unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, CursorResult
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.dml import UpdateBase

type Rows = Sequence[Mapping[str, Any]]
type Params = Callable[[Rows], Sequence[Any]]


class BulkStatement:
    """A statement executed with many rows of parameters (one per meter or account)."""

    def __init__(self, build: Callable[[str], UpdateBase]) -> None:
        """Take a function returning the statement for a dialect name (upserts differ)."""
        self._build = build
        self._compiled: dict[tuple[str, tuple[str, ...]], tuple[str, Params] | None] = {}

    def statement(self, dialect: str) -> UpdateBase:
        """Return the statement for a dialect (what ``execute`` is given)."""
        return self._build(dialect)

    def run(self, conn: Connection, rows: Rows) -> CursorResult[Any] | None:
        """Execute the statement once per row, in the connection's transaction.

        Returns the driver's result (its ``rowcount`` counts every row's changes), None for
        no rows.
        """
        if not rows:
            return None
        dialect = conn.dialect
        key = (dialect.name, tuple(rows[0]))
        if key not in self._compiled:
            self._compiled[key] = self._compile(conn, key[1])
        found = self._compiled[key]
        if found is None:
            return conn.execute(self.statement(dialect.name), list(rows))
        sql, params = found
        return conn.exec_driver_sql(sql, params(rows))

    def _compile(self, conn: Connection, keys: tuple[str, ...]) -> tuple[str, Params] | None:
        dialect = conn.dialect
        compiled: Compiled = self.statement(dialect.name).compile(
            dialect=dialect, column_keys=list(keys), for_executemany=True
        )
        binds = compiled.binds  # type: ignore[attr-defined]
        if any(
            bind.type.dialect_impl(dialect).bind_processor(dialect) is not None
            or bind.key not in keys
            for bind in binds.values()
        ):
            return None
        if not dialect.positional:
            return compiled.string, list
        order: list[str] = list(compiled.positiontup or ())  # type: ignore[attr-defined]
        if len(order) == 1:
            name = order[0]
            return compiled.string, lambda rows: [(row[name],) for row in rows]
        getter = itemgetter(*order)
        return compiled.string, lambda rows: [getter(row) for row in rows]
