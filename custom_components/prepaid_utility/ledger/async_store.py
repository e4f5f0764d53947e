"""The async facade: every call runs on the store's single writer thread.

The Home Assistant layer awaits these from the event loop; nothing here blocks the loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from ..billing.engine import CounterReading
from ..billing.fees import FeeCollection, FeeItem
from . import reports
from .audit import InvariantReport
from .journal import EntryResult
from .metering import CycleResult
from .store import AccountInfo, LedgerStore, Settlement

# The longest a backup may hold ledger writes; HA's backup of a big configuration folder takes
# minutes, and polls resume after this even if the backup never says it has finished.
PAUSE_LIMIT_S = 1_800


class AsyncLedgerStore:
    """Run a ``LedgerStore`` on one dedicated thread."""

    def __init__(self, store: LedgerStore, executor: ThreadPoolExecutor) -> None:
        self.store = store
        self._executor = executor
        self._gate: threading.Event | None = None
        self._held: asyncio.Future[None] | None = None

    @classmethod
    async def open(cls, url: str, **kwargs: Any) -> AsyncLedgerStore:
        """Open the store on a new writer thread."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepaid_ledger")
        loop = asyncio.get_running_loop()
        try:
            store = await loop.run_in_executor(executor, partial(LedgerStore.open, url, **kwargs))
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(store, executor)

    async def run[T](self, work: Callable[[LedgerStore], T]) -> T:
        """Run any store work on the writer thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, work, self.store)

    async def pause_writes(self, limit_s: int = PAUSE_LIMIT_S) -> bool:
        """Post the open hour, checkpoint the WAL, then hold the writer thread (for a backup).

        Every call made meanwhile (polls, recharges) waits its turn on the thread and runs
        after :meth:`resume_writes`, or after ``limit_s`` if that never comes: readings are
        cumulative, so a poll that waits bills late and loses nothing. Returns False if writes
        are already paused.
        """
        if self._gate is not None:
            return False
        loop = asyncio.get_running_loop()
        gate = threading.Event()
        ready: asyncio.Future[None] = loop.create_future()

        def hold(store: LedgerStore) -> None:
            try:
                store.settle_usage()
                store.checkpoint_wal()
            except BaseException as err:
                loop.call_soon_threadsafe(ready.set_exception, err)
                return
            loop.call_soon_threadsafe(ready.set_result, None)
            gate.wait(limit_s)

        self._gate = gate
        self._held = loop.run_in_executor(self._executor, hold, self.store)
        try:
            await ready
        except BaseException:
            await self.resume_writes()
            raise
        return True

    async def resume_writes(self) -> None:
        """Let the writer thread go on (see :meth:`pause_writes`)."""
        gate, held = self._gate, self._held
        self._gate = self._held = None
        if gate is not None:
            gate.set()
        if held is not None:
            await held

    async def close(self) -> None:
        """Dispose the engine and stop the thread."""
        await self.run(LedgerStore.close)
        self._executor.shutdown(wait=True)

    async def recharge(self, account: str, amount_minor: int, key: str, **kw: Any) -> EntryResult:
        """See ``LedgerStore.recharge``."""
        return await self.run(lambda s: s.recharge(account, amount_minor, key, **kw))

    async def refund(self, account: str, amount_minor: int, key: str, **kw: Any) -> EntryResult:
        """See ``LedgerStore.refund``."""
        return await self.run(lambda s: s.refund(account, amount_minor, key, **kw))

    async def adjust(
        self, account: str, amount_minor: int, key: str, reason: str, **kw: Any
    ) -> EntryResult:
        """See ``LedgerStore.adjust``."""
        return await self.run(lambda s: s.adjust(account, amount_minor, key, reason, **kw))

    async def bill_readings(
        self, readings: Sequence[CounterReading], at: datetime | None = None
    ) -> CycleResult:
        """See ``LedgerStore.bill_readings``."""
        return await self.run(lambda s: s.bill_readings(readings, at))

    async def balance(self, account: str) -> int:
        """See ``LedgerStore.balance``."""
        return await self.run(lambda s: s.balance(account))

    async def account(self, account: str) -> AccountInfo:
        """See ``LedgerStore.account``."""
        return await self.run(lambda s: s.account(account))

    async def charge_fee(self, account: str, item: FeeItem, period_id: str) -> EntryResult:
        """See ``LedgerStore.charge_fee``."""
        return await self.run(lambda s: s.charge_fee(account, item, period_id))

    async def run_periodic_fees(self, items: Mapping[str, Sequence[FeeItem]], now: datetime) -> int:
        """See ``LedgerStore.run_periodic_fees``."""
        return await self.run(lambda s: s.run_periodic_fees(items, now))

    async def apportion(
        self,
        pool: str,
        period_id: str,
        amount_minor: int,
        weights: Mapping[str, int],
        collection: FeeCollection = FeeCollection.DEDUCTED,
    ) -> tuple[EntryResult, dict[str, int]]:
        """See ``LedgerStore.apportion``."""
        return await self.run(
            lambda s: s.apportion(pool, period_id, amount_minor, weights, collection=collection)
        )

    async def move_out(
        self, account: str, at: datetime, closing: Sequence[CounterReading], key: str
    ) -> Settlement:
        """See ``LedgerStore.move_out``."""
        return await self.run(lambda s: s.move_out(account, at, closing, key))

    async def replace_meter_once(
        self,
        meter_id: str,
        new_start: Decimal,
        at: datetime,
        key: str,
        final: CounterReading | None = None,
    ) -> tuple[int, bool, int]:
        """See ``LedgerStore.replace_meter_once``."""
        return await self.run(lambda s: s.replace_meter_once(meter_id, new_start, at, key, final))

    async def statement(self, account: str, start: datetime, end: datetime) -> reports.Statement:
        """See ``reports.statement``."""

        def work(store: LedgerStore) -> reports.Statement:
            store.settle_usage()
            with store.reading() as conn:
                return reports.statement(conn, account, start, end)

        return await self.run(work)

    async def check(self) -> InvariantReport:
        """See ``LedgerStore.check``."""
        return await self.run(LedgerStore.check)
