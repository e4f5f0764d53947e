"""Repair flows: a quarantined meter is fixed by recording its replacement.

The dashboard offer (statements/dashboard.py) is "fixed" by making the Prepaid dashboard.

The quarantine issue (billing_cycle.py) says a meter's counter went backwards or jumped. When the
meter was replaced (or reset), the person fixing the issue types the new meter's start reading
and, if they have it, the old meter's final reading; billing then goes on from the new start.
"""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError

from .actions.helpers import counter_value
from .actions.meters import ATTR_FINAL, ATTR_NEW_START, async_replace
from .billing.errors import PrepaidError
from .const import DOMAIN
from .statements.dashboard import OFFER_ISSUE, async_create_dashboard


class MeterReplacementRepairFlow(RepairsFlow):
    """Ask for the readings of a replaced meter and re-arm its billing."""

    def __init__(self, entry_id: str, meter_id: str) -> None:
        """Remember which meter of which gateway the issue is about."""
        self.entry_id = entry_id
        self.meter_id = meter_id
        self._generation: int | None = None

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Show the readings form (``user_input`` here is only the issue id)."""
        return await self.async_step_readings()

    async def async_step_readings(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Record the replacement once the readings make sense."""
        entry = self.hass.config_entries.async_get_entry(self.entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="gateway_not_loaded")
        coordinator = entry.runtime_data.coordinator
        if self.meter_id not in coordinator.meters:
            return self.async_abort(reason="meter_gone")
        setup = coordinator.meters[self.meter_id]
        if self._generation is None:
            # The generation the issue is about: the key of this repair.
            state = await coordinator.billing.ledger.run(
                lambda store: store.meter_state(self.meter_id)
            )
            self._generation = state.generation
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                new_start = counter_value(user_input[ATTR_NEW_START])
                raw_final = str(user_input.get(ATTR_FINAL) or "").strip()
                final = counter_value(raw_final) if raw_final else None
            except ServiceValidationError:
                errors["base"] = "invalid_reading"
            else:
                try:
                    await async_replace(
                        self.hass,
                        entry,
                        self.meter_id,
                        new_start,
                        final=final,
                        # One replacement per meter generation: a second submission (another
                        # browser tab) finds the first and changes nothing.
                        key=f"repair:{self.meter_id}:{self._generation}",
                    )
                except PrepaidError:
                    errors["base"] = "final_reading_refused"
                else:
                    return self.async_create_entry(data={})
        latest = await coordinator.billing.ledger.run(
            lambda store: store.quarantined_readings(self.meter_id, limit=1)
        )
        status = coordinator.data.meters.get(self.meter_id) if coordinator.data else None
        shown = status.reading.total if status is not None and status.reading else None
        return self.async_show_form(
            step_id="readings",
            data_schema=vol.Schema(
                {
                    vol.Required(ATTR_NEW_START): str,
                    vol.Optional(ATTR_FINAL): str,
                }
            ),
            errors=errors,
            description_placeholders={
                "meter": setup.name,
                "room": setup.room,
                "reading": "?" if shown is None else str(shown),
                "reason": latest[0].status if latest else "?",
            },
        )


class DashboardRepairFlow(RepairsFlow):
    """Confirm, then add the Prepaid dashboard to the sidebar."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Ask first (``user_input`` here is only the issue id)."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Make the dashboard once confirmed."""
        if user_input is None:
            return self.async_show_form(step_id="confirm", data_schema=vol.Schema({}))
        if await async_create_dashboard(self.hass) is None:
            return self.async_abort(reason="dashboard_unavailable")
        return self.async_create_entry(data={})


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Return the flow that fixes an issue of this integration."""
    if issue_id.startswith("quarantined_") and data is not None:
        return MeterReplacementRepairFlow(str(data["entry_id"]), str(data["meter_id"]))
    if issue_id == OFFER_ISSUE:
        return DashboardRepairFlow()
    raise ValueError(f"{DOMAIN}: issue {issue_id} has no fix flow")
