"""Which simulated meter each profile key makes (Modbus, DL/T 645 and CJ/T 188 alike)."""

from __future__ import annotations

from .clock import SimClock
from .devices import (
    PROFILE_SIMS,
    AcrelSim,
    EastronSim,
    HikingSim,
    ProfileSim,
    SimDevice,
    WaterValveSim,
)
from .frame_devices import Cjt188Sim, Dlt645Sim


def make_device(
    kind: str,
    unit: int,
    clock: SimClock,
    *,
    seed: int = 0,
    meter_side: bool = False,
    start: float = -1.0,
) -> SimDevice:
    """Create a simulated meter for a profile key; ``start`` < 0 picks a used-meter counter."""
    match kind:
        case "acrel_ddsy1352":
            return AcrelSim(unit, clock, phases=1, seed=seed, start=start, meter_side=meter_side)
        case "acrel_dtsy1352":
            return AcrelSim(unit, clock, phases=3, seed=seed, start=start, meter_side=meter_side)
        case "acrel_legacy":
            return AcrelSim(unit, clock, phases=1, seed=seed, start=start, legacy_only=True)
        case "eastron_sdm120":
            return EastronSim(unit, clock, phases=1, seed=seed, start=start)
        case "eastron_sdm630":
            return EastronSim(unit, clock, phases=3, seed=seed, start=start)
        case "hiking_dds238":
            return HikingSim(unit, clock, seed=seed, start=start)
        case "xintai_water":
            return WaterValveSim(unit, clock, seed=seed, start=start)
        case key if key in PROFILE_SIMS:
            phases, extra = PROFILE_SIMS[key]
            return ProfileSim(unit, clock, key, phases=phases, extra=extra, seed=seed, start=start)
        case "dlt645_2007" | "cjt188_water":
            cls = Dlt645Sim if kind == "dlt645_2007" else Cjt188Sim
            return cls(unit, clock, seed=seed, start=start)
    raise ValueError(f"no simulated meter for profile {kind!r}")


SIMULATED_KINDS = (
    "acrel_ddsy1352",
    "acrel_dtsy1352",
    "acrel_legacy",
    "eastron_sdm120",
    "eastron_sdm630",
    "hiking_dds238",
    "xintai_water",
    "dlt645_2007",
    "cjt188_water",
    "chint_ddsu666",
    "chint_dtsu666",
    "chint_dtsu666h",
    "eastron_sdm72",
    "eastron_sdm72v2",
    "eastron_sdm230",
    "carlo_gavazzi_em111",
    "abb_b21",
    "abb_b23",
)
