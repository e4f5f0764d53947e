"""Raising a repair issue: every issue links its section of the Troubleshooting page.

Features raise repairs through ``raise_issue`` rather than Home Assistant's registry directly, so
a repair without its "Learn more" link cannot be written (the anchor is the translation key;
tests/test_docs.py checks that every key has a section and that nothing else creates issues).
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, learn_more_url


def raise_issue(
    hass: HomeAssistant,
    issue_id: str,
    *,
    translation_key: str,
    severity: ir.IssueSeverity,
    is_fixable: bool = False,
    is_persistent: bool = False,
    data: dict[str, Any] | None = None,
    translation_placeholders: dict[str, str] | None = None,
) -> None:
    """Create (or update) one of our repair issues, linked to its Troubleshooting section."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=is_fixable,
        is_persistent=is_persistent,
        data=data,
        severity=severity,
        translation_key=translation_key,
        translation_placeholders=translation_placeholders,
        learn_more_url=learn_more_url(translation_key),
    )
