"""What a meter read returns, what a supply command returns, and how either can fail.

These types are the whole contract between the device layer and its users (billing, the
coordinator): a Modbus meter and an HA-entity meter return the same types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable


class Medium(StrEnum):
    """What a meter measures; the values match ``billing.quantity.UtilityKind``."""

    ELECTRICITY = "electricity"
    WATER = "water"


#: Resolution of a total counter: kWh at 0.01, m³ at 0.001.
COUNTER_RESOLUTION = {Medium.ELECTRICITY: Decimal("0.01"), Medium.WATER: Decimal("0.001")}


class SupplyState(StrEnum):
    """State of a relay (electricity) or valve (water) as read back from the device."""

    ON = "on"
    OFF = "off"
    UNKNOWN = "unknown"


class MeterFlag(StrEnum):
    """Fault and alarm flags a meter may report."""

    FAULT = "fault"
    OVER_POWER = "over_power"
    ARREARS = "arrears"
    ALARM_1 = "alarm_1"
    ALARM_2 = "alarm_2"
    VALVE_FAULT = "valve_fault"
    LOW_BATTERY = "low_battery"


@dataclass(frozen=True, slots=True)
class TouCounters:
    """Time-of-use counters in the same unit as the total."""

    sharp: Decimal
    peak: Decimal
    flat: Decimal
    valley: Decimal


@dataclass(frozen=True, slots=True)
class MeterReading:
    """One successful read of one meter.

    ``total`` is the cumulative counter (kWh at 0.01 or m³ at 0.001), never a float. Every other
    field is ``None`` when the meter does not report it.
    """

    meter_key: str
    taken_at: datetime
    medium: Medium
    total: Decimal
    tou: TouCounters | None = None
    power_kw: Decimal | None = None
    voltage_v: Decimal | None = None
    current_a: Decimal | None = None
    power_factor: Decimal | None = None
    flow_rate: Decimal | None = None
    meter_balance: Decimal | None = None
    purchase_count: int | None = None
    remaining_volume: Decimal | None = None
    battery_v: Decimal | None = None
    supply: SupplyState = SupplyState.UNKNOWN
    flags: frozenset[MeterFlag] = field(default_factory=frozenset)


class ControlOutcome(StrEnum):
    """Result of a relay/valve command after reading the state back."""

    VERIFIED = "verified"  # read back equals the requested state
    MISMATCH = "mismatch"  # read back clearly differs (welded relay, manual override)
    UNKNOWN = "unknown"  # the write or the read-back did not answer: state not known


@dataclass(frozen=True, slots=True)
class ControlResult:
    """What ``set_supply`` achieved."""

    meter_key: str
    requested: SupplyState
    observed: SupplyState
    outcome: ControlOutcome
    writes: int
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a meter can do, for the glue to decide which entities and commands to offer."""

    medium: Medium
    has_supply_control: bool
    has_tou: bool
    has_meter_balance: bool


class MeterError(Exception):
    """Base of every device-layer failure. ``meter_key`` says which meter, when known."""

    def __init__(self, message: str, *, meter_key: str | None = None) -> None:
        """Keep the meter key next to the message."""
        super().__init__(message)
        self.meter_key = meter_key


class MeterTimeout(MeterError):
    """The meter (or the bus) did not answer within the timeout, retries included."""


class MeterCorruptReply(MeterError):
    """Only corrupt, short or mismatched replies came back; none of it was used."""


class MeterBusy(MeterError):
    """The meter answered SLAVE_BUSY / ACKNOWLEDGE until the busy retries ran out."""


class MeterMisconfigured(MeterError):
    """ILLEGAL_FUNCTION/ADDRESS/VALUE: the profile or address does not fit this meter.

    Not retried: a person has to fix the configuration (a repair issue).
    """

    def __init__(self, message: str, *, meter_key: str | None = None, code: int = 0) -> None:
        """Keep the Modbus exception code."""
        super().__init__(message, meter_key=meter_key)
        self.code = code


class GatewayTargetUnavailable(MeterError):
    """A gateway answered 0x0A (path unavailable) or 0x0B (target did not respond)."""


class MeterDeviceError(MeterError):
    """Any other Modbus exception reply (e.g. 0x04 server device failure)."""


class MeterSuspended(MeterError):
    """The circuit breaker holds this meter back after repeated failures; no bus time spent."""


class BusUnavailable(MeterError):
    """The bus itself (TCP gateway or serial port) is not connected; reconnect is backing off."""


class NoReading(MeterError):
    """An HA-entity meter has no usable value (unavailable, unknown, zero at boot, bad unit)."""


@runtime_checkable
class Meter(Protocol):
    """What billing and the HA glue use, whatever the meter is."""

    @property
    def key(self) -> str:
        """Return the stable key of this meter."""
        ...

    @property
    def capabilities(self) -> Capabilities:
        """Return what this meter can do."""
        ...

    async def read(self) -> MeterReading:
        """Read the meter; raise a ``MeterError`` subclass on failure, never return zeros."""
        ...

    async def set_supply(self, on: bool) -> ControlResult:
        """Switch the relay/valve and read the state back."""
        ...
