"""Home Assistant backups of the ledger: a real backup while polls and recharges run, restored.

The backup integration of Home Assistant itself makes the backup (its local agent writes the
tar), calling our ``backup`` platform around the copy; HA's own restore code
(``homeassistant.backup_restore``, what HA runs at start when a restore was asked for)
extracts it into a fresh configuration folder. The restored ledger must pass SQLite's
integrity check and the ledger's invariant audit, and hold every recharge acknowledged
before the backup started.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

from homeassistant.components.backup import DATA_MANAGER
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from sqlalchemy import text

from custom_components.prepaid_utility import backup as ledger_backup
from custom_components.prepaid_utility.ledger import LedgerStore
from custom_components.prepaid_utility.money.ledger_runtime import LEDGER_FILE

from .conftest import poll
from .ledger_ops import call, open_account


async def test_pause_holds_writes_and_checkpoints(hass: HomeAssistant, mixed_building: Any) -> None:
    code, device = await open_account(hass, mixed_building, "Li Wei", [1], "OPEN-1")
    ledger = mixed_building.runtime_data.ledger
    await poll(hass, mixed_building)
    await ledger_backup.async_pre_backup(hass)
    wal = Path(hass.config.path(LEDGER_FILE + "-wal"))
    wal_bytes = await hass.async_add_executor_job(lambda: wal.stat().st_size if wal.exists() else 0)
    held = hass.async_create_task(
        call(hass, "recharge", {"device_id": device, "amount": "12.34", "order_id": "HELD-1"})
    )
    polled = hass.async_create_task(poll(hass, mixed_building))
    await asyncio.sleep(0.5)
    waiting = (not held.done(), not polled.done())
    await ledger_backup.async_post_backup(hass)
    result = await held
    await polled
    report = await ledger.check()
    print(f"wal_bytes_during_pause={wal_bytes} held_while_paused={sum(waiting)}/2")
    assert wal_bytes == 0
    assert waiting == (True, True)
    assert result["replayed"] is False
    assert await ledger.balance(code) > 0
    assert report.ok, report.violations


async def test_backup_while_billing_restores_sound(
    hass: HomeAssistant, mixed_building: Any, tmp_path: Path
) -> None:
    _, device = await open_account(hass, mixed_building, "Li Wei", [1, 6], "OPEN-2")
    assert await async_setup_component(hass, "backup", {})
    await hass.async_block_till_done()
    acknowledged = []
    for i in range(5):
        await call(hass, "recharge", {"device_id": device, "amount": "10", "order_id": f"B-{i}"})
        acknowledged.append(f"B-{i}")
        await poll(hass, mixed_building)
    stop = asyncio.Event()

    async def traffic() -> int:
        n = 0
        while not stop.is_set():
            await call(hass, "recharge", {"device_id": device, "amount": "1", "order_id": f"D-{n}"})
            await poll(hass, mixed_building)
            n += 1
        return n

    busy = hass.async_create_task(traffic())
    await asyncio.sleep(0.2)
    manager = hass.data[DATA_MANAGER]
    await manager.async_create_backup(
        agent_ids=["backup.local"],
        include_addons=None,
        include_all_addons=False,
        include_database=False,
        include_folders=None,
        include_homeassistant=True,
        name="ledger test",
        password=None,
    )
    stop.set()
    during = await busy
    backups = Path(hass.config.path("backups"))
    tars = await hass.async_add_executor_job(lambda: list(backups.glob("*.tar")))
    assert len(tars) == 1
    fresh = tmp_path / "restored"

    def restore_and_check() -> tuple[str, bool, list[str], set[str]]:
        from homeassistant import backup_restore  # noqa: PLC0415 - HA's start-up restore

        fresh.mkdir()
        instruction = {
            "path": str(tars[0]),
            "password": None,
            "remove_after_restore": False,
            "restore_database": True,
            "restore_homeassistant": True,
        }
        (fresh / ".HA_RESTORE").write_text(json.dumps(instruction), encoding="utf-8")
        assert backup_restore.restore_backup(str(fresh))
        db = fresh / LEDGER_FILE
        with sqlite3.connect(db) as raw:
            integrity = raw.execute("PRAGMA integrity_check").fetchone()[0]
        store = LedgerStore.open(f"sqlite:///{db}")
        try:
            report = store.check()
            with store.reading() as conn:
                keys = set(
                    conn.execute(
                        text("SELECT key FROM journal_entry WHERE source = 'recharge'")
                    ).scalars()
                )
        finally:
            store.close()
        return integrity, report.ok, report.violations, keys

    integrity, ok, violations, keys = await hass.async_add_executor_job(restore_and_check)
    size = await hass.async_add_executor_job(lambda: tars[0].stat().st_size)
    # The recharge service keys its entry by the order id (``order:<id>``).
    missing = [k for k in acknowledged if f"order:{k}" not in keys]
    result_file = fresh / ".HA_RESTORE_RESULT"
    restored = json.loads(await hass.async_add_executor_job(result_file.read_text))
    live = await mixed_building.runtime_data.ledger.check()
    print(
        f"backup_tar_bytes={size} recharges_during_backup={during} "
        f"integrity={integrity} restored_audit_ok={ok} acknowledged_missing={len(missing)}"
    )
    assert restored["success"] is True, restored
    assert integrity == "ok"
    assert ok, violations
    assert missing == []
    assert live.ok, live.violations
