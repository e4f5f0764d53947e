"""Fixtures for tests that run a real Home Assistant."""

from collections.abc import AsyncGenerator, Iterator
from pathlib import Path
from typing import Any
from unittest.mock import PropertyMock, patch

import pytest
from homeassistant import config_entries
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant

from custom_components.prepaid_utility.const import CONF_PRESET, DOMAIN


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load integrations from custom_components in every test here."""


@pytest.fixture(autouse=True)
def isolated_config_dir(hass: HomeAssistant, tmp_path: Path) -> None:
    """Give every test its own config folder, so files like the ledger never outlive a test.

    phcc's default config folder lives inside its installed package and is shared by all tests.
    """
    hass.config.config_dir = str(tmp_path)


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create every entity enabled, also those disabled by default (as HA's own tests do)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture
def sockets(socket_enabled: None) -> None:
    """Real sockets for the simulator on 127.0.0.1 (phcc blocks them by default)."""


async def add_simulated_building(hass: HomeAssistant, preset: str, name: str = "Demo") -> Any:
    """Add a simulated building through the config flow and wait until it is loaded."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "simulated"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: name, CONF_PRESET: preset}
    )
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED
    return entry


async def poll(hass: HomeAssistant, entry: Any) -> None:
    """Run one poll cycle of a gateway now."""
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


@pytest.fixture
async def mixed_building(hass: HomeAssistant, sockets: None) -> AsyncGenerator[Any]:
    """A simulated building with one meter of every kind (units 1-7)."""
    entry = await add_simulated_building(hass, "mixed")
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
async def building40(hass: HomeAssistant, sockets: None) -> AsyncGenerator[Any]:
    """The 40-meter simulated building."""
    entry = await add_simulated_building(hass, "building40")
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)
