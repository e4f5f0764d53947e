"""The store's core: engine, transactions with retries, accounts, meters and readings.

One store owns one engine and serialises its writes with a lock (the async facade adds one
writer thread). Each operation is one short transaction with no I/O other than the database;
an idempotency key is checked and written inside it. A lost race on a key (another process
wrote it first) or a busy database is retried a few times.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Self

from sqlalchemy import Connection, Engine, event, exists, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError

from ..billing.engine import CounterReading, GenerationState, MeterSpec
from ..billing.errors import (
    InvalidAmount,
    LedgerConflict,
    LedgerUnavailable,
    OperationRefused,
    UnknownAccount,
    UnknownMeter,
)
from ..billing.quantity import counter_to_milli
from ..billing.schedule import TouPeriod
from ..billing.tariff import TariffBook
from . import accrual, metering
from .audit import InvariantReport, check_invariants
from .cursor_memo import CursorMemo
from .database import BUSY_TIMEOUT_MS, READ_ONLY, make_engine
from .entries import write_entry
from .journal import (
    SYSTEM_ACCOUNTS,
    EntryResult,
    NewEntry,
    find_entry,
    from_us,
    local_day,
    payload_hash,
    step,
    to_us,
)
from .migrations import ensure_schema
from .rollup import DEFAULT_DETAIL_MONTHS
from .rows import LostRace, lock_timed_out, retryable
from .schema import (
    account,
    assignment,
    journal_entry,
    meter,
    quarantine,
    usage_bucket,
)

MAX_ATTEMPTS = 5
LOCK_TIMEOUT_RETRIES = 1  # a lock wait that timed out is tried once more


@dataclass(frozen=True)
class AccountInfo:
    """An account as the HA layer shows it."""

    code: str
    kind: str
    name: str
    balance: int
    area_centi_m2: int
    postpaid: bool
    closed: bool


@dataclass(frozen=True)
class Quarantined:
    """A reading that was not billed and needs a look (counter reset? garbage? replaced?)."""

    meter_id: str
    generation: int
    taken_at: datetime
    counter_milli: int | None
    status: str


def _now() -> datetime:
    return datetime.now(UTC)


class LedgerCore:
    """Engine, transactions, accounts, meters and readings."""

    def __init__(
        self,
        engine: Engine,
        *,
        timezone: str = "UTC",
        exponent: int = 2,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.engine = engine
        self.timezone = timezone
        self.exponent = exponent
        self.clock = clock
        self.tariffs: dict[str, TariffBook] = {}
        # Hourly usage older than this is rolled up into days (:mod:`.rollup`); None keeps it.
        self.detail_months: int | None = DEFAULT_DETAIL_MONTHS
        self._cursors = CursorMemo()
        self._meters_untouched = False  # set by ``_write`` for the transaction it runs
        event.listen(engine, "commit", self._committed)
        event.listen(engine, "rollback", self._rolled_back)
        self.busy_retries = 0
        self.migrated_from: int | None = None
        self._lock = threading.RLock()
        found, _ = self._write(ensure_schema)
        self.migrated_from = found
        self._write(self._ensure_system_accounts)
        # Made once and never deleted: a poll cycle needs the vacant and revenue accounts.
        with self.engine.connect() as conn:
            self._system_ids = {
                row.code: int(row.id)
                for row in conn.execute(
                    select(account.c.code, account.c.id).where(account.c.code.in_(SYSTEM_ACCOUNTS))
                )
            }

    @classmethod
    def open(
        cls,
        url: str,
        *,
        timezone: str = "UTC",
        exponent: int = 2,
        connect_args: Mapping[str, Any] | None = None,
        clock: Callable[[], datetime] = _now,
        lock_wait_ms: int = BUSY_TIMEOUT_MS,
    ) -> Self:
        """Open (creating or migrating) the ledger at a SQLAlchemy URL.

        ``lock_wait_ms``: how long a write waits for a lock another writer holds (then it is
        retried once on PostgreSQL, and refused as ledger unavailable).
        """
        engine = make_engine(url, connect_args, lock_wait_ms)
        try:
            return cls(engine, timezone=timezone, exponent=exponent, clock=clock)
        except BaseException:
            engine.dispose()
            raise

    def close(self) -> None:
        """Post the open hour's usage (if the ledger is writable) and release every connection."""
        try:
            self.settle_usage()
        except LedgerUnavailable, SQLAlchemyError:
            # A locked or broken file: the accruals stay in the balances and are posted by the
            # next cycle, so nothing is lost by not posting them now; closing must not fail.
            pass
        finally:
            self.engine.dispose()

    def checkpoint_wal(self) -> bool:
        """Fold SQLite's WAL into the database file and empty it; False for other databases.

        For a backup: after this (with writes held) the ``.db`` file alone is the whole ledger.
        """
        if self.engine.dialect.name != "sqlite":
            return False
        with self._lock, self.engine.connect() as conn:
            # The DBAPI connection runs outside SQLAlchemy's BEGIN IMMEDIATE: a checkpoint
            # cannot run inside a transaction.
            raw = conn.connection.driver_connection
            assert raw is not None
            busy, _, _ = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise LedgerUnavailable("ledger checkpoint blocked", error="busy")
        return True

    # -- transactions -------------------------------------------------------------------

    def _write[T](self, work: Callable[[Connection], T], *, meters_untouched: bool = False) -> T:
        """Run ``work`` in a write transaction, retried as the error allows.

        ``meters_untouched``: the work writes no meter, generation or assignment row (a lease,
        a relayed reading), so the cursor memo stays confirmed through it: every poll claims
        its gateway's lease before billing.
        """
        with self._lock:
            self._meters_untouched = meters_untouched
            try:
                return self._attempts(work)
            finally:
                self._meters_untouched = False

    def _attempts[T](self, work: Callable[[Connection], T]) -> T:
        for attempt in range(MAX_ATTEMPTS):
            try:
                with self.engine.begin() as conn:
                    result = work(conn)
                    step("commit")
                return result
            except IntegrityError:
                # Another writer took the key first: the retry finds its entry.
                if attempt == MAX_ATTEMPTS - 1:
                    raise
            except LostRace as err:
                # A row changed under a conditional write: the retry reads it again.
                if attempt == MAX_ATTEMPTS - 1:
                    raise LedgerUnavailable("ledger write failed", error=str(err)) from err
                self.busy_retries += 1
            except OperationalError as err:
                # SQLite already waited its busy timeout before saying "locked": another
                # program holds the file. Retrying would only multiply that wait.
                waited = self.engine.dialect.name == "sqlite"
                timed_out = lock_timed_out(err)
                if timed_out and attempt >= LOCK_TIMEOUT_RETRIES:
                    # Another writer holds the lock through two whole waits: frozen or
                    # stuck, not busy. Say so instead of queueing behind it for ever.
                    raise LedgerUnavailable(
                        "ledger write failed",
                        error="another writer has held a lock the ledger needs for too long",
                    ) from err
                if attempt == MAX_ATTEMPTS - 1 or waited or not (timed_out or retryable(err)):
                    raise LedgerUnavailable("ledger write failed", error=str(err)) from err
                self.busy_retries += 1
                self._back_off(attempt)
            except DBAPIError as err:
                if attempt == MAX_ATTEMPTS - 1 or not retryable(err):
                    raise
                self.busy_retries += 1
                self._back_off(attempt)
        raise AssertionError("unreachable")

    @staticmethod
    def _back_off(attempt: int) -> None:
        # Jitter: two instances that deadlocked on each other must not retry in lockstep.
        base = 50 * (attempt + 1)
        pause = random.randint(base // 2, base * 3 // 2)  # noqa: S311 - jitter, not a secret
        time.sleep(timedelta(milliseconds=pause).total_seconds())

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """Yield a read-only connection (does not take the SQLite write lock)."""
        with self.engine.connect() as raw:
            conn = raw.execution_options(**{READ_ONLY: True})
            with conn.begin():
                yield conn

    def _committed(self, conn: Connection) -> None:
        # Another thread committing meanwhile does so on another connection: data_version
        # tells the next cycle, whatever this flag says.
        if self._meters_untouched:
            return
        if not conn.get_execution_options().get(READ_ONLY, False):
            self._cursors.committed()

    def _rolled_back(self, conn: Connection) -> None:
        if not conn.get_execution_options().get(READ_ONLY, False):
            self._cursors.rolled_back()

    def _ensure_system_accounts(self, conn: Connection) -> None:
        existing = set(conn.execute(select(account.c.code)).scalars())
        now = to_us(self.clock())
        for code in SYSTEM_ACCOUNTS:
            if code not in existing:
                conn.execute(
                    account.insert().values(
                        code=code, kind="system", name=code, created_us=now, balance=0
                    )
                )

    def _entry(
        self, source: str, key: str, payload: Mapping[str, Any], kind: str, **kw: Any
    ) -> NewEntry:
        at = kw.pop("at", None) or self.clock()
        ts = to_us(at)
        return NewEntry(
            source, key, payload, kind, ts_us=ts, day=local_day(ts, self.timezone), **kw
        )

    # -- accounts -----------------------------------------------------------------------

    def create_account(
        self, code: str, name: str = "", *, area_centi_m2: int = 0, postpaid: bool = False
    ) -> AccountInfo:
        """Create a tenant account; the same code with the same data returns it."""
        if not code or ":" in code or area_centi_m2 < 0:
            raise InvalidAmount("invalid account code or area", account=code)

        def work(conn: Connection) -> None:
            row = conn.execute(select(account).where(account.c.code == code)).first()
            if row is None:
                conn.execute(
                    account.insert().values(
                        code=code,
                        kind="wallet",
                        name=name,
                        area_centi_m2=area_centi_m2,
                        postpaid=postpaid,
                        balance=0,
                        created_us=to_us(self.clock()),
                    )
                )
            elif (row.name, row.area_centi_m2, row.postpaid) != (name, area_centi_m2, postpaid):
                raise LedgerConflict("account exists with other data", account=code)

        self._write(work)
        return self.account(code)

    def account(self, code: str) -> AccountInfo:
        """Return an account."""
        with self.reading() as conn:
            row = conn.execute(select(account).where(account.c.code == code)).first()
        if row is None:
            raise UnknownAccount("unknown account", account=code)
        return AccountInfo(
            row.code, row.kind, row.name, row.balance, row.area_centi_m2, row.postpaid, row.closed
        )

    def balance(self, code: str) -> int:
        """Return an account's balance in minor units (positive: credit for the tenant)."""
        return self.account(code).balance

    def balances(self) -> dict[str, int]:
        """Return every account's balance."""
        with self.reading() as conn:
            return {
                r.code: r.balance for r in conn.execute(select(account.c.code, account.c.balance))
            }

    # -- meters -------------------------------------------------------------------------

    def register_tariff(
        self, code: str, book: TariffBook, *, billed_until: datetime | None = None
    ) -> None:
        """Make a tariff book known under a code (tariffs live in the config entry).

        Replacing a book may add versions or change ones not yet in force; a change to a
        version already in force (before now) is refused: prices are never retroactive.
        A book of one meter may pass ``billed_until`` (its last billed reading): versions from
        that instant on price only consumption not billed yet, so they may still change.
        """
        old = self.tariffs.get(code)
        if old is not None:
            now = self.clock()

            def fixed(at: datetime) -> bool:
                return at < billed_until if billed_until is not None else at <= now

            past_old = [v for v in old.versions if fixed(v.effective_from)]
            past_new = [v for v in book.versions if fixed(v.effective_from)]
            if past_old != past_new or book.kind is not old.kind:
                raise InvalidAmount(
                    "a tariff change cannot rewrite prices already in force", tariff=code
                )
        self.tariffs[code] = book

    def set_meter_tariff(self, meter_id: str, tariff_code: str) -> None:
        """Bill a meter's readings from now on with another registered book (new holder)."""
        book = self.tariffs.get(tariff_code)
        if book is None:
            raise InvalidAmount("unknown tariff", tariff=tariff_code)

        def work(conn: Connection) -> None:
            kind = conn.execute(select(meter.c.kind).where(meter.c.id == meter_id)).scalar()
            if kind is None:
                raise UnknownMeter("unknown meter", meter=meter_id)
            if kind != book.kind.value:
                raise InvalidAmount("tariff bills another utility", tariff=tariff_code)
            conn.execute(
                meter.update().where(meter.c.id == meter_id).values(tariff_code=tariff_code)
            )

        self._write(work)

    def meter_state(self, meter_id: str) -> GenerationState:
        """Return a meter's current generation cursor (hwm, last accepted instant, ...)."""
        with self.reading() as conn:
            return metering.current_state(conn, meter_id)[1]

    def quarantined_readings(
        self, meter_id: str | None = None, limit: int = 100
    ) -> list[Quarantined]:
        """Return the latest quarantined readings (newest first), for repair issues."""
        with self.reading() as conn:
            query = select(quarantine).order_by(quarantine.c.id.desc()).limit(limit)
            if meter_id is not None:
                query = query.where(quarantine.c.meter_id == meter_id)
            rows = conn.execute(query).all()
        return [
            Quarantined(r.meter_id, r.generation, from_us(r.taken_us), r.counter_milli, r.status)
            for r in rows
        ]

    def add_meter(
        self,
        meter_id: str,
        spec: MeterSpec,
        tariff_code: str,
        *,
        start: Decimal,
        at: datetime,
        periods: Mapping[TouPeriod, Decimal] | None = None,
    ) -> bool:
        """Add a meter at a start counter; False if it exists already."""
        if tariff_code not in self.tariffs:
            raise InvalidAmount("unknown tariff", tariff=tariff_code)
        if self.tariffs[tariff_code].kind is not spec.kind:
            raise InvalidAmount("tariff bills another utility", tariff=tariff_code)
        return self._write(
            lambda conn: metering.add_meter(
                conn, meter_id, spec, tariff_code, start=start, at=at, periods=periods
            )
        )

    def assign_meter(
        self, meter_id: str, account_code: str, at: datetime, opening: CounterReading | None = None
    ) -> None:
        """Give a meter to an account from an instant, billing the opening reading first.

        The opening reading is billed to the previous holder (or the vacant account), then the
        assignment starts at the generation's hwm.
        """

        def work(conn: Connection) -> None:
            metering.require_open_meter(conn, meter_id)
            if opening is not None:
                metering.bill_readings(conn, self._ctx(), [opening], at)
            _, state, _ = metering.current_state(conn, meter_id)
            metering.open_assignment(conn, meter_id, account_code, at, state.hwm_milli)

        self._write(work)

    def replace_meter(
        self,
        meter_id: str,
        new_start: Decimal,
        at: datetime,
        final: CounterReading | None = None,
        periods: Mapping[TouPeriod, Decimal] | None = None,
    ) -> int:
        """Close the meter's generation (after billing its final reading), open the next."""
        counter_to_milli(new_start)

        def work(conn: Connection) -> int:
            if final is not None:
                metering.bill_readings(conn, self._ctx(), [final], at)
            return metering.replace_meter(conn, meter_id, new_start, at, periods)

        return self._write(work)

    def replace_meter_once(
        self,
        meter_id: str,
        new_start: Decimal,
        at: datetime,
        key: str,
        final: CounterReading | None = None,
    ) -> tuple[int, bool, int]:
        """Replace a meter once per key; return (generation, replayed, final charge).

        The final reading of the old meter is billed in the same transaction, and a final
        reading the ledger would quarantine (below what was billed, or an impossible jump)
        refuses the whole replacement. The key is a zero-amount journal entry, so the same
        request again (a repair submitted twice, an automation retried) changes nothing.
        """
        counter_to_milli(new_start)
        payload = {
            "meter": meter_id,
            "start": str(new_start),
            "final": None if final is None else str(final.total),
        }

        def work(conn: Connection) -> tuple[int, bool, int]:
            found = find_entry(conn, "meter_replacement", key, payload_hash(payload))
            if found is not None:
                return metering.current_state(conn, meter_id)[1].generation, True, 0
            metering.require_open_meter(conn, meter_id)
            charged = 0
            if final is not None:
                result = metering.bill_readings(conn, self._ctx(), [final], at)
                if result.quarantined:
                    raise OperationRefused(
                        "final reading not plausible",
                        meter=meter_id,
                        reading=str(final.total),
                        status=result.statuses[meter_id].value,
                    )
                charged = result.charged_minor.get(meter_id, 0)
            generation = metering.replace_meter(conn, meter_id, new_start, at)
            write_entry(
                conn,
                self._entry(
                    "meter_replacement",
                    key,
                    payload,
                    "meter_replacement",
                    amount=0,
                    reason=meter_id,
                    at=at,
                ),
                [],
            )
            return generation, False, charged

        return self._write(work)

    def _ctx(self) -> metering.Context:
        return metering.Context(
            self.timezone,
            self.exponent,
            self.tariffs,
            self.detail_months,
            self._cursors,
            self._system_ids,
        )

    def bill_readings(
        self, readings: Sequence[CounterReading], at: datetime | None = None
    ) -> metering.CycleResult:
        """Bill one poll cycle's readings in one transaction (the charges accrue in the hour).

        ``at``: the hour the charges accrue in (default now): a simulated gateway's own time.
        """
        now = at or self.clock()
        return self._write(
            lambda conn: metering.bill_readings(
                conn, self._ctx(), readings, now, whole_transaction=True
            )
        )

    def settle_usage(self) -> int | None:
        """Post the open hour's accrued usage now (statements, close); return the entry id."""
        return self._write(accrual.close)

    def _idempotent(
        self,
        entry: NewEntry,
        build: Callable[[Connection], list[tuple[int, int]]],
    ) -> EntryResult:
        def work(conn: Connection) -> EntryResult:
            found = find_entry(conn, entry.source, entry.key, payload_hash(entry.payload))
            if found is not None:
                return found
            postings = build(conn)
            entry_id = write_entry(conn, entry, postings)
            return EntryResult(entry_id, False, entry.amount)

        return self._write(work)

    def last_ledger_instant(self) -> datetime | None:
        """Return the latest timestamp written to the journal (for clock-jump protection)."""
        with self.reading() as conn:
            latest = conn.execute(select(func.max(journal_entry.c.ts_us))).scalar()
        return None if latest is None else from_us(int(latest))

    def usage_by_meter(
        self, meter_ids: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, int]:
        """Return each meter's billed quantity (milli-units) in ``[start, end)``."""
        with self.reading() as conn:
            rows = conn.execute(
                select(usage_bucket.c.meter_id, func.sum(usage_bucket.c.quantity_milli))
                .where(
                    usage_bucket.c.meter_id.in_(list(meter_ids)),
                    usage_bucket.c.hour_us >= to_us(start),
                    usage_bucket.c.hour_us < to_us(end),
                )
                .group_by(usage_bucket.c.meter_id)
            ).all()
        found = {str(r[0]): int(r[1]) for r in rows}
        return {m: found.get(m, 0) for m in meter_ids}

    def usage_weights(
        self, account_codes: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, int]:
        """Return each account's billed quantity in ``[start, end)``, for usage-share splits."""
        with self.reading() as conn:
            rows = conn.execute(
                select(account.c.code, func.sum(usage_bucket.c.quantity_milli))
                .join(usage_bucket, usage_bucket.c.account_id == account.c.id)
                .where(
                    account.c.code.in_(list(account_codes)),
                    usage_bucket.c.hour_us >= to_us(start),
                    usage_bucket.c.hour_us < to_us(end),
                )
                .group_by(account.c.code)
            ).all()
        found = {str(r[0]): int(r[1]) for r in rows}
        return {c: found.get(c, 0) for c in account_codes}

    def meters(self) -> list[str]:
        """Return every meter id."""
        with self.reading() as conn:
            return list(conn.execute(select(meter.c.id).order_by(meter.c.id)).scalars())

    def accounts_with_history(self, codes: set[str]) -> set[str]:
        """Return which of the accounts have any balance or journal entry in this ledger."""
        with self.reading() as conn:
            rows = conn.execute(
                select(account.c.code)
                .where(account.c.code.in_(codes))
                .where(
                    (account.c.balance != 0)
                    | exists().where(journal_entry.c.account_id == account.c.id)
                )
            )
            return {row.code for row in rows}

    def holders(self) -> dict[str, str]:
        """Return meter id -> code of the account holding it now."""
        query = (
            select(assignment.c.meter_id, account.c.code)
            .join(account, account.c.id == assignment.c.account_id)
            .where(assignment.c.end_us.is_(None))
        )
        with self.reading() as conn:
            return {row.meter_id: row.code for row in conn.execute(query)}

    def meters_on_tariffs(self, codes: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """Return meter id -> (its book's code, the account holding it now) for ``codes``."""
        held = assignment.c.end_us.is_(None) & (assignment.c.meter_id == meter.c.id)
        with self.reading() as conn:
            rows = conn.execute(
                select(meter.c.id, meter.c.tariff_code, account.c.code)
                .select_from(
                    meter.outerjoin(assignment, held).outerjoin(
                        account, account.c.id == assignment.c.account_id
                    )
                )
                .where(meter.c.tariff_code.in_(list(codes)))
            ).all()
        return {row.id: (row.tariff_code, row.code) for row in rows}

    def meter_tariff_codes(self, meter_ids: Sequence[str]) -> dict[str, str]:
        """Return meter id -> the code of the book its readings are billed with now."""
        with self.reading() as conn:
            rows = conn.execute(
                select(meter.c.id, meter.c.tariff_code).where(meter.c.id.in_(list(meter_ids)))
            ).all()
        return {row.id: row.tariff_code for row in rows}

    def check(self) -> InvariantReport:
        """Recompute balances and generation totals from the journal and buckets."""
        with self.reading() as conn:
            return check_invariants(conn)
