"""The ready-made "Prepaid" dashboard: offered once a gateway is set up, made on request.

The dashboard is a storage-mode Lovelace dashboard whose whole configuration is the cards'
strategy (``custom:prepaid-utility``): the strategy lays out rooms, reports and finance for an
administrator and one view per account for anyone else, so the dashboard never goes stale as
rooms and accounts change. It is offered as a fixable repair (only administrators see repairs
and may run their flows); the repair flow makes it. Making it twice makes it once.

Home Assistant offers no call to add a dashboard from Python: its own map dashboard is made
with the dashboards collection that only its ``lovelace/dashboards/create`` command holds, so
that collection is found through the command (the same validation and storage as the
"Add dashboard" dialog). Should a Home Assistant version hide it, the offer says so rather
than fail, and the dashboard can be added by hand from the README's steps.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any

from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.components.websocket_api.const import DOMAIN as WS_DOMAIN
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from ..repair_issues import raise_issue

_LOGGER = logging.getLogger(__name__)

DASHBOARD_URL = "prepaid-utility"
DASHBOARD_ICON = "mdi:home-lightning-bolt"
DASHBOARD_CONFIG: dict[str, Any] = {"strategy": {"type": "custom:prepaid-utility"}}
OFFER_ISSUE = "dashboard_offer"
CREATE_COMMAND = "lovelace/dashboards/create"
# Two browser tabs confirming the offer at once must not race to the same address.
_LOCK: HassKey[asyncio.Lock] = HassKey(f"{DOMAIN}_dashboard_lock")


@callback
def dashboard_exists(hass: HomeAssistant) -> bool:
    """Return True when a dashboard lives at the Prepaid dashboard's address."""
    lovelace = hass.data.get(LOVELACE_DATA)
    return lovelace is not None and DASHBOARD_URL in lovelace.dashboards


@callback
def async_offer_dashboard(hass: HomeAssistant) -> None:
    """Offer the dashboard (a repair) unless it exists; withdraw the offer once it does."""
    if hass.data.get(LOVELACE_DATA) is None:
        return
    if dashboard_exists(hass):
        ir.async_delete_issue(hass, DOMAIN, OFFER_ISSUE)
        return
    raise_issue(
        hass,
        OFFER_ISSUE,
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=OFFER_ISSUE,
    )


def _dashboards_collection(hass: HomeAssistant) -> Any:
    """Return Home Assistant's dashboards collection, or None when it cannot be reached."""
    handlers = hass.data.get(WS_DOMAIN) or {}
    if CREATE_COMMAND not in handlers:
        return None
    handler = inspect.unwrap(handlers[CREATE_COMMAND][0])
    collection = getattr(getattr(handler, "__self__", None), "storage_collection", None)
    return collection if callable(getattr(collection, "async_create_item", None)) else None


async def async_create_dashboard(hass: HomeAssistant) -> bool | None:
    """Make the dashboard: True made now, False already there, None cannot be made here."""
    async with hass.data.setdefault(_LOCK, asyncio.Lock()):
        if dashboard_exists(hass):
            ir.async_delete_issue(hass, DOMAIN, OFFER_ISSUE)
            return False
        collection = _dashboards_collection(hass)
        if collection is None:
            _LOGGER.warning("Home Assistant's dashboards cannot be reached to add the dashboard")
            return None
        strings = await async_get_translations(hass, hass.config.language, "common", {DOMAIN})
        title = strings.get(f"component.{DOMAIN}.common.dashboard_title", "Prepaid")
        try:
            await collection.async_create_item(
                {
                    "url_path": DASHBOARD_URL,
                    "title": title,
                    "icon": DASHBOARD_ICON,
                    "show_in_sidebar": True,
                    # Residents get their own accounts' views from the same strategy.
                    "require_admin": False,
                }
            )
        except HomeAssistantError as err:  # the address is another panel's
            _LOGGER.warning("The Prepaid dashboard cannot be added: %s", err)
            return None
        await hass.data[LOVELACE_DATA].dashboards[DASHBOARD_URL].async_save(dict(DASHBOARD_CONFIG))
        ir.async_delete_issue(hass, DOMAIN, OFFER_ISSUE)
        return True
