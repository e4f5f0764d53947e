"""Read many meters at once: one queue per bus (its lock), buses in parallel."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from .hub import guarded
from .reading import Meter, MeterError, MeterReading


async def read_all(meters: Iterable[Meter]) -> dict[str, MeterReading | MeterError]:
    """Read every meter; a failure is returned in place of its reading, never raised.

    Meters on one hub wait for its lock in turn (FIFO), so one pass costs one transaction per
    meter on each bus; different hubs (gateways, serial ports) run side by side.
    """
    meters = list(meters)
    results = await asyncio.gather(*(guarded(meter.read()) for meter in meters))
    return {meter.key: result for meter, result in zip(meters, results, strict=True)}
