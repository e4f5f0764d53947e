"""What a full pass of Python's garbage collector costs, for the process and for the building.

The collector pauses the whole process for as long as it takes to walk every tracked object, so
its pauses belong to the process, not to one integration. The test harness freezes everything
alive before each test module (``gc.freeze()``), so the pauses a soak observes only walk what was
created since: the building. The reference is the same walk over the whole process as Home
Assistant runs it at home (nothing frozen), measured in the same run before the building exists.
"""

from __future__ import annotations

import gc
import time


def _timed_full_collection_ms() -> float:
    gc.collect()  # garbage first: what is timed is the walk over live objects
    started = time.perf_counter()
    gc.collect()
    return (time.perf_counter() - started) * 1000


def process_full_collection() -> tuple[float, int]:
    """Return (ms, tracked objects) of a full collection of the whole process, then refreeze.

    Everything stays as frozen as the harness left it, so later figures still cover only what
    is created afterwards.
    """
    gc.unfreeze()
    try:
        return _timed_full_collection_ms(), len(gc.get_objects())
    finally:
        gc.freeze()


def unfrozen_full_collection() -> tuple[float, int]:
    """Return (ms, tracked objects) of a full collection of what was created since the freeze."""
    return _timed_full_collection_ms(), len(gc.get_objects())


def printed(
    process: tuple[float, int], building: tuple[float, int], entities: int
) -> dict[str, str]:
    """Return the ``name=value`` figures of both full collections, as the soak and bench print."""
    return {
        "gc_full_process_before_ms": f"{process[0]:.1f}",
        "gc_tracked_process_before": str(process[1]),
        "gc_full_building_ms": f"{building[0]:.1f}",
        "gc_tracked_building": str(building[1]),
        "entities": str(entities),
        "gc_tracked_per_entity": f"{building[1] / max(entities, 1):.0f}",
    }


def tracked_by_type(entities: int, top: int = 14) -> str:
    """Return the most numerous tracked types since the freeze, per entity (where they come from).

    A full pass costs time per tracked object, so this says whose objects the pause walks:
    Home Assistant's (State, ReadOnlyDict, Context, ...) or the integration's.
    """
    counts: dict[str, int] = {}
    for obj in gc.get_objects():
        kind = type(obj)
        name = f"{kind.__module__}.{kind.__qualname__}".removeprefix("builtins.")
        counts[name] = counts.get(name, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])[:top]
    return ",".join(f"{name}:{n / max(entities, 1):.1f}" for name, n in ranked)
