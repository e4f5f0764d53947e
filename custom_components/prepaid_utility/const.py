"""Constants shared by the Home Assistant side of the integration."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

DOMAIN: Final = "prepaid_utility"

# A repair's "Learn more" opens its section of the Troubleshooting page: the anchor is the issue's
# translation key (tests/test_docs.py checks that every key has one).
TROUBLESHOOTING_URL: Final = (
    "https://github.com/prepaid-utility/prepaid_utility/blob/main/docs/troubleshooting.md"
)


def learn_more_url(translation_key: str) -> str:
    """Return the Troubleshooting section of a repair issue."""
    return f"{TROUBLESHOOTING_URL}#{translation_key}"


class GatewayType(StrEnum):
    """How a config entry reaches its meters."""

    TCP = "tcp"  # Modbus TCP gateway
    RTU_OVER_TCP = "rtu_over_tcp"  # transparent RS485-to-Ethernet converter
    SERIAL = "serial"  # USB RS485 adapter on this machine
    SIMULATED = "simulated"  # the in-process simulated building (no hardware)
    HA_ENTITIES = "ha_entities"  # meters made of existing HA sensors and switches/valves


# The gateway device's model as a person names the hardware (device info has no translation).
GATEWAY_MODELS: Final[dict[GatewayType, str]] = {
    GatewayType.TCP: "Modbus TCP gateway",
    GatewayType.RTU_OVER_TCP: "RS485-to-Ethernet converter (RTU over TCP)",
    GatewayType.SERIAL: "USB RS485 adapter",
    GatewayType.SIMULATED: "Simulated building",
    GatewayType.HA_ENTITIES: "Home Assistant entities",
}

MODBUS_GATEWAYS: Final = frozenset({GatewayType.TCP, GatewayType.RTU_OVER_TCP, GatewayType.SERIAL})

CONF_GATEWAY_TYPE: Final = "gateway_type"
# What the meters on the bus speak (a bus is one protocol): modbus (absent: modbus), dlt645,
# cjt188. The values are the device layer's BusProtocol values.
CONF_PROTOCOL: Final = "protocol"
CONF_LINK: Final = "link"  # DL/T 645 / CJ/T 188 form: "serial" or "converter"
# DL/T 645 relay password (plain form, level first): the key's name, not a secret.
CONF_METER_PASSWORD: Final = "meter_password"  # noqa: S105
CONF_OPERATOR_CODE: Final = "operator_code"
FRAME_PROTOCOLS: Final = ("dlt645", "cjt188")
# DL/T 645 and CJ/T 188 meters leave the factory at 2400 baud, 8E1.
DEFAULT_FRAME_BAUDRATE: Final = 2400
DEFAULT_FRAME_PARITY: Final = "even"  # a stored option (PARITIES), like DEFAULT_PARITY
DEFAULT_METER_PASSWORD: Final = "02000000"  # noqa: S105  # a factory default, not a secret
DEFAULT_OPERATOR_CODE: Final = "00000000"
CONF_SERIAL_PORT: Final = "serial_port"
CONF_BAUDRATE: Final = "baudrate"
CONF_PARITY: Final = "parity"
CONF_STOPBITS: Final = "stopbits"
CONF_PRESET: Final = "preset"
CONF_HISTORY_DAYS: Final = "history_days"  # a simulated building that starts in the past
MAX_HISTORY_DAYS: Final = 90

CONF_POLL_INTERVAL: Final = "poll_interval"
CONF_TIMEOUT: Final = "timeout"
CONF_RETRIES: Final = "retries"
CONF_FRAME_GAP_MS: Final = "frame_gap_ms"
CONF_LEDGER_PASSWORD: Final = "ledger_password"  # noqa: S105  # a form field, never stored
CONF_LEDGER_URL: Final = "ledger_url"  # "" or absent: the SQLite file in the config folder
# Hourly usage older than this many months rolls up into days (ledger/rollup.py).
CONF_USAGE_DETAIL_MONTHS: Final = "usage_detail_months"
DEFAULT_USAGE_DETAIL_MONTHS: Final = 13
MIN_USAGE_DETAIL_MONTHS: Final = 1
MAX_USAGE_DETAIL_MONTHS: Final = 120

DEFAULT_TCP_PORT: Final = 502
DEFAULT_BAUDRATE: Final = 9600
DEFAULT_POLL_INTERVAL_S: Final = 30
MIN_POLL_INTERVAL_S: Final = 5
MAX_POLL_INTERVAL_S: Final = 3600
DEFAULT_TIMEOUT_S: Final = 1.0
DEFAULT_RETRIES: Final = 2
# Silence between requests: a USB adapter drives the RS485 line itself and needs the 3.5
# character gap plus margin; behind an RS485-to-Ethernet converter the network round trip is
# already longer than the gap, and a forced 30 ms costs a quarter of the bus (as HA core's
# modbus integration, 0 for rtuovertcp).
DEFAULT_FRAME_GAP_MS: Final = 30
DEFAULT_FRAME_GAP_MS_OVER_TCP: Final = 0

# Simulated buildings the config flow offers (keys of the simulator's presets).
SIMULATED_PRESETS: Final = ("building40", "mixed", "acrel100")

BAUDRATES: Final = (1200, 2400, 4800, 9600, 19200, 38400)
# Parity as the config entry stores it (hassfest wants lowercase selector option keys); entries
# saved before config entry version 1.2 held pymodbus's letters (migrated in __init__.py).
PARITIES: Final = ("none", "even", "odd")
DEFAULT_PARITY: Final = "none"

# The longest name a person may give a gateway, meter, tariff or fee.
MAX_NAME_LENGTH: Final = 64

# Meter subentries.
SUBENTRY_METER: Final = "meter"
CONF_ROOM: Final = "room"
CONF_PROFILE: Final = "profile"
CONF_ADDRESS: Final = "address"
CONF_BREAKER_A: Final = "breaker_a"
CONF_MAX_FLOW_M3H: Final = "max_flow_m3h"
CONF_BILLING_MODE: Final = "billing_mode"
CONF_COUNTER_ENTITY: Final = "counter_entity"
CONF_SUPPLY_ENTITY: Final = "supply_entity"
CONF_MEDIUM: Final = "medium"

DEFAULT_BREAKER_A: Final = 63
DEFAULT_MAX_FLOW_M3H: Final = 2.5
MAINS_VOLTS: Final = 230


class BillingMode(StrEnum):
    """Who keeps the balance: our ledger, or the meter itself (Acrel prepaid meters)."""

    PLATFORM = "platform"
    METER = "meter"


# Prices (flat tariffs per gateway; each change is a new version from the moment it is saved).
CONF_ELECTRICITY_PRICE: Final = "electricity_price"
CONF_WATER_PRICE: Final = "water_price"
CONF_TARIFF_VERSIONS: Final = "tariff_versions"
DEFAULT_ELECTRICITY_PRICE: Final = "0.60"
DEFAULT_WATER_PRICE: Final = "4.50"

# Tenant account subentries.
SUBENTRY_ACCOUNT: Final = "account"
CONF_TENANT: Final = "tenant"
CONF_METERS: Final = "meters"
CONF_AREA_M2: Final = "area_m2"
CONF_LOW_1: Final = "low_1"
CONF_LOW_2: Final = "low_2"
CONF_LOW_3: Final = "low_3"
CONF_OVERDRAFT: Final = "overdraft"
CONF_RESTORE_ABOVE: Final = "restore_above"
# Gateway option: entities, statistics and repairs name accounts by room, never by tenant.
CONF_HIDE_TENANT_NAMES: Final = "hide_tenant_names"
CONF_PROTECTED: Final = "protected"
CONF_PROTECTED_START: Final = "protected_start"
CONF_PROTECTED_END: Final = "protected_end"
CONF_PROTECT_NON_WORKING_DAYS: Final = "protect_non_working_days"
CONF_WARNING_MIN: Final = "warning_minutes"
DEFAULT_LOW_LEVELS: Final = ("50", "20", "5")
# Home Assistant user ids who may see an account on the dashboard cards (administrators see all).
CONF_VIEWERS: Final = "viewers"
