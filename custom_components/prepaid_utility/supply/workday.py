"""Which days are working days, for accounts that are not cut on weekends and holidays.

Without a configured entity, Monday to Friday are working days. A gateway may name a
``binary_sensor`` of the workday integration (on: a working day) or a ``calendar`` (an event
running now: a holiday). When that entity is missing or unavailable the day counts as a
non-working day: cutting someone off wrongly is worse than cutting late (fail open), and the
log says so once until the entity is back.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Final

from homeassistant.const import STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant

_LOGGER = logging.getLogger(__name__)

CONF_WORKDAY_ENTITY: Final = "workday_entity"
WORKDAY_DOMAINS: Final = ("binary_sensor", "calendar")


def weekday_is_working(now_local: datetime) -> bool:
    """Return True from Monday to Friday."""
    return now_local.weekday() < 5


class WorkdaySource:
    """Answer "is today a working day?" from a Home Assistant entity."""

    def __init__(self, hass: HomeAssistant, entity_id: str) -> None:
        """Read ``entity_id`` (a workday binary sensor or a holiday calendar)."""
        self.hass = hass
        self.entity_id = entity_id
        self._missing = False

    def __call__(self, now_local: datetime) -> bool:
        """Return True on a working day; False when unsure (no cut on a doubtful day)."""
        state = self.hass.states.get(self.entity_id)
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            if not self._missing:
                self._missing = True
                _LOGGER.warning(
                    "%s is not available: every day counts as a non-working day "
                    "(no cuts for accounts protected on non-working days) until it is back",
                    self.entity_id,
                )
            return False
        if self._missing:
            self._missing = False
            _LOGGER.info("%s is available again", self.entity_id)
        if self.entity_id.startswith("calendar."):
            return state.state != STATE_ON  # an event running now marks a holiday
        return state.state == STATE_ON


def working_day_source(hass: HomeAssistant, entity_id: str | None) -> WorkdaySource | None:
    """Return the entity-backed source, or None to use Monday to Friday."""
    if not entity_id:
        return None
    return WorkdaySource(hass, entity_id)
