"""The shared ledger's life in Home Assistant: opened once, closed last, never recreated.

Rows S1 (pragmas), S2 (corrupt file), S5 (newer schema) and S8 (reload without leaks) of the
reliability matrix, with the real SQLite file in the test's config folder.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from homeassistant import config_entries
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.prepaid_utility.const import DOMAIN
from custom_components.prepaid_utility.money.ledger_runtime import LEDGER_FILE, currency_exponent


async def _add(hass: HomeAssistant, name: str) -> config_entries.ConfigEntry:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ha_entities"}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: name})
    await hass.async_block_till_done()
    return result["result"]


def _ledger_threads() -> int:
    return sum(t.name.startswith("prepaid_ledger") for t in threading.enumerate())


def _pragmas(path: str) -> tuple[str, int]:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA journal_mode").fetchone()[0], conn.execute(
            "SELECT version FROM schema_version"
        ).fetchone()[0]


async def test_one_ledger_shared_and_closed_by_the_last_gateway(hass: HomeAssistant) -> None:
    first = await _add(hass, "North")
    second = await _add(hass, "South")
    assert first.runtime_data.ledger is second.runtime_data.ledger
    path = hass.config.path(LEDGER_FILE)
    journal, version = await hass.async_add_executor_job(_pragmas, path)
    assert journal == "wal"
    assert version >= 1
    pragmas = await first.runtime_data.ledger.run(
        lambda s: s.engine.connect().exec_driver_sql("PRAGMA synchronous").scalar()
    )
    assert pragmas == 2  # FULL
    assert _ledger_threads() == 1
    await hass.config_entries.async_unload(first.entry_id)
    assert _ledger_threads() == 1  # South still uses it
    await hass.config_entries.async_unload(second.entry_id)
    assert _ledger_threads() == 0


async def test_reload_twenty_times_leaks_nothing(hass: HomeAssistant) -> None:
    entry = await _add(hass, "Block")
    for _ in range(20):
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED
    threads = _ledger_threads()
    await hass.config_entries.async_unload(entry.entry_id)
    leaked = _ledger_threads()
    print(f"reloads=20 ledger_threads_while_loaded={threads} leaked_threads={leaked}")
    assert threads == 1
    assert leaked == 0


async def test_corrupt_ledger_is_left_alone_with_a_repair_issue(hass: HomeAssistant) -> None:
    path = Path(hass.config.path(LEDGER_FILE))
    garbage = b"this is not a database, but it holds somebody's money" * 100
    await hass.async_add_executor_job(path.write_bytes, garbage)
    entry = await _add(hass, "Block")
    assert entry.state is config_entries.ConfigEntryState.SETUP_ERROR
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "ledger_corrupt")
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.CRITICAL
    assert await hass.async_add_executor_job(path.read_bytes) == garbage
    recreated = [p for p in path.parent.iterdir() if p.name.startswith(LEDGER_FILE) and p != path]
    print(f"auto_recreated={len(recreated)} file_untouched=1")
    assert recreated == [] or all(p.stat().st_size == 0 for p in recreated)
    assert _ledger_threads() == 0


async def test_ledger_from_a_newer_version_is_refused(hass: HomeAssistant) -> None:
    entry = await _add(hass, "Block")
    await hass.config_entries.async_unload(entry.entry_id)
    path = hass.config.path(LEDGER_FILE)

    def bump() -> None:
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE schema_version SET version = version + 1")

    await hass.async_add_executor_job(bump)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is config_entries.ConfigEntryState.SETUP_ERROR
    assert ir.async_get(hass).async_get_issue(DOMAIN, "ledger_too_new") is not None


@pytest.mark.parametrize(("currency", "exponent"), [("CNY", 2), ("jpy", 0), ("KWD", 3), ("EUR", 2)])
def test_currency_exponent(currency: str, exponent: int) -> None:
    assert currency_exponent(currency) == exponent
