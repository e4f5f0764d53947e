"""Relays and valves that do not do what they are told: counted, then a repair issue.

A meter that reads back the opposite of a command (welded relay, a valve stuck or turned by
hand) is asked again on the next cycles; after ``REFUSALS_BEFORE_ISSUE`` refusals it is left
alone (no write storm) and a repair issue asks a person to look; between tries it waits 0, 1,
3, ... polls (backoff). The issue goes as soon as the meter is seen in the state it should be
in. Billing goes on all the while.

A meter that changes state by itself (a relay closed by hand at the board, a switch moved
behind the integration's back) is a *forced* incident: it is put back like a refused command
(the same K tries and backoff), and a repair issue stays until the meter's wanted state next
changes, so a person sees it happened even when putting it back worked.

A meter that reads "off" as it should but whose counter still moves (wired around the relay,
a valve that does not close) is the other way a cut fails (invariant I13): beyond a small
allowance its use while cut raises a repair issue, until the cut ends. It is billed as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from ..const import DOMAIN
from ..meters.reading import Medium, SupplyState
from ..repair_issues import raise_issue

_LOGGER = logging.getLogger(__name__)

# What a cut meter may still count before it is taken for bypassed: a little over a resolution
# step, so a reading taken as the relay opened does not raise the alarm.
BYPASS_ALLOWANCE = {Medium.ELECTRICITY: Decimal("0.05"), Medium.WATER: Decimal("0.005")}
REFUSALS_BEFORE_ISSUE = 3


def bypass_issue_id(meter: str) -> str:
    """Return the repair issue id of a meter that counts while cut."""
    return f"supply_bypassed_{meter}"


def forced_issue_id(meter: str) -> str:
    """Return the repair issue id of a meter found in a state nobody asked for."""
    return f"supply_forced_{meter}"


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
    # Use a cut meter may still show (kWh or m³) before it counts as bypassed: its resolution.
    allowances: dict[str, Decimal] = field(default_factory=dict)
    cut_at: dict[str, Decimal] = field(default_factory=dict)  # counter when seen cut
    bypassed: set[str] = field(default_factory=set)
    waits: dict[str, int] = field(default_factory=dict)  # reviews to skip before the next try
    forced: dict[str, bool] = field(default_factory=dict)  # meter -> state wanted when forced
    incidents: set[str] = field(default_factory=set)  # forced, not yet seen put back

    def given_up(self, meter: str, desired: bool) -> bool:
        """Return True when the meter refused ``desired`` K times (not asked again)."""
        wanted, count = self.refusals.get(meter, (desired, 0))
        return wanted == desired and count >= REFUSALS_BEFORE_ISSUE

    def waiting(self, meter: str) -> bool:
        """Return True (and count one review down) while a meter's backoff lasts."""
        left = self.waits.get(meter, 0)
        if left <= 0:
            return False
        self.waits[meter] = left - 1
        return True

    def was_forced(self, meter: str, wanted: bool, observed: SupplyState) -> bool:
        """Note a meter found in a state nobody asked for; return True for a new incident.

        An incident lasts until the meter is seen as it should be again.
        """
        if meter in self.incidents:
            return False
        self.incidents.add(meter)
        self.forced[meter] = wanted
        name, room = self.names.get(meter, (meter, ""))
        _LOGGER.warning("%s reads %s, which nobody asked for: putting it back", name, observed)
        raise_issue(
            self.hass,
            forced_issue_id(meter),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="supply_forced",
            translation_placeholders={
                "meter": name,
                "room": room,
                "state": observed.value,
                "wanted": "on" if wanted else "off",
            },
        )
        return True

    def end_forced(self, meter: str) -> None:
        """Close a forced incident for good (the meter's wanted state changed): its issue goes."""
        if self.forced.pop(meter, None) is not None:
            ir.async_delete_issue(self.hass, DOMAIN, forced_issue_id(meter))

    def refused(self, meter: str, desired: bool) -> bool:
        """Count one refusal; return True when the meter should not be asked again."""
        wanted, count = self.refusals.get(meter, (desired, 0))
        count = count + 1 if wanted == desired else 1
        self.refusals[meter] = (desired, count)
        if count < REFUSALS_BEFORE_ISSUE:
            # Backoff: the n-th refusal waits 2**(n-1) - 1 reviews (0, 1, 3, ...).
            self.waits[meter] = 2 ** (count - 1) - 1
            return False
        self.waits.pop(meter, None)
        if meter not in self.raised:
            self.raised.add(meter)
            name, room = self.names.get(meter, (meter, ""))
            _LOGGER.error("%s does not follow the supply command after %d tries", name, count)
            raise_issue(
                self.hass,
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
        self.waits.pop(meter, None)
        self.incidents.discard(meter)
        if meter in self.raised:
            self.raised.discard(meter)
            _LOGGER.info("%s follows the supply command again", self.names.get(meter, (meter,))[0])
            ir.async_delete_issue(self.hass, DOMAIN, not_obeying_issue_id(meter))

    def forget(self, meter: str) -> None:
        """Start counting a meter's refusals from zero (it got a new command)."""
        self.refusals.pop(meter, None)
        self.waits.pop(meter, None)

    def clear_obeyed(
        self, observed: Mapping[str, SupplyState], desired: Callable[[str], bool | None]
    ) -> None:
        """Clear the issue of every meter a poll saw in the state it should be in."""
        for meter in list(self.raised):
            want = desired(meter)
            state = observed.get(meter, SupplyState.UNKNOWN)
            if want is not None and state is (SupplyState.ON if want else SupplyState.OFF):
                self.obeyed(meter)

    def check_flow(
        self,
        totals: Mapping[str, Decimal],
        observed: Mapping[str, SupplyState],
        desired: Callable[[str], bool | None],
    ) -> None:
        """Raise an issue for a meter that counts on while it should be and reads cut."""
        for meter, total in totals.items():
            if desired(meter) is False and observed.get(meter) is SupplyState.OFF:
                since = self.cut_at.setdefault(meter, total)
                used = total - since
                allowance = self.allowances.get(meter, Decimal("0.1"))
                if used > allowance and meter not in self.bypassed:
                    self.bypassed.add(meter)
                    name, room = self.names.get(meter, (meter, ""))
                    _LOGGER.error("%s counts %s while its supply is cut", name, used)
                    raise_issue(
                        self.hass,
                        bypass_issue_id(meter),
                        is_fixable=False,
                        severity=ir.IssueSeverity.ERROR,
                        translation_key="supply_bypassed",
                        translation_placeholders={"meter": name, "room": room, "used": str(used)},
                    )
                continue
            self.cut_at.pop(meter, None)
            if meter in self.bypassed and desired(meter) is not False:
                self.bypassed.discard(meter)  # the cut is over, and with it this episode
                ir.async_delete_issue(self.hass, DOMAIN, bypass_issue_id(meter))
