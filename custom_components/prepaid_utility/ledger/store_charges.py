"""Fees, standing charges, bills, common-area apportionment and move-out settlement."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from ..billing.apportion import common_area_pool, largest_remainder, loss_per_mille
from ..billing.engine import CounterReading
from ..billing.errors import (
    InvalidAmount,
    LedgerConflict,
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
from ..billing.tariff import StandingPeriod
from . import metering
from .entries import write_entry
from .journal import (
    EntryResult,
    account_id,
    find_entry,
    from_us,
    payload_hash,
    step,
)
from .rows import balance_of, insert_bill, lock_hour, require_positive, wallet_id
from .schema import (
    account,
    apportionment,
    assignment,
    bill,
    meter,
)
from .store_money import MoneyOps


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


class ChargeOps(MoneyOps):
    """Fees, standing charges, bills, common-area apportionment, move-out."""

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
            wallet = wallet_id(conn, account_code)
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
                insert_bill(
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
        require_positive(amount_minor)

        def work(conn: Connection) -> int:
            wallet = wallet_id(conn, account_code)
            row = conn.execute(select(bill).where(bill.c.key == key)).first()
            if row is not None:
                if (row.account_id, row.amount, row.kind) != (wallet, amount_minor, kind):
                    raise LedgerConflict("bill key reused with another payload", key=key)
                return int(row.id)
            return insert_bill(
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
            wallet = wallet_id(conn, account_code, lock=True)
            owed = max(-balance_of(conn, wallet), 0)
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
            return insert_bill(conn, key, wallet, "usage", amount, period_id, self.clock(), due)

        return self._write(work)

    def pay_bill(self, bill_id: int, key: str, *, at: datetime | None = None) -> EntryResult:
        """Record payment of a bill in full, once."""

        def work(conn: Connection) -> EntryResult:
            lock_hour(conn)
            # Held until commit: a second payment (another key, another instance) waits here
            # and then finds the bill paid.
            row = conn.execute(select(bill).where(bill.c.id == bill_id).with_for_update()).first()
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
            marked = conn.execute(
                bill.update()
                .where(bill.c.id == bill_id, bill.c.paid_entry_id.is_(None))
                .values(paid_entry_id=entry_id)
            )
            if marked.rowcount != 1:
                raise OperationRefused("bill already paid", bill=str(bill_id))
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
        method: str | None = None,
        master: str | None = None,
        common: CommonArea | None = None,
    ) -> tuple[EntryResult, dict[str, int]]:
        """Split a common-area amount among accounts, exactly, once per pool and period.

        The split is recorded (``apportionment``) in the entry's transaction with the meter
        figures it was made from (``common``); a replay finds the entry and writes nothing.
        """
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
            wallets = {c: wallet_id(conn, c) for c in codes}
            if collection is FeeCollection.BILLED:
                for code in codes:
                    if shares[code]:
                        insert_bill(
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

        def work(conn: Connection) -> EntryResult:
            found = find_entry(conn, entry.source, entry.key, payload_hash(entry.payload))
            if found is not None:
                return found
            entry_id = write_entry(conn, entry, build(conn))
            conn.execute(
                apportionment.insert().values(
                    entry_id=entry_id,
                    pool=pool,
                    period=period_id,
                    method=method,
                    collection=collection.value,
                    amount=amount_minor,
                    shares=len(codes),
                    master_meter=master,
                    master_milli=None if common is None else common.master_milli,
                    subs_milli=None if common is None else common.subs_milli,
                    pool_milli=None if common is None else common.pool_milli,
                    loss_per_mille=None if common is None else common.loss_per_mille,
                    weights=json.dumps(payload["weights"], sort_keys=True),
                    ts_us=entry.ts_us,
                    day=entry.day,
                )
            )
            return EntryResult(entry_id, False, amount_minor)

        return self._write(work), shares

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

        def held_by(conn: Connection, wallet: int) -> list[str]:
            return list(
                conn.execute(
                    select(assignment.c.meter_id).where(
                        assignment.c.account_id == wallet, assignment.c.end_us.is_(None)
                    )
                ).scalars()
            )

        def close(conn: Connection) -> int:
            # Meters first (the lock order): a poll of a held meter must not bill after the
            # balance below is read, or the settlement misses its charge.
            held = held_by(conn, wallet_id(conn, account_code))
            metering.lock_meters(conn, [*held, *(r.meter_id for r in closing)])
            wallet = wallet_id(conn, account_code, lock=True)
            if closing:
                metering.bill_readings(conn, self._ctx(), closing, at)
            held = held_by(conn, wallet)
            for meter_id in held:
                _, state, _ = metering.current_state(conn, meter_id)
                metering.close_assignment(conn, meter_id, at, state.hwm_milli)
            left = balance_of(conn, wallet)
            step("move_out:settled")
            # Closed in the transaction that read the balance: a recharge waiting on the wallet
            # is refused, so what is refunded or billed below is the whole balance.
            conn.execute(account.update().where(account.c.id == wallet).values(closed=True))
            return left

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
            book = self.tariffs.get(row.tariff_code)
            if book is None:
                # A meter of another gateway on a shared ledger that has not loaded yet: it
                # charges its own when it does (once per period, whoever comes first).
                continue
            tariff = book.at(now)
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
            wallet = wallet_id(conn, code)
            entry.account_id = wallet
            return [(wallet, -amount), (account_id(conn, f"revenue:{kind}"), amount)]

        return self._idempotent(entry, build)

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
