"""A gateway none of whose meters has answered for a long time gets a repair issue.

A few failed polls are normal (a reboot, a cable moved); half an hour of silence from every
meter is not, and by then nobody is billed and no relay can be switched, so a person should
look. The issue goes with the first poll any meter answers again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from ..const import DOMAIN
from ..repair_issues import raise_issue

_LOGGER = logging.getLogger(__name__)

SILENCE_BEFORE_ISSUE: Final = timedelta(minutes=30)


def unreachable_issue_id(entry_id: str) -> str:
    """Return the repair issue id of a gateway that has been silent too long."""
    return f"gateway_unreachable_{entry_id}"


class GatewayWatch:
    """Track how long every meter of one gateway has been silent."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        title: str,
        clock: Callable[[], datetime],
        limit: timedelta = SILENCE_BEFORE_ISSUE,
    ) -> None:
        """Watch the gateway ``title``; ``clock`` is the time its readings are taken in."""
        self.hass = hass
        self.entry_id = entry_id
        self.title = title
        self.clock = clock
        self.limit = limit
        self.silent_since: datetime | None = None
        self.raised = False

    def observe(self, answered: bool) -> None:
        """Record one poll (``answered``: some meter answered)."""
        now = self.clock()
        if answered:
            self.silent_since = None
            if self.raised:
                self.raised = False
                _LOGGER.info("%s: meters answer again", self.title)
                ir.async_delete_issue(self.hass, DOMAIN, unreachable_issue_id(self.entry_id))
            return
        if self.silent_since is None:
            self.silent_since = now
        silent = now - self.silent_since
        if not self.raised and silent >= self.limit:
            self.raised = True
            raise_issue(
                self.hass,
                unreachable_issue_id(self.entry_id),
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="gateway_silent",
                translation_placeholders={
                    "gateway": self.title,
                    "minutes": str(int(silent.total_seconds() // 60)),
                },
            )
