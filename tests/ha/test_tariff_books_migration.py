"""An old installation's ledger: every meter billed with the gateway's one book per utility.

Releases before named tariffs coded a gateway's books ``<entry>:<utility>`` and registered them at
every set-up. Those books are gone; a ledger of that shape is moved onto every meter's own book
the first time the gateway loads. The old shape is made as an old release left it: the meter rows
name the old codes (nothing else in the ledger or the entry differed).
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from custom_components.prepaid_utility.billing.quantity import UtilityKind
from custom_components.prepaid_utility.money.ledger_runtime import LEDGER_FILE
from custom_components.prepaid_utility.tariffs.catalog import DEFAULT_TARIFF, books
from custom_components.prepaid_utility.tariffs.runtime import gateway_book_codes

from .conftest import poll
from .ledger_ops import call, meter_key, open_account

pytestmark = pytest.mark.usefixtures("sockets")


def _codes(hass: HomeAssistant) -> dict[str, str]:
    with sqlite3.connect(f"file:{hass.config.path(LEDGER_FILE)}?mode=ro", uri=True) as db:
        return dict(db.execute("SELECT id, tariff_code FROM meter").fetchall())


async def test_old_gateway_books_move_to_each_meters_own_book(
    hass: HomeAssistant, mixed_building: Any
) -> None:
    entry = mixed_building
    held = meter_key(entry, 1)
    retired = meter_key(entry, 3)
    code, device = await open_account(hass, entry, "Li Wei", [1], "OPEN-1")
    await call(hass, "recharge", {"device_id": device, "amount": "100", "order_id": "R-1"})
    await poll(hass, entry)
    await poll(hass, entry)
    # A meter the gateway no longer lists keeps its ledger row (and its history).
    hass.config_entries.async_remove_subentry(entry, retired)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)

    old = gateway_book_codes(entry.entry_id)
    with sqlite3.connect(hass.config.path(LEDGER_FILE)) as db:
        db.execute("UPDATE meter SET tariff_code = ? || ':' || kind", (entry.entry_id,))
    before = _codes(hass)
    assert set(before.values()) <= set(old), before
    assert retired in before

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    after = _codes(hass)
    moved = {meter: c for meter, c in after.items() if c != before[meter]}
    print(f"meters={len(after)} on_old_books_before={len(before)} moved={len(moved)}")
    assert not set(after.values()) & set(old), after
    assert after[held] == f"{held}@{code}"
    assert after[retired] == f"{retired}@vacant"

    # The retired meter's book says what the old gateway book said: every saved price version.
    ledger = entry.runtime_data.ledger
    kind = UtilityKind(dict(_kinds(hass))[retired])
    expected = books(entry.options, kind, str(hass.config.time_zone))[DEFAULT_TARIFF]
    assert await ledger.run(lambda store: store.tariffs[f"{retired}@vacant"]) == expected

    # Billing goes on from the new books, the books stay balanced, standing charges find a book
    # for every held meter.
    balance = (await ledger.run(lambda store: store.balances()))[code]
    sim = entry.runtime_data.building.building
    for _ in range(3):
        sim.clock.advance(3600)
        await poll(hass, entry)
    assert (await ledger.run(lambda store: store.balances()))[code] < balance
    report = await ledger.check()
    assert report.ok, report
    charged = await ledger.run(
        lambda store: store.charge_standing_charges(entry.runtime_data.tariffs.now())
    )
    print(f"standing_charges_after_move={charged} audit_ok={report.ok}")

    # A second set-up finds nothing left to move.
    assert await hass.config_entries.async_reload(entry.entry_id)
    assert _codes(hass) == after


def _kinds(hass: HomeAssistant) -> list[tuple[str, str]]:
    with sqlite3.connect(f"file:{hass.config.path(LEDGER_FILE)}?mode=ro", uri=True) as db:
        return db.execute("SELECT id, kind FROM meter").fetchall()
