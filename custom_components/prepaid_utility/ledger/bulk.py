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

from sqlalchemy import Connection, CursorResult, Row, Select
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.dml import UpdateBase

type Rows = Sequence[Mapping[str, Any]]


class BulkStatement:
    """A statement executed with many rows of parameters (one per meter or account)."""

    def __init__(self, build: Callable[[str], UpdateBase]) -> None:
        """Take a function returning the statement for a dialect name (upserts differ)."""
        self._build = build
        # Per dialect and keys: the SQL and, for a positional driver, the parameters' order
        # (None: named); None for a statement that must run through ``execute``.
        self._compiled: dict[
            tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...] | None] | None
        ] = {}

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
        keys = tuple(rows[0])
        found = self._compiled_for(conn, keys)
        if found is None:
            return conn.execute(self.statement(conn.dialect.name), list(rows))
        sql, order = found
        if order is None:
            return conn.exec_driver_sql(sql, list(rows))
        return conn.exec_driver_sql(sql, _pick(rows, order))

    def run_tuples(
        self, conn: Connection, keys: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
    ) -> CursorResult[Any] | None:
        """Execute the statement once per row given as values in ``keys`` order.

        A cycle's rows are made as tuples, not as a dict each that ``run`` would turn into the
        driver's tuples again.
        """
        if not rows:
            return None
        found = self._compiled_for(conn, keys)
        order = None if found is None else found[1]
        if found is None or order is None:
            return self.run(conn, [dict(zip(keys, row, strict=True)) for row in rows])
        sql = found[0]
        positions = tuple(keys.index(name) for name in order)
        if positions == tuple(range(len(keys))):
            return conn.exec_driver_sql(sql, list(rows))
        return conn.exec_driver_sql(sql, _pick(rows, positions))

    def _compiled_for(
        self, conn: Connection, keys: tuple[str, ...]
    ) -> tuple[str, tuple[str, ...] | None] | None:
        key = (conn.dialect.name, keys)
        if key not in self._compiled:
            self._compiled[key] = self._compile(conn, keys)
        return self._compiled[key]

    def _compile(
        self, conn: Connection, keys: tuple[str, ...]
    ) -> tuple[str, tuple[str, ...] | None] | None:
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
            return compiled.string, None
        return compiled.string, tuple(compiled.positiontup or ())  # type: ignore[attr-defined]


def _pick(rows: Sequence[Any], fields: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Return each row's values at ``fields`` (keys of a dict, positions of a tuple), in order."""
    if len(fields) == 1:
        field = fields[0]
        return [(row[field],) for row in rows]
    getter = itemgetter(*fields)
    return [getter(row) for row in rows]


class ChunkQuery:
    """A ``SELECT ... WHERE key IN (...)`` over a chunk of meters, compiled once per size.

    ``execute`` expands the IN list's parameters and builds every row's type processing for
    every run; a cycle's chunks have one or two sizes. The statement is compiled with the list
    rendered for a size, checked to take exactly the chunk's values in order, and then run
    through ``exec_driver_sql``: the same transaction, the same error handling. A statement
    with a column type that converts results runs through ``execute`` unchanged.
    """

    def __init__(self, build: Callable[[Sequence[Any]], Select[Any]]) -> None:
        """Take a function returning the statement for a chunk of keys."""
        self._build = build
        self._compiled: dict[
            tuple[str, int], tuple[str, Callable[[Sequence[Any]], Any]] | None
        ] = {}

    def run(self, conn: Connection, chunk: Sequence[Any]) -> Sequence[Row[Any]]:
        """Return the rows of a chunk (tuples with the columns' names)."""
        key = (conn.dialect.name, len(chunk))
        if key not in self._compiled:
            self._compiled[key] = self._compile(conn, chunk)
        found = self._compiled[key]
        if found is None:
            return conn.execute(self._build(chunk)).all()
        sql, params = found
        return conn.exec_driver_sql(sql, params(chunk)).all()

    def _compile(
        self, conn: Connection, chunk: Sequence[Any]
    ) -> tuple[str, Callable[[Sequence[Any]], Any]] | None:
        dialect = conn.dialect
        statement = self._build(chunk)
        compiled: Compiled = statement.compile(
            dialect=dialect, compile_kwargs={"render_postcompile": True}
        )
        if any(
            column.type.dialect_impl(dialect).result_processor(dialect, None) is not None
            for column in statement.selected_columns
        ):
            return None
        expected = compiled.construct_params() or {}
        if dialect.positional:
            order: list[str] = list(compiled.positiontup or ())  # type: ignore[attr-defined]
            if [expected[name] for name in order] != list(chunk):
                return None  # other parameters than the chunk's values: not for this path
            return compiled.string, tuple
        names = list(expected)
        if list(expected.values()) != list(chunk):
            return None
        return compiled.string, lambda values: dict(zip(names, values, strict=True))
