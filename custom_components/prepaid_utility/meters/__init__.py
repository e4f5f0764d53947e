"""Device layer: Modbus buses, meter profiles and a simulated building.

This package knows bytes, registers and relays, and nothing of money. It is free of Home
Assistant imports (meters made of Home Assistant entities live in ``gateway/``), so it can run
in tests, benchmarks and the simulator without a Home Assistant instance.

What the coordinator uses::

    hub = ModbusHub(BusConfig(BusKind.RTU_OVER_TCP, host="192.168.1.50", port=502))
    meter = ModbusMeter(hub, resolve_profile("acrel_ddsy1352"), device_id=5, key="flat_5")
    reading = await meter.read()            # MeterReading, or raises a MeterError subclass
    result = await meter.set_supply(False)  # ControlResult: verified / mismatch / unknown
    readings = await read_all(meters)       # {key: MeterReading | MeterError}
    await hub.close()

A DL/T 645-2007 or CJ/T 188 bus has a ``FrameHub`` instead (same ``BusConfig`` with
``protocol=BusProtocol.DLT645`` or ``CJT188``), and ``Dlt645Meter`` / ``Cjt188Meter`` on it
return the same ``MeterReading`` and ``ControlResult``.
"""

from .frame_meters import (
    FRAME_PROFILES,
    Cjt188Meter,
    Dlt645Meter,
    FrameProfile,
    cjt188_frame_hub,
    dlt645_frame_hub,
)
from .framebus import FrameHub
from .hub import BusConfig, BusKind, BusProtocol, HubStats, ModbusHub, guarded
from .modbus_meter import ModbusMeter
from .poll import read_all
from .profiles import PROFILES, Profile, ProfileDataError, profile_from_data, resolve_profile
from .reading import (
    BusUnavailable,
    Capabilities,
    ControlOutcome,
    ControlResult,
    GatewayTargetUnavailable,
    Medium,
    Meter,
    MeterBusy,
    MeterCorruptReply,
    MeterDeviceError,
    MeterError,
    MeterFlag,
    MeterMisconfigured,
    MeterReading,
    MeterSuspended,
    MeterTimeout,
    NoReading,
    SupplyState,
    TouCounters,
)
from .scan import FrameScan, FrameScanHit, ScanHit, scan_bus, scan_cjt188, scan_dlt645

__all__ = [
    "FRAME_PROFILES",
    "PROFILES",
    "BusConfig",
    "BusKind",
    "BusProtocol",
    "BusUnavailable",
    "Capabilities",
    "Cjt188Meter",
    "ControlOutcome",
    "ControlResult",
    "Dlt645Meter",
    "FrameHub",
    "FrameProfile",
    "FrameScan",
    "FrameScanHit",
    "GatewayTargetUnavailable",
    "HubStats",
    "Medium",
    "Meter",
    "MeterBusy",
    "MeterCorruptReply",
    "MeterDeviceError",
    "MeterError",
    "MeterFlag",
    "MeterMisconfigured",
    "MeterReading",
    "MeterSuspended",
    "MeterTimeout",
    "ModbusHub",
    "ModbusMeter",
    "NoReading",
    "Profile",
    "ProfileDataError",
    "ScanHit",
    "SupplyState",
    "TouCounters",
    "cjt188_frame_hub",
    "dlt645_frame_hub",
    "guarded",
    "profile_from_data",
    "read_all",
    "resolve_profile",
    "scan_bus",
    "scan_cjt188",
    "scan_dlt645",
]
