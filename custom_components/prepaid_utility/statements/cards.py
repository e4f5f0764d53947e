"""The dashboard cards: one bundle, served once, loaded on every dashboard.

The bundle is built from ``frontend/`` at the repository root into ``www/`` and committed; its
URL carries a hash of its content so a browser does not keep an old copy after an update.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from homeassistant.components import frontend
from homeassistant.components.http.server import StaticPathConfig
from homeassistant.core import HomeAssistant

from ..const import DOMAIN

CARDS_FILE = Path(__file__).parent.parent / "www" / "prepaid-utility-cards.js"
CARDS_URL = f"/{DOMAIN}/prepaid-utility-cards.js"


async def async_register_cards(hass: HomeAssistant) -> None:
    """Serve the card bundle and add it to every dashboard (call once, from async_setup)."""
    digest = await hass.async_add_executor_job(_digest)
    await hass.http.async_register_static_paths(
        [StaticPathConfig(CARDS_URL, str(CARDS_FILE), cache_headers=True)]
    )
    frontend.add_extra_js_url(hass, f"{CARDS_URL}?v={digest}")


def _digest() -> str:
    """Return a short hash of the bundle: a new bundle gets a new URL, never a stale cache."""
    return hashlib.sha256(CARDS_FILE.read_bytes()).hexdigest()[:12]
