"""Config flow: one entry per gateway, tested before it is created.

A gateway is how the meters are reached: a Modbus TCP gateway, an RS485-to-Ethernet converter
passing RTU frames (RTU over TCP), a USB adapter on this machine, or Home Assistant's own
entities. Options hold the polling and bus timing; reconfigure moves a gateway to a new address
or port without losing its meters and accounts.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, override

import probatio as vol
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryData,
    ConfigSubentryFlow,
)
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PASSWORD, CONF_PORT
from homeassistant.core import callback
from homeassistant.helpers import selector
from homeassistant.util import dt as dt_util

from .billing.errors import InvalidAmount
from .billing.quantity import UtilityKind
from .const import (
    BAUDRATES,
    CONF_BAUDRATE,
    CONF_ELECTRICITY_PRICE,
    CONF_FRAME_GAP_MS,
    CONF_GATEWAY_TYPE,
    CONF_HIDE_TENANT_NAMES,
    CONF_HISTORY_DAYS,
    CONF_LEDGER_PASSWORD,
    CONF_LEDGER_URL,
    CONF_LINK,
    CONF_PARITY,
    CONF_POLL_INTERVAL,
    CONF_PRESET,
    CONF_PROTOCOL,
    CONF_RETRIES,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    CONF_TIMEOUT,
    CONF_WATER_PRICE,
    DEFAULT_BAUDRATE,
    DEFAULT_FRAME_BAUDRATE,
    DEFAULT_FRAME_GAP_MS,
    DEFAULT_FRAME_GAP_MS_OVER_TCP,
    DEFAULT_FRAME_PARITY,
    DEFAULT_PARITY,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_RETRIES,
    DEFAULT_TCP_PORT,
    DEFAULT_TIMEOUT_S,
    DOMAIN,
    MAX_HISTORY_DAYS,
    MAX_POLL_INTERVAL_S,
    MIN_POLL_INTERVAL_S,
    MODBUS_GATEWAYS,
    PARITIES,
    SIMULATED_PRESETS,
    SUBENTRY_ACCOUNT,
    SUBENTRY_METER,
    GatewayType,
)
from .coordinator import PrepaidConfigEntry
from .flows.accounts import AccountSubentryFlow
from .flows.fields import name_error, number
from .flows.ledger import detail_option, detail_option_field
from .flows.meters import MeterSubentryFlow, simulated_meters
from .flows.payments import PaymentOptionsFlow
from .flows.supply import supply_option_fields, supply_options
from .flows.tariffs import TariffOptionsFlow
from .gateway.bus import async_can_connect, bus_config, list_serial_ports, unique_id
from .gateway.meter_names import async_title_templates
from .ledger.location import display_url, engine_url, join_password, split_password, with_password
from .money.ledger_runtime import async_check_location, async_test_login
from .tariffs.prices import PRICE_OPTION, current_price, validate_price, with_prices

_MENU = [
    GatewayType.TCP,
    GatewayType.RTU_OVER_TCP,
    GatewayType.SERIAL,
    # Buses of the other protocols: their own steps, stored as a serial or converter gateway.
    "dlt645",
    "cjt188",
    GatewayType.HA_ENTITIES,
    GatewayType.SIMULATED,
]


def _network_schema(defaults: dict[str, Any], with_name: bool) -> vol.Schema:
    fields: dict[Any, Any] = {}
    if with_name:
        fields[vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, ""))] = str
    fields[vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, ""))] = str
    fields[vol.Required(CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_TCP_PORT))] = number(
        1, 65535
    )
    return vol.Schema(fields)


def _serial_schema(
    defaults: dict[str, Any], ports: list[tuple[str, str]], with_name: bool
) -> vol.Schema:
    fields: dict[Any, Any] = {}
    if with_name:
        fields[vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, ""))] = str
    port_default = defaults.get(CONF_SERIAL_PORT) or (ports[0][0] if ports else "")
    fields[vol.Required(CONF_SERIAL_PORT, default=port_default)] = selector.SelectSelector(
        selector.SelectSelectorConfig(
            options=[selector.SelectOptionDict(value=v, label=label) for v, label in ports],
            custom_value=True,  # a port the scan missed can still be typed in
            mode=selector.SelectSelectorMode.DROPDOWN,
        )
    )
    baud_default = str(defaults.get(CONF_BAUDRATE, DEFAULT_BAUDRATE))
    fields[vol.Required(CONF_BAUDRATE, default=baud_default)] = selector.SelectSelector(
        selector.SelectSelectorConfig(options=[str(b) for b in BAUDRATES])
    )
    fields[vol.Required(CONF_PARITY, default=defaults.get(CONF_PARITY, DEFAULT_PARITY))] = (
        selector.SelectSelector(
            selector.SelectSelectorConfig(options=list(PARITIES), translation_key="parity")
        )
    )
    fields[vol.Required(CONF_STOPBITS, default=str(defaults.get(CONF_STOPBITS, 1)))] = (
        selector.SelectSelector(selector.SelectSelectorConfig(options=["1", "2"]))
    )
    return vol.Schema(fields)


def _frame_schema(defaults: dict[str, Any], ports: list[tuple[str, str]]) -> vol.Schema:
    """One form for a DL/T 645 or CJ/T 188 bus: on a USB adapter or behind a converter.

    The line settings start at the meters' factory defaults, 2400 baud 8E1; behind a converter
    they are set on the converter's own page and only host and port are used here.
    """
    port_default = defaults.get(CONF_SERIAL_PORT) or (ports[0][0] if ports else "")
    return vol.Schema(
        {
            vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, "")): str,
            vol.Required(CONF_LINK, default=defaults.get(CONF_LINK, "serial")): (
                selector.SelectSelector(
                    selector.SelectSelectorConfig(
                        options=["serial", "converter"], translation_key="link"
                    )
                )
            ),
            vol.Optional(CONF_SERIAL_PORT, default=port_default): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[selector.SelectOptionDict(value=v, label=label) for v, label in ports],
                    custom_value=True,
                    mode=selector.SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Required(
                CONF_BAUDRATE, default=str(defaults.get(CONF_BAUDRATE, DEFAULT_FRAME_BAUDRATE))
            ): selector.SelectSelector(
                selector.SelectSelectorConfig(options=[str(b) for b in BAUDRATES])
            ),
            vol.Required(
                CONF_PARITY, default=defaults.get(CONF_PARITY, DEFAULT_FRAME_PARITY)
            ): selector.SelectSelector(
                selector.SelectSelectorConfig(options=list(PARITIES), translation_key="parity")
            ),
            vol.Required(CONF_STOPBITS, default=str(defaults.get(CONF_STOPBITS, 1))): (
                selector.SelectSelector(selector.SelectSelectorConfig(options=["1", "2"]))
            ),
            vol.Optional(CONF_HOST, default=defaults.get(CONF_HOST, "")): str,
            vol.Optional(CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_TCP_PORT)): number(
                1, 65535
            ),
        }
    )


def _clean_frame(protocol: str, user_input: dict[str, Any]) -> tuple[GatewayType, dict[str, Any]]:
    """Return the gateway type and entry data of a DL/T 645 / CJ/T 188 form."""
    gateway = (
        GatewayType.SERIAL
        if user_input.get(CONF_LINK, "serial") == "serial"
        else GatewayType.RTU_OVER_TCP
    )
    data = _clean(
        gateway,
        {CONF_SERIAL_PORT: "", CONF_HOST: "", CONF_PORT: DEFAULT_TCP_PORT, **user_input},
    )
    data[CONF_PROTOCOL] = protocol
    return gateway, data


def _clean(gateway: GatewayType, user_input: dict[str, Any]) -> dict[str, Any]:
    """Normalise what the form returned into the entry's data."""
    data: dict[str, Any] = {CONF_GATEWAY_TYPE: gateway.value}
    if CONF_NAME in user_input:
        data[CONF_NAME] = str(user_input[CONF_NAME]).strip()
    if gateway is GatewayType.SERIAL:
        data[CONF_SERIAL_PORT] = str(user_input[CONF_SERIAL_PORT]).strip()
        data[CONF_BAUDRATE] = int(user_input[CONF_BAUDRATE])
        data[CONF_PARITY] = str(user_input[CONF_PARITY])
        data[CONF_STOPBITS] = int(user_input[CONF_STOPBITS])
    elif gateway in MODBUS_GATEWAYS:
        data[CONF_HOST] = str(user_input[CONF_HOST]).strip()
        data[CONF_PORT] = int(user_input[CONF_PORT])
    elif gateway is GatewayType.SIMULATED:
        data[CONF_PRESET] = str(user_input[CONF_PRESET])
        if days := int(user_input.get(CONF_HISTORY_DAYS, 0)):
            data[CONF_HISTORY_DAYS] = days
    return data


_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.ASCII | re.IGNORECASE)


def valid_host(host: str) -> bool:
    """Return whether ``host`` is an IP address or a host name (RFC 1123), before any lookup.

    A typo such as "not a host!" is a wrong entry, not an unreachable gateway.
    """
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True
    name = host.removesuffix(".")
    labels = name.split(".")
    return (
        0 < len(name) <= 253
        and all(_HOST_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()  # "10.0.0.256": a mistyped address, not a name
    )


async def _validate(gateway: GatewayType, data: dict[str, Any]) -> dict[str, str]:
    """Return form errors; an empty dict means the gateway answered."""
    errors: dict[str, str] = {}
    if CONF_NAME in data and (error := name_error(data[CONF_NAME])):
        errors[CONF_NAME] = error
    if gateway is GatewayType.SERIAL and not data[CONF_SERIAL_PORT]:
        errors[CONF_SERIAL_PORT] = "invalid_serial_port"
    if gateway in (GatewayType.TCP, GatewayType.RTU_OVER_TCP) and not valid_host(data[CONF_HOST]):
        errors[CONF_HOST] = "invalid_host"
    if errors or gateway not in MODBUS_GATEWAYS:
        return errors
    if not await async_can_connect(bus_config(data)):
        errors["base"] = "cannot_connect"
    return errors


class PrepaidUtilityConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a gateway."""

    VERSION = 1
    # 1.2: parity stored as none/even/odd instead of N/E/O (async_migrate_entry).
    # 1.3: a simulated building's meter titles name their room.
    MINOR_VERSION = 3

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: PrepaidConfigEntry) -> GatewayOptionsFlow:
        """Return the options flow (polling and bus timing)."""
        return GatewayOptionsFlow()

    @classmethod
    @callback
    @override
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Meters are subentries of their gateway."""
        return {SUBENTRY_METER: MeterSubentryFlow, SUBENTRY_ACCOUNT: AccountSubentryFlow}

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask how the meters are reached."""
        return self.async_show_menu(step_id="user", menu_options=[str(g) for g in _MENU])

    async def async_step_tcp(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a Modbus TCP gateway."""
        return await self._network_step(GatewayType.TCP, user_input)

    async def async_step_rtu_over_tcp(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add an RS485-to-Ethernet converter that passes RTU frames."""
        return await self._network_step(GatewayType.RTU_OVER_TCP, user_input)

    async def async_step_serial(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a USB RS485 adapter on this machine."""
        errors: dict[str, str] = {}
        defaults: dict[str, Any] = {}
        if user_input is not None:
            data = _clean(GatewayType.SERIAL, user_input)
            if not (errors := await _validate(GatewayType.SERIAL, data)):
                return await self._create(data)
            defaults = data
        ports = await self.hass.async_add_executor_job(list_serial_ports)
        return self.async_show_form(
            step_id="serial",
            data_schema=_serial_schema(defaults, [(p.path, p.label) for p in ports], True),
            errors=errors,
        )

    async def async_step_dlt645(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a bus of DL/T 645-2007 electricity meters (2400 baud, 8E1 by default)."""
        return await self._frame_step("dlt645", user_input)

    async def async_step_cjt188(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a bus of CJ/T 188 water meters (RS485, or M-Bus through a converter)."""
        return await self._frame_step("cjt188", user_input)

    async def _frame_step(
        self, protocol: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        defaults: dict[str, Any] = {}
        if user_input is not None:
            gateway, data = _clean_frame(protocol, user_input)
            if not (errors := await _validate(gateway, data)):
                return await self._create(data)
            defaults = {**data, CONF_LINK: user_input.get(CONF_LINK, "serial")}
        ports = await self.hass.async_add_executor_job(list_serial_ports)
        return self.async_show_form(
            step_id=protocol,
            data_schema=_frame_schema(defaults, [(p.path, p.label) for p in ports]),
            errors=errors,
        )

    async def async_step_ha_entities(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a gateway whose meters are existing Home Assistant entities."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _clean(GatewayType.HA_ENTITIES, user_input)
            if not (errors := await _validate(GatewayType.HA_ENTITIES, data)):
                return await self._create(data)
        return self.async_show_form(
            step_id="ha_entities",
            data_schema=vol.Schema({vol.Required(CONF_NAME): str}),
            errors=errors,
        )

    async def async_step_simulated(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a simulated building: real Modbus on loopback, no hardware needed."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _clean(GatewayType.SIMULATED, user_input)
            if not (errors := await _validate(GatewayType.SIMULATED, data)):
                return await self._create(data)
        return self.async_show_form(
            step_id="simulated",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_NAME, default="Simulated building"): str,
                    vol.Required(CONF_PRESET, default=SIMULATED_PRESETS[0]): (
                        selector.SelectSelector(
                            selector.SelectSelectorConfig(
                                options=list(SIMULATED_PRESETS), translation_key="preset"
                            )
                        )
                    ),
                    vol.Optional(CONF_HISTORY_DAYS, default=0): number(
                        0, MAX_HISTORY_DAYS, unit="d"
                    ),
                }
            ),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move a gateway to a new address or port, tested before it is saved."""
        entry = self._get_reconfigure_entry()
        gateway = GatewayType(entry.data[CONF_GATEWAY_TYPE])
        if gateway not in MODBUS_GATEWAYS:
            return self.async_abort(reason="nothing_to_reconfigure")
        errors: dict[str, str] = {}
        defaults = dict(entry.data)
        if user_input is not None:
            data = {**entry.data, **_clean(gateway, user_input)}
            errors = await _validate(gateway, data)
            new_id = unique_id(data)
            if not errors and new_id != entry.unique_id:
                clash = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, new_id)
                if clash is not None:
                    return self.async_abort(reason="already_configured")
            if not errors:
                return self.async_update_reload_and_abort(entry, unique_id=new_id, data=data)
            defaults = data
        if gateway is GatewayType.SERIAL:
            ports = await self.hass.async_add_executor_job(list_serial_ports)
            schema = _serial_schema(defaults, [(p.path, p.label) for p in ports], False)
        else:
            schema = _network_schema(defaults, False)
        return self.async_show_form(step_id="reconfigure", data_schema=schema, errors=errors)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """PostgreSQL refused the ledger's login (setup raised ConfigEntryAuthFailed)."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the ledger's new password; it is tried before it is saved."""
        entry = self._get_reauth_entry()
        location = str(entry.options.get(CONF_LEDGER_URL) or "")
        if not location:
            return self.async_abort(reason="nothing_to_reauthenticate")
        errors: dict[str, str] = {}
        if user_input is not None:
            new = with_password(location, str(user_input[CONF_PASSWORD]))
            if not (error := await async_test_login(self.hass, new)):
                return self.async_update_reload_and_abort(
                    entry, options={**entry.options, CONF_LEDGER_URL: new}
                )
            errors["base"] = error
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_PASSWORD): selector.TextSelector(
                        selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
                    )
                }
            ),
            errors=errors,
            description_placeholders={"ledger": display_url(engine_url(location))},
        )

    async def _network_step(
        self, gateway: GatewayType, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        defaults: dict[str, Any] = {}
        if user_input is not None:
            data = _clean(gateway, user_input)
            if not (errors := await _validate(gateway, data)):
                return await self._create(data)
            defaults = data
        return self.async_show_form(
            step_id=str(gateway), data_schema=_network_schema(defaults, True), errors=errors
        )

    async def _create(self, data: dict[str, Any]) -> ConfigFlowResult:
        await self.async_set_unique_id(unique_id(data))
        self._abort_if_unique_id_configured()
        subentries: list[ConfigSubentryData] = []
        if data[CONF_GATEWAY_TYPE] == GatewayType.SIMULATED:
            # A simulated building comes with its meters already added.
            templates = await async_title_templates(self.hass)
            subentries = simulated_meters(data[CONF_PRESET], templates)
        return self.async_create_entry(title=data[CONF_NAME], data=data, subentries=subentries)


def _gateway_now(entry: ConfigEntry) -> datetime:
    """Return the gateway's time: a new price starts there (a simulated building runs ahead)."""
    if entry.state is ConfigEntryState.LOADED:
        return entry.runtime_data.coordinator.clock()  # type: ignore[no-any-return]
    return dt_util.utcnow()


class GatewayOptionsFlow(PaymentOptionsFlow, TariffOptionsFlow):
    """Prices, polling and bus timing; named tariffs (flows/tariffs.py); payments."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose between the gateway's settings, its tariffs and its payment providers."""
        return self.async_show_menu(
            step_id="init", menu_options=["settings", "tariffs", "payments"]
        )

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and save the options; a changed price starts a new tariff version now."""
        errors: dict[str, str] = {}
        current = self.config_entry.options
        if user_input is not None:
            options: dict[str, Any] = {
                **current,
                CONF_POLL_INTERVAL: int(user_input[CONF_POLL_INTERVAL]),
                CONF_HIDE_TENANT_NAMES: user_input[CONF_HIDE_TENANT_NAMES] is True,
            }
            if CONF_TIMEOUT in user_input:
                options[CONF_TIMEOUT] = float(user_input[CONF_TIMEOUT])
                options[CONF_RETRIES] = int(user_input[CONF_RETRIES])
            if CONF_FRAME_GAP_MS in user_input:
                options[CONF_FRAME_GAP_MS] = int(user_input[CONF_FRAME_GAP_MS])
            errors.update(supply_options(user_input, options, self.hass.config.currency))
            errors.update(detail_option(user_input, options))
            prices: dict[UtilityKind, str] = {}
            for kind, key in PRICE_OPTION.items():
                prices[kind] = str(user_input[key]).strip()
                try:
                    validate_price(prices[kind])
                except InvalidAmount:
                    errors[key] = "invalid_price"
            location = join_password(
                str(user_input.get(CONF_LEDGER_URL) or ""),
                str(user_input.get(CONF_LEDGER_PASSWORD) or ""),
                split_password(str(current.get(CONF_LEDGER_URL) or "")),
            )
            if not errors:
                codes = {
                    sub.subentry_id
                    for sub in self.config_entry.subentries.values()
                    if sub.subentry_type == SUBENTRY_ACCOUNT
                }
                moved = await async_check_location(
                    self.hass, current.get(CONF_LEDGER_URL), location, codes
                )
                if moved is not None:
                    errors[CONF_LEDGER_URL] = moved
            if not errors:
                options[CONF_LEDGER_URL] = location
                return self.async_create_entry(
                    data=with_prices(options, prices, _gateway_now(self.config_entry))
                )
        gateway = GatewayType(self.config_entry.data[CONF_GATEWAY_TYPE])
        fields: dict[Any, Any] = {
            vol.Required(
                CONF_ELECTRICITY_PRICE, default=current_price(current, UtilityKind.ELECTRICITY)
            ): str,
            vol.Required(CONF_WATER_PRICE, default=current_price(current, UtilityKind.WATER)): str,
            vol.Required(
                CONF_POLL_INTERVAL,
                default=current.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_S),
            ): number(MIN_POLL_INTERVAL_S, MAX_POLL_INTERVAL_S, unit="s"),
        }
        fields.update(supply_option_fields(current))
        fields[
            vol.Required(
                CONF_HIDE_TENANT_NAMES, default=current.get(CONF_HIDE_TENANT_NAMES) is True
            )
        ] = bool
        fields.update(detail_option_field(current))
        if gateway in MODBUS_GATEWAYS:
            timeout = current.get(CONF_TIMEOUT, DEFAULT_TIMEOUT_S)
            retries = current.get(CONF_RETRIES, DEFAULT_RETRIES)
            fields[vol.Required(CONF_TIMEOUT, default=timeout)] = number(0.2, 10, 0.1, "s")
            fields[vol.Required(CONF_RETRIES, default=retries)] = number(0, 5)
        if gateway is GatewayType.SERIAL:
            gap = current.get(CONF_FRAME_GAP_MS, DEFAULT_FRAME_GAP_MS)
            fields[vol.Required(CONF_FRAME_GAP_MS, default=gap)] = number(30, 500, unit="ms")
        elif gateway is GatewayType.RTU_OVER_TCP:
            gap = current.get(CONF_FRAME_GAP_MS, DEFAULT_FRAME_GAP_MS_OVER_TCP)
            fields[vol.Required(CONF_FRAME_GAP_MS, default=gap)] = number(0, 500, unit="ms")
        # A form's defaults are sent to the browser: the URL goes without its password, and the
        # password field is always empty (left empty, the stored password is kept).
        shown, _ = split_password(str(current.get(CONF_LEDGER_URL) or ""))
        fields[vol.Optional(CONF_LEDGER_URL, default=shown)] = selector.TextSelector(
            selector.TextSelectorConfig(type=selector.TextSelectorType.URL)
        )
        fields[vol.Optional(CONF_LEDGER_PASSWORD)] = selector.TextSelector(
            selector.TextSelectorConfig(
                type=selector.TextSelectorType.PASSWORD, autocomplete="current-password"
            )
        )
        return self.async_show_form(
            step_id="settings",
            data_schema=vol.Schema(fields),
            errors=errors,
            description_placeholders={"currency": self.hass.config.currency},
        )
