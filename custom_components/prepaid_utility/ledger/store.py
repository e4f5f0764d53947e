"""The synchronous ledger store: accounts, meters, readings and every money operation.

One ``LedgerStore`` owns one engine and serialises its writes with a lock (the async facade
adds one writer thread). Each operation is one short transaction with no I/O other than the
database; an idempotency key is checked and written inside it. A lost race on a key (another
process wrote it first) or a busy database is retried a few times.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ..billing.apportion import common_area_pool, largest_remainder, loss_per_mille
from ..billing.engine import CounterReading, GenerationState, MeterSpec
from ..billing.errors import (
    InsufficientRefundable,
    InvalidAmount,
    LedgerConflict,
    LedgerUnavailable,
    OperationRefused,
    UnknownAccount,
    UnknownEntry,
)
from ..billing.fees import (
    FeeCollection,
    FeeItem,
    clock_trusted,
    day_id,
    month_id,
    period_for,
)
from ..billing.quantity import counter_to_milli
from ..billing.schedule import TouPeriod
from ..billing.tariff import StandingPeriod, TariffBook
from . import metering
from .audit import InvariantReport, check_invariants
from .database import READ_ONLY, make_engine
from .journal import (
    SYSTEM_ACCOUNTS,
    EntryResult,
    NewEntry,
    account_id,
    find_entry,
    from_us,
    local_day,
    payload_hash,
    step,
    to_us,
    write_entry,
)
from .migrations import ensure_schema
from .schema import (
    account,
    assignment,
    bill,
    journal_entry,
    meter,
    posting,
    quarantine,
    usage_bucket,
)

MAX_ATTEMPTS = 5


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
class BillInfo:
    """A bill (post-paid usage, billed fee, billed apportionment share, settlement)."""

    bill_id: int
    account: str
    kind: str
    amount: int
    due: datetime
    paid: bool


@dataclass(frozen=True)
class Quarantined:
    """A reading that was not billed and needs a look (counter reset? garbage? replaced?)."""

    meter_id: str
    generation: int
    taken_at: datetime
    counter_milli: int | None
    status: str


@dataclass(frozen=True)
class CommonArea:
    """Master vs sub-meters over a period (milli-units); a negative difference is reported."""

    master_milli: int
    subs_milli: int
    pool_milli: int
    difference_milli: int
    loss_per_mille: int


@dataclass(frozen=True)
class Settlement:
    """The outcome of a move-out: what was refunded or billed."""

    refunded: int
    billed: int
    bill_id: int | None


def _now() -> datetime:
    return datetime.now(UTC)


class LedgerStore:
    """The ledger, synchronous. Use from one thread (the async facade does that)."""

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
        self.busy_retries = 0
        self.migrated_from: int | None = None
        self._lock = threading.RLock()
        found, _ = self._write(ensure_schema)
        self.migrated_from = found
        self._write(self._ensure_system_accounts)

    @classmethod
    def open(
        cls,
        url: str,
        *,
        timezone: str = "UTC",
        exponent: int = 2,
        connect_args: Mapping[str, Any] | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> LedgerStore:
        """Open (creating or migrating) the ledger at a SQLAlchemy URL."""
        engine = make_engine(url, connect_args)
        try:
            return cls(engine, timezone=timezone, exponent=exponent, clock=clock)
        except BaseException:
            engine.dispose()
            raise

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    # -- transactions -------------------------------------------------------------------

    def _write[T](self, work: Callable[[Connection], T]) -> T:
        with self._lock:
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
                except OperationalError as err:
                    if attempt == MAX_ATTEMPTS - 1 or not _retryable(err):
                        raise LedgerUnavailable("ledger write failed", error=str(err)) from err
                    self.busy_retries += 1
                    time.sleep(timedelta(milliseconds=50 * (attempt + 1)).total_seconds())
                except DBAPIError as err:
                    if attempt == MAX_ATTEMPTS - 1 or not _retryable(err):
                        raise
                    self.busy_retries += 1
            raise AssertionError("unreachable")

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """Yield a read-only connection (does not take the SQLite write lock)."""
        with self.engine.connect() as raw:
            conn = raw.execution_options(**{READ_ONLY: True})
            with conn.begin():
                yield conn

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

    def register_tariff(self, code: str, book: TariffBook) -> None:
        """Make a tariff book known under a code (tariffs live in the config entry).

        Replacing a book may add versions or change ones not yet in force; a change to a
        version already in force (before now) is refused: prices are never retroactive.
        """
        old = self.tariffs.get(code)
        if old is not None:
            now = self.clock()
            past_old = [v for v in old.versions if v.effective_from <= now]
            past_new = [v for v in book.versions if v.effective_from <= now]
            if past_old != past_new or book.kind is not old.kind:
                raise InvalidAmount(
                    "a tariff change cannot rewrite prices already in force", tariff=code
                )
        self.tariffs[code] = book

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

    def _ctx(self) -> metering.Context:
        return metering.Context(self.timezone, self.exponent, self.tariffs)

    def bill_readings(
        self, readings: Sequence[CounterReading], cycle_key: str | None = None
    ) -> metering.CycleResult:
        """Bill one poll cycle's readings in one transaction."""
        now = self.clock()
        return self._write(
            lambda conn: metering.bill_readings(conn, self._ctx(), readings, now, cycle_key)
        )

    # -- money --------------------------------------------------------------------------

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

    def recharge(
        self,
        account_code: str,
        amount_minor: int,
        key: str,
        *,
        method: str = "cash",
        actor: str = "system",
        at: datetime | None = None,
    ) -> EntryResult:
        """Credit a confirmed payment once per key (order id)."""
        _positive(amount_minor)
        payload = {"account": account_code, "amount": amount_minor, "method": method}
        entry = self._entry(
            "recharge", key, payload, "recharge", amount=amount_minor, actor=actor, at=at
        )

        def build(conn: Connection) -> list[tuple[int, int]]:
            wallet = _wallet(conn, account_code)
            entry.account_id = wallet
            return [(wallet, amount_minor), (account_id(conn, "clearing:payments"), -amount_minor)]

        return self._idempotent(entry, build)

    def refundable(self, account_code: str) -> int:
        """Return what may be refunded: the positive balance (paid - consumed - refunded)."""
        return max(self.balance(account_code), 0)

    def refund(
        self,
        account_code: str,
        amount_minor: int,
        key: str,
        *,
        actor: str = "system",
        at: datetime | None = None,
    ) -> EntryResult:
        """Pay money back, never more than the refundable amount; once per key."""
        _positive(amount_minor)
        payload = {"account": account_code, "amount": amount_minor}
        entry = self._entry(
            "refund", key, payload, "refund", amount=amount_minor, actor=actor, at=at
        )

        def build(conn: Connection) -> list[tuple[int, int]]:
            wallet = _wallet(conn, account_code, lock=True)
            entry.account_id = wallet
            available = max(_balance(conn, wallet), 0)
            if amount_minor > available:
                raise InsufficientRefundable(
                    "refund above the refundable amount",
                    account=account_code,
                    requested=str(amount_minor),
                    refundable=str(available),
                )
            return [(wallet, -amount_minor), (account_id(conn, "refunds:payable"), amount_minor)]

        return self._idempotent(entry, build)

    def adjust(
        self,
        account_code: str,
        amount_minor: int,
        key: str,
        reason: str,
        *,
        actor: str = "system",
        at: datetime | None = None,
    ) -> EntryResult:
        """Credit (positive) or debit (negative) an account with a reason; once per key."""
        if amount_minor == 0 or not reason:
            raise InvalidAmount("an adjustment needs a non-zero amount and a reason")
        payload = {"account": account_code, "amount": amount_minor, "reason": reason}
        entry = self._entry(
            "adjustment",
            key,
            payload,
            "adjustment",
            amount=amount_minor,
            reason=reason,
            actor=actor,
            at=at,
        )

        def build(conn: Connection) -> list[tuple[int, int]]:
            wallet = _wallet(conn, account_code)
            entry.account_id = wallet
            return [(wallet, amount_minor), (account_id(conn, "adjustments"), -amount_minor)]

        return self._idempotent(entry, build)

    def reverse(
        self, entry_id: int, reason: str, *, actor: str = "system", at: datetime | None = None
    ) -> EntryResult:
        """Reverse an entry with opposite postings linked to it (at most once)."""
        if not reason:
            raise InvalidAmount("a reversal needs a reason")
        payload = {"entry": entry_id, "reason": reason}
        entry = self._entry(
            "reversal",
            str(entry_id),
            payload,
            "reversal",
            amount=0,
            reason=reason,
            reverses_id=entry_id,
            actor=actor,
            at=at,
        )

        def build(conn: Connection) -> list[tuple[int, int]]:
            original = conn.execute(
                select(
                    journal_entry.c.kind, journal_entry.c.amount, journal_entry.c.account_id
                ).where(journal_entry.c.id == entry_id)
            ).first()
            if original is None:
                raise UnknownEntry("unknown entry", entry=str(entry_id))
            if original.kind == "reversal":
                raise OperationRefused("a reversal is not reversed", entry=str(entry_id))
            entry.amount = original.amount
            entry.account_id = original.account_id
            lines = conn.execute(
                select(posting.c.account_id, posting.c.amount).where(posting.c.entry_id == entry_id)
            )
            return [(row.account_id, -row.amount) for row in lines]

        return self._idempotent(entry, build)

    # -- fees, bills, apportionment -----------------------------------------------------

    def charge_fee(
        self, account_code: str, item: FeeItem, period_id: str, *, at: datetime | None = None
    ) -> EntryResult:
        """Charge a fee item once per account, item and period (deducted or as a bill)."""
        key = f"{account_code}:{item.code}:{period_id}"
        when = at or self.clock()

        def build_amount(conn: Connection) -> int:
            area = conn.execute(
                select(account.c.area_centi_m2).where(account.c.code == account_code)
            ).scalar_one_or_none()
            if area is None:
                raise UnknownAccount("unknown account", account=account_code)
            return item.amount_for(int(area))

        def work(conn: Connection) -> EntryResult:
            amount = build_amount(conn)
            payload = {"amount": amount, "collection": item.collection.value}
            found = find_entry(conn, "fee", key, payload_hash(payload))
            if found is not None:
                return found
            wallet = _wallet(conn, account_code)
            entry = self._entry(
                "fee",
                key,
                payload,
                "fee",
                amount=amount,
                account_id=wallet,
                reason=item.code,
                at=when,
            )
            if item.collection is FeeCollection.BILLED:
                entry_id = write_entry(conn, entry, [])
                _insert_bill(
                    conn,
                    f"fee:{key}",
                    wallet,
                    "fee",
                    amount,
                    item.code,
                    when,
                    when + timedelta(days=14),
                )
            else:
                entry_id = write_entry(
                    conn, entry, [(wallet, -amount), (account_id(conn, "revenue:fees"), amount)]
                )
            return EntryResult(entry_id, False, amount)

        return self._write(work)

    def last_ledger_instant(self) -> datetime | None:
        """Return the latest timestamp written to the journal (for clock-jump protection)."""
        with self.reading() as conn:
            latest = conn.execute(select(func.max(journal_entry.c.ts_us))).scalar()
        return None if latest is None else from_us(int(latest))

    def run_periodic_fees(self, items: Mapping[str, Sequence[FeeItem]], now: datetime) -> int:
        """Charge every due fee for the period of ``now``; return how many were new.

        Paused (returns 0) while the clock is behind the last ledger timestamp.
        """
        if not clock_trusted(now, self.last_ledger_instant()):
            return 0
        new = 0
        for account_code, account_items in sorted(items.items()):
            for item in account_items:
                result = self.charge_fee(
                    account_code, item, period_for(item, now, self.timezone), at=now
                )
                new += not result.replayed
        return new

    def issue_bill(
        self,
        account_code: str,
        amount_minor: int,
        key: str,
        due: datetime,
        *,
        kind: str = "fee",
        description: str = "",
    ) -> int:
        """Issue a bill once per key; return its id."""
        _positive(amount_minor)

        def work(conn: Connection) -> int:
            wallet = _wallet(conn, account_code)
            row = conn.execute(select(bill).where(bill.c.key == key)).first()
            if row is not None:
                if (row.account_id, row.amount, row.kind) != (wallet, amount_minor, kind):
                    raise LedgerConflict("bill key reused with another payload", key=key)
                return int(row.id)
            return _insert_bill(
                conn, key, wallet, kind, amount_minor, description, self.clock(), due
            )

        return self._write(work)

    def issue_postpaid_bill(self, account_code: str, period_id: str, due: datetime) -> int | None:
        """Bill a post-paid account's unbilled debt for a period, once; None if nothing owed."""
        key = f"postpaid:{account_code}:{period_id}"

        def work(conn: Connection) -> int | None:
            row = conn.execute(select(bill.c.id).where(bill.c.key == key)).first()
            if row is not None:
                return int(row.id)
            wallet = _wallet(conn, account_code, lock=True)
            owed = max(-_balance(conn, wallet), 0)
            open_bills = conn.execute(
                select(func.coalesce(func.sum(bill.c.amount), 0)).where(
                    bill.c.account_id == wallet,
                    bill.c.kind == "usage",
                    bill.c.paid_entry_id.is_(None),
                )
            ).scalar_one()
            amount = owed - int(open_bills)
            if amount <= 0:
                return None
            return _insert_bill(conn, key, wallet, "usage", amount, period_id, self.clock(), due)

        return self._write(work)

    def pay_bill(self, bill_id: int, key: str, *, at: datetime | None = None) -> EntryResult:
        """Record payment of a bill in full, once."""

        def work(conn: Connection) -> EntryResult:
            row = conn.execute(select(bill).where(bill.c.id == bill_id)).first()
            if row is None:
                raise UnknownEntry("unknown bill", bill=str(bill_id))
            payload = {"bill": bill_id, "amount": row.amount}
            found = find_entry(conn, "bill_payment", key, payload_hash(payload))
            if found is not None:
                return found
            if row.paid_entry_id is not None:
                raise OperationRefused("bill already paid", bill=str(bill_id))
            entry = self._entry(
                "bill_payment",
                key,
                payload,
                "bill_payment",
                amount=row.amount,
                account_id=row.account_id,
                at=at,
            )
            # Usage bills settle the wallet's debt; fee and share bills are revenue on payment.
            target = (
                row.account_id
                if row.kind in {"usage", "settlement"}
                else account_id(
                    conn, "revenue:common" if row.kind == "apportion" else "revenue:fees"
                )
            )
            entry_id = write_entry(
                conn,
                entry,
                [(target, row.amount), (account_id(conn, "clearing:payments"), -row.amount)],
            )
            conn.execute(bill.update().where(bill.c.id == bill_id).values(paid_entry_id=entry_id))
            return EntryResult(entry_id, False, int(row.amount))

        return self._write(work)

    def bills(self, account_code: str | None = None) -> list[BillInfo]:
        """Return bills, optionally of one account."""
        with self.reading() as conn:
            query = select(bill, account.c.code).join(account, account.c.id == bill.c.account_id)
            if account_code is not None:
                query = query.where(account.c.code == account_code)
            rows = conn.execute(query.order_by(bill.c.id)).all()
        return [
            BillInfo(r.id, r.code, r.kind, r.amount, from_us(r.due_us), r.paid_entry_id is not None)
            for r in rows
        ]

    def apportion(
        self,
        pool: str,
        period_id: str,
        amount_minor: int,
        weights: Mapping[str, int],
        *,
        collection: FeeCollection = FeeCollection.DEDUCTED,
        due: datetime | None = None,
        at: datetime | None = None,
    ) -> tuple[EntryResult, dict[str, int]]:
        """Split a common-area amount among accounts, exactly, once per pool and period."""
        if amount_minor < 0 or not weights:
            raise InvalidAmount("apportionment needs accounts and a non-negative amount")
        codes = sorted(weights)
        shares = dict(
            zip(codes, largest_remainder(amount_minor, [weights[c] for c in codes]), strict=True)
        )
        payload = {
            "amount": amount_minor,
            "weights": {c: weights[c] for c in codes},
            "collection": collection.value,
        }
        key = f"{pool}:{period_id}"
        when = at or self.clock()
        entry = self._entry(
            "apportion", key, payload, "apportion", amount=amount_minor, reason=pool, at=when
        )

        def build(conn: Connection) -> list[tuple[int, int]]:
            wallets = {c: _wallet(conn, c) for c in codes}
            if collection is FeeCollection.BILLED:
                for code in codes:
                    if shares[code]:
                        _insert_bill(
                            conn,
                            f"apportion:{key}:{code}",
                            wallets[code],
                            "apportion",
                            shares[code],
                            pool,
                            when,
                            due or when + timedelta(days=14),
                        )
                return []
            lines = [(wallets[c], -shares[c]) for c in codes]
            return [*lines, (account_id(conn, "revenue:common"), amount_minor)]

        return self._idempotent(entry, build), shares

    def move_out(
        self,
        account_code: str,
        at: datetime,
        closing: Sequence[CounterReading],
        key: str,
        *,
        due: datetime | None = None,
    ) -> Settlement:
        """Bill closing readings, end the account's meter periods and settle the balance."""

        def close(conn: Connection) -> int:
            wallet = _wallet(conn, account_code, lock=True)
            if closing:
                metering.bill_readings(conn, self._ctx(), closing, at)
            held = (
                conn.execute(
                    select(assignment.c.meter_id).where(
                        assignment.c.account_id == wallet, assignment.c.end_us.is_(None)
                    )
                )
                .scalars()
                .all()
            )
            for meter_id in held:
                _, state, _ = metering.current_state(conn, meter_id)
                metering.close_assignment(conn, meter_id, at, state.hwm_milli)
            return _balance(conn, wallet)

        left = self._write(close)
        refunded = billed = 0
        bill_id = None
        if left > 0:
            refunded = self.refund(account_code, left, f"{key}:refund", at=at).amount
        elif left < 0:
            billed = -left
            bill_id = self.issue_bill(
                account_code,
                billed,
                f"settlement:{key}",
                due or at + timedelta(days=14),
                kind="settlement",
                description="move-out",
            )

        def mark_closed(conn: Connection) -> None:
            conn.execute(account.update().where(account.c.code == account_code).values(closed=True))

        self._write(mark_closed)
        return Settlement(refunded, billed, bill_id)

    def move_meter(
        self, meter_id: str, to_account: str, at: datetime, reading: CounterReading | None = None
    ) -> None:
        """Move a meter to another account at a reading (billed to the old holder first)."""
        self.assign_meter(meter_id, to_account, at, reading)

    def charge_standing_charges(self, now: datetime) -> int:
        """Charge each held meter's standing charge once per day or month; return how many.

        Paused (returns 0) while the clock is behind the last ledger timestamp.
        """
        if not clock_trusted(now, self.last_ledger_instant()):
            return 0
        with self.reading() as conn:
            held = conn.execute(
                select(meter.c.id, meter.c.kind, meter.c.tariff_code, account.c.code)
                .join(assignment, assignment.c.meter_id == meter.c.id)
                .join(account, account.c.id == assignment.c.account_id)
                .where(assignment.c.end_us.is_(None))
                .order_by(meter.c.id)
            ).all()
        new = 0
        for row in held:
            tariff = self.tariffs[row.tariff_code].at(now)
            if not tariff.standing_charge_minor:
                continue
            if tariff.standing_period is StandingPeriod.DAILY:
                period = day_id(now, self.timezone)
            else:
                period = month_id(now, self.timezone)
            result = self._standing(
                row.code, row.id, row.kind, tariff.standing_charge_minor, period, now
            )
            new += not result.replayed
        return new

    def _standing(  # noqa: PLR0917
        self, code: str, meter_id: str, kind: str, amount: int, period: str, now: datetime
    ) -> EntryResult:
        payload = {"account": code, "amount": amount}
        entry = self._entry(
            "standing",
            f"{meter_id}:{period}",
            payload,
            "fee",
            amount=amount,
            reason=f"standing charge {meter_id}",
            at=now,
        )

        def build(conn: Connection) -> list[tuple[int, int]]:
            wallet = _wallet(conn, code)
            entry.account_id = wallet
            return [(wallet, -amount), (account_id(conn, f"revenue:{kind}"), amount)]

        return self._idempotent(entry, build)

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

    def common_area(
        self, master: str, subs: Sequence[str], start: datetime, end: datetime
    ) -> CommonArea:
        """Return the common-area pool (master minus sub-meters) and the loss figure."""
        usage = self.usage_by_meter([master, *subs], start, end)
        sub_total = [usage[s] for s in subs]
        pool, difference = common_area_pool(usage[master], sub_total)
        return CommonArea(
            usage[master],
            sum(sub_total),
            pool,
            difference,
            loss_per_mille(usage[master], sub_total),
        )

    def meters(self) -> list[str]:
        """Return every meter id."""
        with self.reading() as conn:
            return list(conn.execute(select(meter.c.id).order_by(meter.c.id)).scalars())

    def check(self) -> InvariantReport:
        """Recompute balances and generation totals from the journal and buckets."""
        with self.reading() as conn:
            return check_invariants(conn)


def _retryable(err: DBAPIError) -> bool:
    text = str(err.orig).lower()
    return any(word in text for word in ("locked", "busy", "serializ", "deadlock"))


def _positive(amount_minor: int) -> None:
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise InvalidAmount(
            "amount must be a positive integer of minor units", value=repr(amount_minor)
        )


def _wallet(conn: Connection, code: str, *, lock: bool = False) -> int:
    query = select(account.c.id, account.c.kind).where(account.c.code == code)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None or row.kind != "wallet":
        raise UnknownAccount("unknown account", account=code)
    return int(row.id)


def _balance(conn: Connection, account_id_: int) -> int:
    return int(
        conn.execute(select(account.c.balance).where(account.c.id == account_id_)).scalar_one()
    )


def _insert_bill(  # noqa: PLR0917
    conn: Connection,
    key: str,
    wallet: int,
    kind: str,
    amount: int,
    description: str,
    issued: datetime,
    due: datetime,
) -> int:
    bill_id = conn.execute(
        bill.insert().values(
            key=key,
            account_id=wallet,
            kind=kind,
            amount=amount,
            description=description,
            issued_us=to_us(issued),
            due_us=to_us(due),
        )
    ).inserted_primary_key
    assert bill_id is not None
    return int(bill_id[0])
