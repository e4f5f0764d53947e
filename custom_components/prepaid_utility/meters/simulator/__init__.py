"""A simulated building of Modbus meters, for tests, benchmarks, demos and a config flow.

Start it in-process with ``Building`` (see ``building.py``) or from a shell with
``scripts/simulate --help``.
"""

from .building import PRESETS, Building, Endpoint
from .clock import SimClock
from .devices import SimDevice
from .faults import Faults
from .kinds import make_device
from .server import BusServer, SimBus, WireModel

__all__ = [
    "PRESETS",
    "Building",
    "BusServer",
    "Endpoint",
    "Faults",
    "SimBus",
    "SimClock",
    "SimDevice",
    "WireModel",
    "make_device",
]
