"""Fixtures for tests that run a real Home Assistant."""

from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load integrations from custom_components in every test here."""


@pytest.fixture(autouse=True)
def isolated_config_dir(hass: HomeAssistant, tmp_path: Path) -> None:
    """Give every test its own config folder, so files like the ledger never outlive a test.

    phcc's default config folder lives inside its installed package and is shared by all tests.
    """
    hass.config.config_dir = str(tmp_path)
