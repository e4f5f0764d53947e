"""Recording a replaced (or reset) meter: the ``replace_meter`` service and its repair.

The old meter's final reading is billed to its holder, its generation is closed, and the new
meter bills from its start reading on: consumption up to the final reading and from the start
reading is each billed once, and nothing the quarantined readings showed is billed twice. The
same replacement id (or the same repair submitted twice) changes nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import issue_registry as ir

from ..billing.engine import CounterReading
from ..billing.errors import OperationRefused
from ..billing.money import format_money
from ..const import DOMAIN
from ..events import EVENT_METER_REPLACED, MeterReplaced
from ..money.ledger_runtime import currency_exponent
from .helpers import counter_value, invalid, meter_of, request_key, translate_errors

SERVICE_REPLACE_METER = "replace_meter"
ATTR_DEVICE_ID = "device_id"
ATTR_NEW_START = "new_start_reading"
ATTR_FINAL = "final_reading"
ATTR_REPLACEMENT_ID = "replacement_id"

REPLACE_METER_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_NEW_START): vol.Any(cv.string, vol.Coerce(str)),
        vol.Optional(ATTR_FINAL): vol.Any(cv.string, vol.Coerce(str)),
        vol.Required(ATTR_REPLACEMENT_ID): cv.string,
    }
)


def quarantine_issue_id(meter_key: str) -> str:
    """Return the repair issue id of a meter's quarantined readings (see billing_cycle)."""
    return f"quarantined_{meter_key}"


@dataclass(frozen=True, slots=True)
class Replacement:
    """What a recorded replacement did."""

    meter_id: str
    generation: int
    replayed: bool
    final_charge: int


async def async_replace(
    hass: HomeAssistant,
    entry: ConfigEntry,
    meter_key: str,
    new_start: Decimal,
    *,
    final: Decimal | None,
    key: str,
) -> Replacement:
    """Record the replacement in the ledger, clear the repair and bill on from the new start."""
    coordinator = entry.runtime_data.coordinator
    billing = coordinator.billing
    at = coordinator.clock()
    closing = None if final is None else CounterReading(meter_key, at, final, None)
    generation, replayed, charged = await billing.ledger.replace_meter_once(
        meter_key, new_start, at, f"replace:{key}", closing
    )
    billing.forget_quarantine(meter_key)
    ir.async_delete_issue(hass, DOMAIN, quarantine_issue_id(meter_key))
    if not replayed:
        setup = coordinator.meters[meter_key]
        hass.bus.async_fire(
            EVENT_METER_REPLACED,
            MeterReplaced(
                meter_id=meter_key,
                meter_name=setup.name,
                generation=generation,
                new_start_reading=str(new_start),
                final_reading=None if final is None else str(final),
                replacement_id=key,
            ).as_data(),
        )
        await coordinator.async_refresh_balances()
    return Replacement(meter_key, generation, replayed, charged)


@translate_errors
async def async_replace_meter(call: ServiceCall) -> dict[str, Any]:
    """Record a replaced meter (for automations; the repair flow does the same)."""
    hass = call.hass
    key = request_key(call.data[ATTR_REPLACEMENT_ID])
    entry, meter_key = meter_of(hass, call.data[ATTR_DEVICE_ID])
    new_start = counter_value(call.data[ATTR_NEW_START])
    final = counter_value(call.data[ATTR_FINAL]) if call.data.get(ATTR_FINAL) is not None else None
    try:
        done = await async_replace(hass, entry, meter_key, new_start, final=final, key=key)
    except OperationRefused as err:
        raise invalid(
            "final_reading_refused",
            meter=entry.runtime_data.coordinator.meters[meter_key].name,
            reading=str(final),
            status=err.placeholders.get("status", "?"),
        ) from err
    return _response(hass, done)


def _response(hass: HomeAssistant, done: Replacement) -> dict[str, Any]:
    exponent = currency_exponent(hass.config.currency)
    return {
        "meter_id": done.meter_id,
        "generation": done.generation,
        "replayed": done.replayed,
        "final_charge": str(format_money(done.final_charge, exponent)),
        "currency": hass.config.currency,
    }
