"""Diagnostics: health figures are there, addresses, names and rooms are not (H11)."""

from __future__ import annotations

import json

import pytest
from homeassistant import config_entries
from homeassistant.components.diagnostics import REDACTED
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant

from custom_components.prepaid_utility.const import CONF_PRESET, DOMAIN
from custom_components.prepaid_utility.diagnostics import async_get_config_entry_diagnostics


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """Real sockets on 127.0.0.1 (phcc blocks them by default)."""


async def test_diagnostics_are_redacted(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "simulated"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Tenant Street 5", CONF_PRESET: "mixed"}
    )
    entry = result["result"]
    await hass.async_block_till_done()
    diag = await async_get_config_entry_diagnostics(hass, entry)
    text = json.dumps(diag)
    leaked = [word for word in ("Tenant Street 5", "Room 101", "127.0.0.1") if word in text]
    print(f"leaked_fields={len(leaked)}")
    assert leaked == []
    assert diag["entry"]["data"][CONF_NAME] == REDACTED
    assert diag["bus"]["connected"] is True
    assert diag["bus"]["stats"]["successes"] >= 7
    assert len(diag["meters"]) == 7
    assert all(m["online"] for m in diag["meters"].values())
    await hass.config_entries.async_unload(entry.entry_id)
