"""Long-term statistics per tenant account: hourly usage and cost, imported from the ledger.

The recorder compiles a sensor's statistics from the state it has at each five-minute tick, so
usage that reaches the ledger late (a meter or Home Assistant that was down bills the missed
hours when it is back) would land in the wrong hour, or in none. Like HA core's utility
integrations (opower, tibber), we therefore import external statistics
(``prepaid_utility:<account>_electricity`` / ``_water`` / ``_cost``) from the ledger's hourly
buckets: one row per completed hour, each hour in the hour it was used, written again whenever
the ledger changes an hour already written. Rows are keyed by hour, so writing an hour twice
replaces it: the import is idempotent, and after downtime it continues from the last row the
recorder holds (found again at start).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import partial

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
    get_metadata,
    statistics_during_period,
)
from homeassistant.const import UnitOfEnergy, UnitOfVolume
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance

from ..accounts.setup import AccountSetup
from ..billing.quantity import UtilityKind
from ..const import DOMAIN
from ..ledger import AsyncLedgerStore, LedgerStore
from ..ledger.journal import from_us, to_us
from ..ledger.reports import first_usage_hours, hourly_usage
from .tracker import HOUR_US, NANO_DECIMALS, hour_floor

_LOGGER = logging.getLogger(__name__)

_UNITS: Mapping[str, tuple[str, str]] = {
    UtilityKind.ELECTRICITY.value: (UnitOfEnergy.KILO_WATT_HOUR, "energy"),
    UtilityKind.WATER.value: (UnitOfVolume.CUBIC_METERS, "volume"),
}
COST = "cost"
REMEMBERED_HOURS = 48
# A first import (or a rebuild) of a long history goes a week per poll cycle: the read and the
# rows of a year for a thousand accounts at once would hold the ledger and memory for minutes.
HOURS_PER_UPDATE = 7 * 24


def statistic_id(account_code: str, series: str) -> str:
    """Return the id of one account's series (``electricity``, ``water`` or ``cost``)."""
    return f"{DOMAIN}:{account_code.lower()}_{series}"


class UsageStatistics:
    """Import one gateway's hourly usage and cost per account into the recorder."""

    def __init__(
        self,
        hass: HomeAssistant,
        ledger: AsyncLedgerStore,
        accounts: Mapping[str, AccountSetup],
        kinds: Mapping[str, tuple[str, ...]],
        currency: str,
    ) -> None:
        """Import for ``accounts``; ``kinds`` says which utilities each account has."""
        self.hass = hass
        self.ledger = ledger
        self.accounts = accounts
        self.kinds = kinds
        self.currency = currency
        self.rows_written = 0
        # Per account: the first hour (µs) not written for good; None: nothing to write yet.
        self._next: dict[str, int | None] = {}
        # Per account: the sums before each of the last hours written (by that hour), so that
        # rewriting recent hours needs no read of rows the recorder may not have committed yet.
        self._sums: dict[str, dict[int, dict[str, float]]] = {}
        self._started = False

    def _series(self, code: str) -> list[str]:
        return [*self.kinds.get(code, ()), COST]

    def _metadata(self, code: str, series: str) -> StatisticMetaData:
        shown = self.accounts[code].public_name
        if series == COST:
            unit: str | None = self.currency
            unit_class: str | None = None
        else:
            unit, unit_class = _UNITS[series]
        return StatisticMetaData(
            mean_type=StatisticMeanType.NONE,
            has_sum=True,
            name=f"{shown} {series}",
            source=DOMAIN,
            statistic_id=statistic_id(code, series),
            unit_class=unit_class,
            unit_of_measurement=unit,
        )

    async def _async_start(self) -> None:
        """Continue after the last hour the recorder holds for each account."""
        recorder = get_instance(self.hass)
        for code in self.accounts:
            last = await recorder.async_add_executor_job(
                get_last_statistics, self.hass, 1, statistic_id(code, COST), False, {"sum"}
            )
            rows = last.get(statistic_id(code, COST))
            self._next[code] = int(rows[0]["start"] * 1_000_000) + HOUR_US if rows else None
        missing = [code for code, hour in self._next.items() if hour is None]
        if missing:
            # Never imported: start at each account's first usage (the ledger may be older).
            first = await self._ledger_first_hours(missing)
            for code in missing:
                self._next[code] = first.get(code)
        await self._async_rename()
        self._started = True

    async def _async_rename(self) -> None:
        """Give series already in the recorder the account's name of now.

        The tenant's name or the room (the "hide tenant names" option) may have changed since
        the series were written; the ids stay, so history is kept. Importing no rows writes
        only the metadata.
        """
        wanted = {
            statistic_id(code, series): (code, series)
            for code in self.accounts
            for series in self._series(code)
        }
        held = await get_instance(self.hass).async_add_executor_job(
            partial(get_metadata, self.hass, statistic_ids=set(wanted))
        )
        for stat_id, (_, meta) in held.items():
            code, series = wanted[stat_id]
            metadata = self._metadata(code, series)
            if meta.get("name") != metadata["name"]:
                async_add_external_statistics(self.hass, metadata, [])

    async def _ledger_first_hours(self, codes: list[str]) -> dict[str, int]:
        def work(store: LedgerStore) -> dict[str, int]:
            with store.reading() as conn:
                return first_usage_hours(conn, codes)

        return await self.ledger.run(work)

    async def async_update(self, now: datetime, changed_from: dict[str, int]) -> None:
        """Write every completed hour not yet written, and every written hour that changed.

        ``changed_from`` (per account, the earliest instant whose buckets changed) is taken
        over and emptied.
        """
        if "recorder" not in self.hass.config.components:
            return
        if not self._started:
            await self._async_start()
        for code, start in changed_from.items():
            if code in self.accounts:
                hour = hour_floor(start)
                pending = self._next.get(code)
                self._next[code] = hour if pending is None else min(pending, hour)
        changed_from.clear()
        current = hour_floor(to_us(now))
        due = {
            code: start
            for code, start in self._next.items()
            if start is not None and start < current
        }
        if not due:
            return
        starts: dict[str, tuple[int, dict[str, float]]] = {}
        rebuild: list[str] = []
        for code, start in due.items():
            sums = await self._async_sums_before(code, start)
            if sums is None:
                rebuild.append(code)
            else:
                starts[code] = (start, sums)
        if rebuild:
            # A hole before the start (first import, or rows lost): rewrite from the beginning.
            first = await self._ledger_first_hours(rebuild)
            for code in rebuild:
                if code in first:
                    starts[code] = (first[code], dict.fromkeys(self._series(code), 0.0))
                else:
                    self._next[code] = None
        await self._async_write(starts, current)

    async def _async_sums_before(self, code: str, start: int) -> dict[str, float] | None:
        """Return each series' sum at the end of the hour before ``start``; None if missing."""
        known = self._sums.get(code, {}).get(start)
        if known is not None:
            return dict(known)
        ids = {statistic_id(code, s): s for s in self._series(code)}
        rows = await get_instance(self.hass).async_add_executor_job(
            statistics_during_period,
            self.hass,
            from_us(start - HOUR_US),
            from_us(start),
            set(ids),
            "hour",
            None,
            {"sum"},
        )
        sums: dict[str, float] = {}
        for stat_id, series in ids.items():
            found = rows.get(stat_id)
            if not found or found[0].get("sum") is None:
                return None
            sums[series] = float(found[0]["sum"])  # type: ignore[arg-type]
        return sums

    async def _async_write(
        self, starts: Mapping[str, tuple[int, dict[str, float]]], current: int
    ) -> None:
        if not starts:
            return
        lowest = min(start for start, _ in starts.values())
        current = min(current, lowest + HOURS_PER_UPDATE * HOUR_US)
        starts = {code: part for code, part in starts.items() if part[0] < current}
        codes = list(starts)

        def work(store: LedgerStore) -> list[tuple[str, int, str, int, int]]:
            with store.reading() as conn:
                return [
                    (u.account, u.hour_us, u.kind, u.quantity_milli, u.exact_nano)
                    for u in hourly_usage(conn, codes, lowest, current)
                ]

        usage: dict[str, dict[int, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
        for code, hour, kind, quantity, nano in await self.ledger.run(work):
            hours = usage[code][hour]
            hours[kind] = hours.get(kind, Decimal(0)) + Decimal(quantity).scaleb(-3)
            hours[COST] = hours.get(COST, Decimal(0)) + Decimal(nano).scaleb(-NANO_DECIMALS)
        for code, (start, base) in starts.items():
            rows: dict[str, list[StatisticData]] = {s: [] for s in self._series(code)}
            sums = dict(base)
            remembered = self._sums.setdefault(code, {})
            for hour in range(start, current, HOUR_US):
                remembered[hour] = dict(sums)
                used = usage[code].get(hour, {})
                at = from_us(hour)
                for series, series_rows in rows.items():
                    value = used.get(series, Decimal(0))
                    # Sums are recomputed from the recorder's sum before the first rewritten
                    # hour, so float error never accumulates across rewrites.
                    sums[series] = sums.get(series, 0.0) + float(value)
                    series_rows.append(
                        StatisticData(start=at, state=float(value), sum=sums[series])
                    )
            for series, series_rows in rows.items():
                if series_rows:
                    async_add_external_statistics(
                        self.hass, self._metadata(code, series), series_rows
                    )
                    self.rows_written += len(series_rows)
            self._next[code] = current
            remembered[current] = sums
            for hour in [h for h in remembered if h < current - REMEMBERED_HOURS * HOUR_US]:
                del remembered[hour]
        _LOGGER.debug("Statistics of %d accounts written up to %s", len(starts), from_us(current))
