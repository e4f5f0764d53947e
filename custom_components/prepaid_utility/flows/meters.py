"""Meters as subentries of their gateway: add by hand (tested by reading it), reconfigure.

On a Modbus gateway a meter is a profile at a slave address; the flow reads the meter once
before saving, so a wrong address or a wrong profile is caught at the form, not in the logs.
On a DL/T 645 or CJ/T 188 gateway a meter is the address printed on it (12 or 14 digits);
left empty, the flow asks the line by broadcast, which only a meter wired alone can answer.
On an "HA entities" gateway a meter is a counter sensor plus, optionally, the switch or valve
that cuts its supply.
"""

from __future__ import annotations

import asyncio
from typing import Any

import probatio as vol
from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigSubentryData,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector

from ..const import (
    CONF_ADDRESS,
    CONF_BILLING_MODE,
    CONF_BREAKER_A,
    CONF_COUNTER_ENTITY,
    CONF_GATEWAY_TYPE,
    CONF_MAX_FLOW_M3H,
    CONF_MEDIUM,
    CONF_METER_PASSWORD,
    CONF_OPERATOR_CODE,
    CONF_PROFILE,
    CONF_PROTOCOL,
    CONF_ROOM,
    CONF_SUPPLY_ENTITY,
    DEFAULT_BREAKER_A,
    DEFAULT_MAX_FLOW_M3H,
    DEFAULT_METER_PASSWORD,
    DEFAULT_OPERATOR_CODE,
    MAX_NAME_LENGTH,
    SUBENTRY_METER,
    BillingMode,
    GatewayType,
)
from ..gateway.meter_names import async_title_templates, meter_title
from ..meters import cjt188, dlt645
from ..meters.dlt645 import FrameError
from ..meters.frame_meters import FRAME_PROFILES, Cjt188Meter, Dlt645Meter
from ..meters.framebus import FrameHub
from ..meters.hub import ModbusHub
from ..meters.modbus_meter import ModbusMeter
from ..meters.profiles import PROFILES
from ..meters.reading import Medium, MeterError, MeterMisconfigured
from ..meters.scan import identify, scan_cjt188, scan_dlt645
from ..meters.simulator.building import PRESETS
from .fields import name_error, number
from .meter_scan import MeterScanSteps

MAX_ADDRESS = 247
RELOAD_WAIT_S = 60  # the longest a big building's reload is waited for before a probe


def _meter_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Return the stored fields a meter form edits (name is the subentry title)."""
    return {k: v for k, v in data.items() if k != CONF_NAME}


def simulated_meters(preset: str, templates: dict[Medium, str]) -> list[ConfigSubentryData]:
    """Return one meter subentry per simulated meter of a preset, titled by its room.

    The n-th water meter is in the n-th room, beside that room's electricity meter: a flat has
    both, as the quick start and the demo tenants expect ("Room 101 water", not "Room 403").
    """
    meters: list[ConfigSubentryData] = []
    water = 0
    for layout in PRESETS[preset]:
        for kind, first, last in layout:
            profile = PROFILES[kind]
            for unit in range(first, last + 1):
                place = unit
                if profile.medium is Medium.WATER:
                    water += 1
                    place = water
                room = f"Room {(place - 1) // 10 + 1}{(place - 1) % 10 + 1:02d}"
                data: dict[str, Any] = {
                    CONF_PROFILE: kind,
                    CONF_ADDRESS: unit,
                    CONF_ROOM: room,
                    CONF_BILLING_MODE: BillingMode.PLATFORM.value,
                }
                if profile.medium is Medium.WATER:
                    data[CONF_MAX_FLOW_M3H] = DEFAULT_MAX_FLOW_M3H
                else:
                    data[CONF_BREAKER_A] = DEFAULT_BREAKER_A
                meters.append(
                    ConfigSubentryData(
                        data=data,
                        subentry_type=SUBENTRY_METER,
                        title=meter_title(templates, profile.medium, room),
                        unique_id=str(unit),
                    )
                )
    return meters


def _plain_code(text: str, *, hexdigits: bool) -> bool:
    """Return True for 8 digits (hex digits for a password: its level byte may be 0A..)."""
    allowed = "0123456789abcdefABCDEF" if hexdigits else "0123456789"
    return len(text) == 8 and all(c in allowed for c in text)


async def _name_or_default(
    hass: HomeAssistant, data: dict[str, Any], medium: Medium | None
) -> None:
    """Title a meter left unnamed after its room and medium ("Room 101 electricity")."""
    if not data[CONF_NAME] and data.get(CONF_ROOM) and medium is not None:
        templates = await async_title_templates(hass)
        data[CONF_NAME] = meter_title(templates, medium, data[CONF_ROOM])


def _text_errors(data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if error := name_error(data[CONF_NAME]):
        errors[CONF_NAME] = error
    if len(data.get(CONF_ROOM, "")) > MAX_NAME_LENGTH:
        errors[CONF_ROOM] = "name_too_long"
    return errors


def _name_and_room(defaults: dict[str, Any]) -> dict[Any, Any]:
    """Return the name and room fields; a name left empty is made from the room."""
    return {
        vol.Optional(CONF_NAME, description={"suggested_value": defaults.get(CONF_NAME, "")}): str,
        vol.Optional(CONF_ROOM, default=defaults.get(CONF_ROOM, "")): str,
    }


class MeterSubentryFlow(MeterScanSteps, ConfigSubentryFlow):
    """Add or change one meter of a gateway (or several at once by scanning the bus)."""

    _pending: dict[str, Any]  # the first form's answers, until the limits are asked

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a meter."""
        entry = self._get_entry()
        if GatewayType(entry.data[CONF_GATEWAY_TYPE]) is GatewayType.HA_ENTITIES:
            return await self.async_step_entities(user_input)
        by_hand = "modbus" if entry.data.get(CONF_PROTOCOL, "modbus") == "modbus" else "frame"
        return self.async_show_menu(step_id="user", menu_options=[by_hand, "scan"])

    async def async_step_frame(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Add a DL/T 645 or CJ/T 188 meter by its printed address (or the line's only one)."""
        protocol = str(self._get_entry().data[CONF_PROTOCOL])
        profile = next(p for p in FRAME_PROFILES.values() if p.protocol == protocol)
        errors: dict[str, str] = {}
        defaults: dict[str, Any] = {}
        if user_input is not None:
            data: dict[str, Any] = {
                CONF_NAME: str(user_input.get(CONF_NAME, "")).strip(),
                CONF_ROOM: str(user_input.get(CONF_ROOM, "")).strip(),
                CONF_PROFILE: profile.key,
                CONF_ADDRESS: str(user_input.get(CONF_ADDRESS, "")).strip(),
                CONF_BILLING_MODE: BillingMode.PLATFORM.value,
            }
            if profile.medium is Medium.WATER:
                data[CONF_MAX_FLOW_M3H] = float(
                    user_input.get(CONF_MAX_FLOW_M3H, DEFAULT_MAX_FLOW_M3H)
                )
            else:
                data[CONF_BREAKER_A] = float(user_input.get(CONF_BREAKER_A, DEFAULT_BREAKER_A))
                data[CONF_METER_PASSWORD] = str(
                    user_input.get(CONF_METER_PASSWORD, DEFAULT_METER_PASSWORD)
                ).strip()
                data[CONF_OPERATOR_CODE] = str(
                    user_input.get(CONF_OPERATOR_CODE, DEFAULT_OPERATOR_CODE)
                ).strip()
            await _name_or_default(self.hass, data, profile.medium)
            errors = _text_errors(data)
            if not errors:
                errors = await self._probe_frame(protocol, data)
            if not errors and data[CONF_ADDRESS] in self._used_unique_ids():
                return self.async_abort(reason="already_configured")
            if not errors:
                return self.async_create_entry(
                    title=data[CONF_NAME], data=_meter_fields(data), unique_id=data[CONF_ADDRESS]
                )
            defaults = data
        fields: dict[Any, Any] = {
            **_name_and_room(defaults),
            vol.Optional(CONF_ADDRESS, default=defaults.get(CONF_ADDRESS, "")): str,
        }
        if profile.medium is Medium.WATER:
            fields[
                vol.Optional(
                    CONF_MAX_FLOW_M3H,
                    default=defaults.get(CONF_MAX_FLOW_M3H, DEFAULT_MAX_FLOW_M3H),
                )
            ] = number(0.1, 100, 0.1, "m³/h")
        else:
            fields[
                vol.Optional(
                    CONF_BREAKER_A, default=defaults.get(CONF_BREAKER_A, DEFAULT_BREAKER_A)
                )
            ] = number(1, 1000, 1, "A")
            fields[
                vol.Optional(
                    CONF_METER_PASSWORD,
                    default=defaults.get(CONF_METER_PASSWORD, DEFAULT_METER_PASSWORD),
                )
            ] = str
            fields[
                vol.Optional(
                    CONF_OPERATOR_CODE,
                    default=defaults.get(CONF_OPERATOR_CODE, DEFAULT_OPERATOR_CODE),
                )
            ] = str
        return self.async_show_form(
            step_id="frame",
            data_schema=vol.Schema(fields),
            errors=errors,
            description_placeholders={"model": profile.name},
        )

    async def _probe_frame(self, protocol: str, data: dict[str, Any]) -> dict[str, str]:
        """Check the address (or find the line's only meter) and read the meter once.

        Fills in ``data[CONF_ADDRESS]`` with the canonical digits on success.
        """
        runtime = getattr(self._get_entry(), "runtime_data", None)
        hub = getattr(runtime, "hub", None)
        if not isinstance(hub, FrameHub):
            return {"base": "gateway_not_loaded"}
        if not data[CONF_ADDRESS]:
            scan = await (scan_dlt645(hub) if protocol == "dlt645" else scan_cjt188(hub))
            if scan.ambiguous_broadcast:
                return {CONF_ADDRESS: "several_meters_answered"}
            if not scan.hits:
                return {CONF_ADDRESS: "meter_not_responding"}
            data[CONF_ADDRESS] = scan.hits[0].address
        try:
            if protocol == "dlt645":
                if not _plain_code(data[CONF_METER_PASSWORD], hexdigits=True) or not _plain_code(
                    data[CONF_OPERATOR_CODE], hexdigits=False
                ):
                    return {CONF_METER_PASSWORD: "invalid_meter_password"}
                meter: Dlt645Meter | Cjt188Meter = Dlt645Meter(hub, data[CONF_ADDRESS], key="probe")
                data[CONF_ADDRESS] = dlt645.address_text(meter.address)
            else:
                meter = Cjt188Meter(hub, data[CONF_ADDRESS], key="probe")
                data[CONF_ADDRESS] = cjt188.address_text(meter.address)
        except FrameError:
            return {CONF_ADDRESS: "invalid_meter_address"}
        try:
            await meter.read()
        except MeterError:
            return {CONF_ADDRESS: "meter_not_responding"}
        return {}

    async def async_step_modbus(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Add a meter on the bus: name, room, model and address; read once before going on."""
        errors: dict[str, str] = {}
        defaults: dict[str, Any] = {}
        placeholders: dict[str, str] = {"found": ""}
        if user_input is not None:
            data = self._clean_modbus(user_input)
            await _name_or_default(self.hass, data, PROFILES[data[CONF_PROFILE]].medium)
            errors = _text_errors(data)
            if str(data[CONF_ADDRESS]) in self._used_unique_ids():
                return self.async_abort(reason="already_configured")
            if not errors:
                errors = await self._probe(data)
            if not errors:
                self._pending = data
                return await self.async_step_modbus_limits()
            defaults = data
            if errors.get(CONF_PROFILE) == "wrong_profile_found":
                placeholders["found"] = PROFILES[data[CONF_PROFILE]].name
        return self.async_show_form(
            step_id="modbus",
            data_schema=self._modbus_schema(defaults),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_modbus_limits(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask what this model needs: its breaker or maximum flow, who keeps the balance."""
        data = dict(self._pending)
        profile = PROFILES[data[CONF_PROFILE]]
        if user_input is not None:
            if profile.medium is Medium.WATER:
                data[CONF_MAX_FLOW_M3H] = float(user_input[CONF_MAX_FLOW_M3H])
            else:
                data[CONF_BREAKER_A] = float(user_input[CONF_BREAKER_A])
            if profile.has_balance:
                data[CONF_BILLING_MODE] = str(user_input[CONF_BILLING_MODE])
            if str(data[CONF_ADDRESS]) in self._used_unique_ids():
                return self.async_abort(reason="already_configured")
            return self.async_create_entry(
                title=data[CONF_NAME],
                data=_meter_fields(data),
                unique_id=str(data[CONF_ADDRESS]),
            )
        defaults = {
            **data,
            CONF_BREAKER_A: DEFAULT_BREAKER_A,
            CONF_MAX_FLOW_M3H: DEFAULT_MAX_FLOW_M3H,
        }
        return self.async_show_form(
            step_id="modbus_limits",
            data_schema=vol.Schema(self._limit_fields(defaults)),
            description_placeholders={"meter": data[CONF_NAME], "model": profile.name},
        )

    async def async_step_entities(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Add a meter made of Home Assistant entities."""
        errors: dict[str, str] = {}
        defaults: dict[str, Any] = {}
        if user_input is not None:
            data = {
                CONF_NAME: str(user_input.get(CONF_NAME, "")).strip(),
                CONF_ROOM: str(user_input.get(CONF_ROOM, "")).strip(),
                CONF_MEDIUM: str(user_input[CONF_MEDIUM]),
                CONF_COUNTER_ENTITY: str(user_input[CONF_COUNTER_ENTITY]),
                CONF_SUPPLY_ENTITY: str(user_input.get(CONF_SUPPLY_ENTITY) or ""),
            }
            await _name_or_default(self.hass, data, Medium(data[CONF_MEDIUM]))
            errors = _text_errors(data)
            if data[CONF_COUNTER_ENTITY] in self._used_unique_ids():
                return self.async_abort(reason="already_configured")
            if self.hass.states.get(data[CONF_COUNTER_ENTITY]) is None:
                errors[CONF_COUNTER_ENTITY] = "entity_not_found"
            if data[CONF_SUPPLY_ENTITY] and self.hass.states.get(data[CONF_SUPPLY_ENTITY]) is None:
                errors[CONF_SUPPLY_ENTITY] = "entity_not_found"
            if not errors:
                return self.async_create_entry(
                    title=data[CONF_NAME],
                    data=_meter_fields(data),
                    unique_id=data[CONF_COUNTER_ENTITY],
                )
            defaults = data
        schema = vol.Schema(
            {
                **_name_and_room(defaults),
                vol.Required(
                    CONF_MEDIUM, default=defaults.get(CONF_MEDIUM, Medium.ELECTRICITY.value)
                ): selector.SelectSelector(
                    selector.SelectSelectorConfig(
                        options=[m.value for m in Medium], translation_key="medium"
                    )
                ),
                vol.Required(CONF_COUNTER_ENTITY): selector.EntitySelector(
                    selector.EntitySelectorConfig(
                        domain="sensor", device_class=["energy", "water", "gas"]
                    )
                ),
                vol.Optional(CONF_SUPPLY_ENTITY): selector.EntitySelector(
                    selector.EntitySelectorConfig(domain=["switch", "valve"])
                ),
            }
        )
        return self.async_show_form(step_id="entities", data_schema=schema, errors=errors)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Rename a meter, move it to another room, or change its limits."""
        subentry = self._get_reconfigure_subentry()
        current = dict(subentry.data)
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {
                **current,
                CONF_NAME: str(user_input[CONF_NAME]).strip(),
                CONF_ROOM: str(user_input.get(CONF_ROOM, "")).strip(),
            }
            for key in (CONF_BREAKER_A, CONF_MAX_FLOW_M3H):
                if key in user_input:
                    data[key] = float(user_input[key])
            if CONF_BILLING_MODE in user_input:
                data[CONF_BILLING_MODE] = str(user_input[CONF_BILLING_MODE])
            if not (errors := _text_errors(data)):
                return self.async_update_and_abort(
                    self._get_entry(), subentry, title=data[CONF_NAME], data=_meter_fields(data)
                )
        fields: dict[Any, Any] = {
            vol.Required(CONF_NAME, default=subentry.title): str,
            vol.Optional(CONF_ROOM, default=current.get(CONF_ROOM, "")): str,
        }
        fields.update(self._limit_fields(current))
        return self.async_show_form(
            step_id="reconfigure", data_schema=vol.Schema(fields), errors=errors
        )

    # -- helpers --------------------------------------------------------------------------

    def _used_unique_ids(self) -> set[str]:
        return {
            sub.unique_id
            for sub in self._get_entry().subentries.values()
            if sub.subentry_type == SUBENTRY_METER and sub.unique_id is not None
        }

    def _clean_modbus(self, user_input: dict[str, Any]) -> dict[str, Any]:
        profile = PROFILES[str(user_input[CONF_PROFILE])]
        data: dict[str, Any] = {
            CONF_NAME: str(user_input.get(CONF_NAME, "")).strip(),
            CONF_ROOM: str(user_input.get(CONF_ROOM, "")).strip(),
            CONF_PROFILE: profile.key,
            CONF_ADDRESS: int(user_input[CONF_ADDRESS]),
            # Only a meter that keeps its own balance can bill meter-side (asked next for one).
            CONF_BILLING_MODE: BillingMode.PLATFORM.value,
        }
        return data

    async def _probe(self, data: dict[str, Any]) -> dict[str, str]:
        """Read the meter once through the gateway's bus.

        On a refused read the bus scan looks for the model that does fit; ``data[CONF_PROFILE]``
        then holds it (error ``wrong_profile_found``).
        """
        entry = self._get_entry()
        if entry.setup_lock.locked():
            # The gateway reloads (a meter or account saved a moment ago): probe once it is back
            # rather than answer that it is not running.
            try:
                async with asyncio.timeout(RELOAD_WAIT_S), entry.setup_lock:
                    pass
            except TimeoutError:
                return {"base": "gateway_not_loaded"}
        runtime = getattr(entry, "runtime_data", None)
        hub = getattr(runtime, "hub", None)
        if hub is None or entry.state is not ConfigEntryState.LOADED:
            return {"base": "gateway_not_loaded"}
        meter = ModbusMeter(hub, PROFILES[data[CONF_PROFILE]], data[CONF_ADDRESS], key="probe")
        try:
            await meter.read()
        except MeterMisconfigured:
            found = await _identify(hub, data[CONF_ADDRESS])
            if found is None:
                return {CONF_PROFILE: "wrong_profile"}
            # The bus scan recognised the meter: offer its model, selected in the form.
            data[CONF_PROFILE] = found
            return {CONF_PROFILE: "wrong_profile_found"}
        except MeterError:
            return {CONF_ADDRESS: "meter_not_responding"}
        return {}

    def _modbus_schema(self, defaults: dict[str, Any]) -> vol.Schema:
        fields: dict[Any, Any] = {
            **_name_and_room(defaults),
            vol.Required(
                CONF_PROFILE, default=defaults.get(CONF_PROFILE, next(iter(PROFILES)))
            ): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[
                        selector.SelectOptionDict(value=key, label=profile.name)
                        for key, profile in PROFILES.items()
                    ],
                    mode=selector.SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Required(CONF_ADDRESS, default=defaults.get(CONF_ADDRESS, 1)): number(
                1, MAX_ADDRESS, 1
            ),
        }
        return vol.Schema(fields)

    def _limit_fields(self, current: dict[str, Any]) -> dict[Any, Any]:
        fields: dict[Any, Any] = {}
        profile = PROFILES.get(str(current.get(CONF_PROFILE, "")))
        water = profile.medium is Medium.WATER if profile is not None else None
        if CONF_BREAKER_A in current and water is not True:
            fields[vol.Required(CONF_BREAKER_A, default=current[CONF_BREAKER_A])] = number(
                1, 1000, 1, "A"
            )
        if CONF_MAX_FLOW_M3H in current and water is not False:
            fields[vol.Required(CONF_MAX_FLOW_M3H, default=current[CONF_MAX_FLOW_M3H])] = number(
                0.1, 100, 0.1, "m³/h"
            )
        if profile is not None and profile.has_balance:
            fields[vol.Required(CONF_BILLING_MODE, default=current[CONF_BILLING_MODE])] = (
                selector.SelectSelector(
                    selector.SelectSelectorConfig(
                        options=[m.value for m in BillingMode], translation_key="billing_mode"
                    )
                )
            )
        return fields


async def _identify(hub: ModbusHub, address: int) -> str | None:
    """Return the profile the bus scan recognises at ``address`` (None: none fits).

    The same hub the probe just read through, so a reload in between cannot swap it.
    """
    try:
        hit = await identify(hub, address)
    except MeterError:
        return None
    return hit.profile_key if hit is not None else None
