"""Long-term statistics per account: hourly usage and cost rows equal the ledger's buckets.

Runs with the real recorder (phcc's ``recorder_mock``), which must start before ``hass``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from sqlalchemy import text

from custom_components.prepaid_utility.const import DOMAIN
from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.usage import statistics as usage_statistics
from custom_components.prepaid_utility.usage.statistics import statistic_id

from .conftest import poll
from .test_accounts import _account, _recharge

pytestmark = pytest.mark.usefixtures("sockets")

HOUR_US = 3_600_000_000


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The conftest's fixture, with the recorder started before ``hass`` (phcc needs that)."""


@pytest.fixture(autouse=True)
def isolated_config_dir(recorder_mock: Recorder, hass: HomeAssistant, tmp_path: Path) -> None:
    """The conftest's fixture, with the recorder started before ``hass`` (phcc needs that)."""
    hass.config.config_dir = str(tmp_path)


def _hour(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000) // HOUR_US * HOUR_US


async def _hourly_ledger(entry: Any, code: str) -> dict[int, dict[str, Decimal]]:
    query = text(
        "SELECT b.hour_us, m.kind, SUM(b.quantity_milli), SUM(b.exact_nano) FROM usage_bucket b "
        "JOIN account a ON a.id = b.account_id JOIN meter m ON m.id = b.meter_id "
        "WHERE a.code = :code GROUP BY b.hour_us, m.kind"
    )

    def work(store: LedgerStore) -> dict[int, dict[str, Decimal]]:
        out: dict[int, dict[str, Decimal]] = {}
        with store.reading() as conn:
            for hour, kind, quantity, nano in conn.execute(query, {"code": code}):
                row = out.setdefault(int(hour), {"cost": Decimal(0)})
                row[kind] = Decimal(quantity).scaleb(-3)
                row["cost"] += Decimal(nano).scaleb(-9)
        return out

    return await entry.runtime_data.ledger.run(work)


async def _statistics(hass: HomeAssistant, code: str) -> dict[str, list[Any]]:
    ids = {statistic_id(code, s) for s in ("electricity", "water", "cost")}
    await async_wait_recording_done(hass)
    return await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime(2000, 1, 1, tzinfo=UTC),
        None,
        ids,
        "hour",
        None,
        {"state", "sum"},
    )


def _assert_rows_equal_ledger(
    rows: dict[str, list[Any]], ledger: dict[int, dict[str, Decimal]], code: str, until_us: int
) -> int:
    first = min(ledger)
    hours = list(range(first, until_us, HOUR_US))
    for series in ("electricity", "water", "cost"):
        found = rows[statistic_id(code, series)]
        assert [int(r["start"] * 1_000_000) for r in found] == hours, series
        total = Decimal(0)
        for row, hour in zip(found, hours, strict=True):
            value = ledger.get(hour, {}).get(series, Decimal(0))
            total += value
            assert row["state"] == pytest.approx(float(value), abs=1e-9), (series, hour)
            assert row["sum"] == pytest.approx(float(total), abs=1e-6), (series, hour)
    return len(hours)


async def test_statistics_rows_equal_ledger_hours(
    hass: HomeAssistant,
    mixed_building: Any,
    hass_storage: dict[str, Any],
) -> None:
    entry = mixed_building
    code, device_id = await _account(hass, entry)
    await _recharge(hass, device_id, amount="50000.00", order_id="U-4")
    sim = entry.runtime_data.building.building
    # The simulated water meter uses nothing from 00:00 to 05:00 UTC: begin at 06:00 so the
    # hours it is silent below are hours of use whatever time of day the test runs.
    now = sim.clock.now()
    start = now.replace(hour=6, minute=0, second=0, microsecond=0)
    sim.clock.advance((start - now).total_seconds() % 86400)
    for _ in range(3):
        sim.clock.advance(2 * 3600)
        await poll(hass, entry)
    current = _hour(sim.clock.now())
    hours = _assert_rows_equal_ledger(
        await _statistics(hass, code), await _hourly_ledger(entry, code), code, current
    )
    assert hours >= 6
    # Asking again writes the same rows (keyed by hour): nothing doubles.
    statistics = entry.runtime_data.coordinator.statistics
    await statistics.async_update(sim.clock.now(), {code: 0})
    _assert_rows_equal_ledger(
        await _statistics(hass, code), await _hourly_ledger(entry, code), code, current
    )

    # The water meter stops answering for three hours while the electricity meter is billed:
    # those hours are written without water, then written again when its reading comes back.
    sim.device(0, 6).faults.no_reply = True
    silent_from = _hour(sim.clock.now()) + HOUR_US
    for _ in range(3):
        sim.clock.advance(3600)
        await poll(hass, entry)
    written = statistics.rows_written
    sim.device(0, 6).faults.no_reply = False
    entry.runtime_data.hub.reset_backoff()  # probe now rather than after the breaker's wait
    sim.clock.advance(600)
    await poll(hass, entry)
    current = _hour(sim.clock.now())
    ledger = await _hourly_ledger(entry, code)
    silent = range(silent_from, silent_from + 2 * HOUR_US, HOUR_US)
    assert all(ledger[h].get("water", 0) > 0 for h in silent)  # billed into the hours of use
    rows = await _statistics(hass, code)
    _assert_rows_equal_ledger(rows, ledger, code, current)
    water = {int(r["start"] * 1_000_000): r["state"] for r in rows[statistic_id(code, "water")]}
    assert all(water[h] > 0 for h in silent)  # and written again there
    assert statistics.rows_written > written
    print(f"late_hours_rewritten={statistics.rows_written - written} rows_match_ledger=1")

    # Home Assistant is down for five hours; the meters go on. The hours come in late, each
    # in its own hour, and the series continues from the row the recorder holds.
    assert await hass.config_entries.async_unload(entry.entry_id)
    saved = hass_storage[f"{DOMAIN}.simulator.{entry.entry_id}"]["data"]
    saved["clock"] = (datetime.fromisoformat(saved["clock"]) + timedelta(hours=5)).isoformat()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    sim = entry.runtime_data.building.building
    sim.clock.advance(3600)
    await poll(hass, entry)
    current = _hour(sim.clock.now())
    after = _assert_rows_equal_ledger(
        await _statistics(hass, code), await _hourly_ledger(entry, code), code, current
    )
    print(f"hours_before_restart={hours} hours_after_restart={after} rows_match_ledger=1")
    assert after >= hours + 6


async def test_long_history_is_imported_a_slice_per_cycle(
    hass: HomeAssistant, mixed_building: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first import of a long history goes in slices, each cycle, until it has caught up."""
    monkeypatch.setattr(usage_statistics, "HOURS_PER_UPDATE", 2)
    entry = mixed_building
    code, device_id = await _account(hass, entry)
    await _recharge(hass, device_id, amount="50000.00", order_id="U-6")
    sim = entry.runtime_data.building.building
    sim.clock.advance(9 * 3600)
    await poll(hass, entry)
    current = _hour(sim.clock.now())
    rows = await _statistics(hass, code)
    first_slice = len(rows[statistic_id(code, "cost")])
    assert first_slice <= 2
    cycles = 1
    while (
        len(rows[statistic_id(code, "cost")])
        < (current - min(await _hourly_ledger(entry, code))) // HOUR_US
    ):
        sim.clock.advance(1)
        await poll(hass, entry)
        rows = await _statistics(hass, code)
        cycles += 1
        assert cycles < 10
    _assert_rows_equal_ledger(rows, await _hourly_ledger(entry, code), code, current)
    print(f"hours={len(rows[statistic_id(code, 'cost')])} cycles={cycles} rows_match_ledger=1")
