"""Relays and valves that do not do what they are told: counted, then a repair issue.

A meter that reads back the opposite of a command (welded relay, a valve stuck or turned by
hand) is asked again on the next cycles; after ``REFUSALS_BEFORE_ISSUE`` refusals it is left
alone (no write storm) and a repair issue asks a person to look. The issue goes as soon as the
meter is seen in the state it should be in. Billing goes on all the while.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN
from .meters.reading import SupplyState

_LOGGER = logging.getLogger(__name__)

REFUSALS_BEFORE_ISSUE = 3


def not_obeying_issue_id(meter: str) -> str:
    """Return the repair issue id of a meter that does not follow its supply command."""
    return f"supply_not_obeying_{meter}"


@dataclass(slots=True)
class SupplyWatch:
    """Refusals per meter, and the repair issues they raise."""

    hass: HomeAssistant
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # meter -> (name, room)
    refusals: dict[str, tuple[bool, int]] = field(default_factory=dict)  # -> (desired, count)
    raised: set[str] = field(default_factory=set)

    def refused(self, meter: str, desired: bool) -> bool:
        """Count one refusal; return True when the meter should not be asked again."""
        wanted, count = self.refusals.get(meter, (desired, 0))
        count = count + 1 if wanted == desired else 1
        self.refusals[meter] = (desired, count)
        if count < REFUSALS_BEFORE_ISSUE:
            return False
        if meter not in self.raised:
            self.raised.add(meter)
            name, room = self.names.get(meter, (meter, ""))
            _LOGGER.error("%s does not follow the supply command after %d tries", name, count)
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                not_obeying_issue_id(meter),
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="supply_not_obeying",
                translation_placeholders={
                    "meter": name,
                    "room": room,
                    "state": "on" if desired else "off",
                    "attempts": str(count),
                },
            )
        return True

    def obeyed(self, meter: str) -> None:
        """Forget the refusals of a meter that confirmed its state, and clear its issue."""
        self.refusals.pop(meter, None)
        if meter in self.raised:
            self.raised.discard(meter)
            _LOGGER.info("%s follows the supply command again", self.names.get(meter, (meter,))[0])
            ir.async_delete_issue(self.hass, DOMAIN, not_obeying_issue_id(meter))

    def forget(self, meter: str) -> None:
        """Start counting a meter's refusals from zero (it got a new command)."""
        self.refusals.pop(meter, None)

    def clear_obeyed(
        self, observed: Mapping[str, SupplyState], desired: Callable[[str], bool | None]
    ) -> None:
        """Clear the issue of every meter a poll saw in the state it should be in."""
        for meter in list(self.raised):
            want = desired(meter)
            state = observed.get(meter, SupplyState.UNKNOWN)
            if want is not None and state is (SupplyState.ON if want else SupplyState.OFF):
                self.obeyed(meter)
