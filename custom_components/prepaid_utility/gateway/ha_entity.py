"""A meter made of Home Assistant entities: a cumulative counter sensor and a switch or valve.

The one module of the device layer that imports Home Assistant. It offers the same ``Meter``
interface as a Modbus meter, so billing cannot tell them apart. A state that is unavailable,
unknown, not a number, in an unknown unit, or 0 (what many integrations report while they
start) is not a reading: ``read`` raises ``NoReading`` instead of returning a value.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal, InvalidOperation

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from ..meters.reading import (
    COUNTER_RESOLUTION,
    Capabilities,
    ControlOutcome,
    ControlResult,
    Medium,
    MeterReading,
    NoReading,
    SupplyState,
)

#: Factor from the sensor's unit to kWh (electricity) or m³ (water), exact.
UNIT_FACTORS: dict[str, tuple[Medium, Decimal]] = {
    "Wh": (Medium.ELECTRICITY, Decimal("0.001")),
    "kWh": (Medium.ELECTRICITY, Decimal(1)),
    "MWh": (Medium.ELECTRICITY, Decimal(1000)),
    "L": (Medium.WATER, Decimal("0.001")),
    "m³": (Medium.WATER, Decimal(1)),
    "gal": (Medium.WATER, Decimal("0.003785411784")),
    "ft³": (Medium.WATER, Decimal("0.028316846592")),
    "CCF": (Medium.WATER, Decimal("2.8316846592")),
}

_SUPPLY_STATES = {
    "on": SupplyState.ON,
    "off": SupplyState.OFF,
    "open": SupplyState.ON,
    "closed": SupplyState.OFF,
}


class HaEntityMeter:
    """A counter entity (and optionally a ``switch.*`` or ``valve.*``) acting as one meter."""

    def __init__(
        self,
        hass: HomeAssistant,
        counter_entity_id: str,
        *,
        supply_entity_id: str | None = None,
        medium: Medium = Medium.ELECTRICITY,
        key: str | None = None,
        settle_s: float = 5.0,
        accept_zero: bool = False,
    ) -> None:
        """Use ``counter_entity_id`` as the counter; ``accept_zero`` for a meter really at 0."""
        if supply_entity_id is not None and supply_entity_id.split(".")[0] not in (
            "switch",
            "valve",
        ):
            raise ValueError("the supply entity must be a switch or a valve")
        self.hass = hass
        self.counter_entity_id = counter_entity_id
        self.supply_entity_id = supply_entity_id
        self.medium = medium
        self._key = key or counter_entity_id
        self.settle_s = settle_s
        self.accept_zero = accept_zero

    @property
    def key(self) -> str:
        """Return the stable key of this meter."""
        return self._key

    @property
    def capabilities(self) -> Capabilities:
        """Return what this meter can do."""
        return Capabilities(
            medium=self.medium,
            has_supply_control=self.supply_entity_id is not None,
            has_tou=False,
            has_meter_balance=False,
        )

    def supply_state(self) -> SupplyState:
        """Return the relay/valve state as the entity shows it now."""
        if self.supply_entity_id is None:
            return SupplyState.UNKNOWN
        state = self.hass.states.get(self.supply_entity_id)
        if state is None:
            return SupplyState.UNKNOWN
        return _SUPPLY_STATES.get(state.state, SupplyState.UNKNOWN)

    async def read(self) -> MeterReading:
        """Return the counter in kWh (0.01) or m³ (0.001); raise ``NoReading`` if unusable."""
        state = self.hass.states.get(self.counter_entity_id)
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN, ""):
            raise NoReading(f"{self.counter_entity_id} has no value", meter_key=self._key)
        unit = state.attributes.get("unit_of_measurement")
        medium_factor = UNIT_FACTORS.get(str(unit))
        if medium_factor is None or medium_factor[0] is not self.medium:
            raise NoReading(f"{self.counter_entity_id}: unit {unit!r}", meter_key=self._key)
        try:
            value = Decimal(state.state)  # the string, never through a float
        except InvalidOperation as err:
            raise NoReading(
                f"{self.counter_entity_id}: {state.state!r}", meter_key=self._key
            ) from err
        if not value.is_finite() or value < 0:
            raise NoReading(f"{self.counter_entity_id}: {state.state!r}", meter_key=self._key)
        if value == 0 and not self.accept_zero:
            raise NoReading(f"{self.counter_entity_id}: 0 is not a reading", meter_key=self._key)
        total = (value * medium_factor[1]).quantize(COUNTER_RESOLUTION[self.medium])
        taken_at: datetime = state.last_reported
        return MeterReading(
            meter_key=self._key,
            taken_at=taken_at,
            medium=self.medium,
            total=total,
            supply=self.supply_state(),
        )

    async def set_supply(self, on: bool) -> ControlResult:
        """Call ``switch.turn_on/off`` or ``valve.open/close_valve`` and read the state back."""
        requested = SupplyState.ON if on else SupplyState.OFF
        if self.supply_entity_id is None:
            return ControlResult(
                self._key, requested, SupplyState.UNKNOWN, ControlOutcome.UNKNOWN, 0, "no relay"
            )
        if self.supply_state() is requested:
            return ControlResult(self._key, requested, requested, ControlOutcome.VERIFIED, 0)
        domain = self.supply_entity_id.split(".")[0]
        if domain == "switch":
            service = "turn_on" if on else "turn_off"
        else:
            service = "open_valve" if on else "close_valve"
        detail = ""
        try:
            await self.hass.services.async_call(
                domain, service, {"entity_id": self.supply_entity_id}, blocking=True
            )
        except HomeAssistantError as err:
            detail = str(err)  # it may still have moved: the state decides
        observed = self.supply_state()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settle_s
        # Valves report opening/closing for a while; wait for a final state, briefly.
        while observed is not requested and loop.time() < deadline:
            await asyncio.sleep(0.25)
            observed = self.supply_state()
        if observed is requested:
            outcome = ControlOutcome.VERIFIED
        elif observed is SupplyState.UNKNOWN:
            outcome = ControlOutcome.UNKNOWN
        else:
            outcome = ControlOutcome.MISMATCH
        return ControlResult(self._key, requested, observed, outcome, 1, detail)
