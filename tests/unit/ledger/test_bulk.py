"""A cycle's bulk statements send what ``conn.execute`` would: same SQL, same parameters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, event, select

from custom_components.prepaid_utility.ledger import accrual, metering
from custom_components.prepaid_utility.ledger.bulk import BulkStatement
from custom_components.prepaid_utility.ledger.journal import account_id, to_us
from custom_components.prepaid_utility.ledger.schema import account, meter_generation, usage_bucket

from .conftest import T0, Backend, setup_tenant


def _capture(conn: Connection, work: Any) -> list[tuple[str, list[Any]]]:
    seen: list[tuple[str, list[Any]]] = []

    def record(*args: Any) -> None:
        _conn, _cursor, sql, params, _ctx, many = args
        seen.append((sql, list(params) if many else [params]))

    event.listen(conn, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(conn, "before_cursor_execute", record)
    return seen


def _rows(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    payer = account_id(conn, "A101")
    hour = to_us(T0)
    # A cursor moves only from the value it was read at (several writers): read it first.
    read_hwm, read_last_us = conn.execute(
        select(meter_generation.c.hwm_milli, meter_generation.c.last_us).where(
            meter_generation.c.meter_id == "e1", meter_generation.c.generation == 1
        )
    ).one()
    return {
        "buckets": [
            {
                "meter_id": "e1",
                "generation": 1,
                "account_id": payer,
                "hour_us": hour + k * 3_600_000_000,
                "period": "flat",
                "tier": 0,
                "day": 20260301,
                "quantity_milli": 10 + k,
                "exact_nano": 6_000_000 * (10 + k),
            }
            for k in range(3)
        ],
        "cursors": [
            {
                "m": "e1",
                "g": 1,
                "read_hwm": read_hwm,
                "read_last_us": read_last_us,
                "hwm_milli": 101_000,
                "last_us": hour + 60_000_000,
                "carry_nano": 5,
                "tier_window": "2026-03",
                "tier_used_milli": 1_000,
                "period_milli": "{}",
            }
        ],
        "accruals": [
            {"acc": payer, "delta": -60},
            {"acc": account_id(conn, "revenue:electricity"), "delta": 60},
        ],
    }


def test_bulk_statements_send_what_execute_sends(backend: Backend) -> None:
    store = backend.open()
    setup_tenant(store)
    statements: dict[str, BulkStatement] = {
        "buckets": metering._BUCKETS,
        "cursors": metering._CURSORS,
        "accruals": accrual._ACCRUE,
    }
    with store.engine.connect() as conn:
        with conn.begin():
            rows = _rows(conn)
        for name, bulk in statements.items():
            plain, after_plain, _ = _run(conn, bulk, rows[name], fast=False)
            direct, after_direct, result = _run(conn, bulk, rows[name], fast=True)
            tuples, after_tuples, from_tuples = _run(
                conn, bulk, rows[name], fast=True, as_tuples=True
            )
            fast_path = all(v is not None for v in bulk._compiled.values())
            print(
                f"{backend.name} {name} same_sql={plain == direct} "
                f"same_from_tuples={plain == tuples} fast_path={fast_path}"
            )
            assert direct == plain
            assert tuples == plain
            assert after_direct == after_plain
            assert after_tuples == after_plain
            assert fast_path
            assert result is not None
            assert from_tuples is not None
            assert result.rowcount == from_tuples.rowcount == len(rows[name])


def _run(
    conn: Connection,
    bulk: BulkStatement,
    rows: list[dict[str, Any]],
    *,
    fast: bool,
    as_tuples: bool = False,
) -> tuple[list[tuple[str, list[Any]]], tuple[Any, ...], Any]:
    """Run a statement one way in a transaction that is rolled back; return what it did."""
    result = None

    def work() -> None:
        nonlocal result
        if as_tuples:
            # The rows' keys in another order than the statement's: the values are reordered.
            keys = tuple(reversed(rows[0]))
            result = bulk.run_tuples(conn, keys, [tuple(row[k] for k in keys) for row in rows])
        elif fast:
            result = bulk.run(conn, rows)
        else:
            result = conn.execute(bulk.statement(conn.dialect.name), list(rows))

    with conn.begin() as trans:
        sent = _capture(conn, work)
        after = _state(conn)
        trans.rollback()
    return sent, after, result


def _state(conn: Connection) -> tuple[Any, ...]:
    return (
        conn.execute(select(usage_bucket).order_by(usage_bucket.c.hour_us)).all(),
        conn.execute(select(meter_generation)).all(),
        conn.execute(select(account.c.id, account.c.balance, account.c.accrued)).all(),
    )


def test_statement_needing_conversion_runs_through_execute(backend: Backend) -> None:
    """A parameter the rows do not carry (a literal value) falls back to ``execute``."""
    store = backend.open()
    setup_tenant(store)
    literal = BulkStatement(
        lambda _d: account.update().where(account.c.code == "A101").values(name="renamed")
    )
    with store.engine.begin() as conn:
        result = literal.run(conn, [{"unused": 1}, {"unused": 2}])
        name = conn.execute(select(account.c.name).where(account.c.code == "A101")).scalar()
    assert list(literal._compiled.values()) == [None]
    assert result is not None
    assert name == "renamed"


def test_chunk_query_returns_what_execute_returns(backend: Backend) -> None:
    """The meter rows of a cycle, read through the driver, are the rows ``execute`` reads."""
    store = backend.open()
    for k in range(7):
        setup_tenant(store, code=f"A{k}", meter_id=f"e{k}")
    ids = [f"e{k}" for k in range(7)]
    with store.engine.begin() as conn:
        for chunk in (ids, ids[:3], ["e1", "nope", "e5"], ids[2:]):
            plain = conn.execute(metering._METER_ROWS._build(chunk)).all()
            direct = metering._METER_ROWS.run(conn, chunk)
            assert [tuple(r) for r in direct] == [tuple(r) for r in plain]
            assert [r._fields for r in direct[:1]] == [r._fields for r in plain[:1]]
    compiled = metering._METER_ROWS._compiled
    sizes = sorted(k[1] for k in compiled if k[0] == store.engine.dialect.name)
    print(f"{backend.name} sizes={sizes} driver_path={all(compiled.values())}")
    assert all(compiled.values())
