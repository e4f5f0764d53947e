"""What a full pass of Python's garbage collector costs, for the process and for the building.

The collector pauses the whole process for as long as it takes to walk every tracked object, so
its pauses belong to the process, not to one integration. The test harness freezes everything
alive before each test module (``gc.freeze()``), so the pauses a soak observes only walk what was
created since: the building. The reference is the same walk over the whole process as Home
Assistant runs it at home (nothing frozen), measured in the same run before the building exists.
"""

from __future__ import annotations

import gc
import sys
import time
import types
from typing import Any


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


def tracked_by_owner(hass: Any, coordinators: list[Any], entities: int) -> str:
    """Return the tracked objects per entity by who holds them: Home Assistant's parts or ours.

    Each object counts for the first of these roots that reaches it (a walk over references
    that stops at modules, classes, ``hass``, entities, platforms and coordinators): the state
    machine, the entity and device registries (disabled entities included), the event bus and
    ``hass.data`` (where Home Assistant tracks registry updates for every entity), then our
    coordinators (readings, balances, ledger), then the entity objects with what Home Assistant's
    entity platform attaches to each (removal callbacks, listener handles).
    """
    from homeassistant.core import HomeAssistant  # noqa: PLC0415  # only when measuring
    from homeassistant.helpers import device_registry as dr  # noqa: PLC0415
    from homeassistant.helpers import entity_registry as er  # noqa: PLC0415
    from homeassistant.helpers.entity import Entity  # noqa: PLC0415
    from homeassistant.helpers.entity_platform import (  # noqa: PLC0415
        EntityPlatform,
        async_get_platforms,
    )
    from homeassistant.helpers.update_coordinator import (  # noqa: PLC0415
        DataUpdateCoordinator,
    )

    tracked = {id(o) for o in gc.get_objects()}
    module_dicts = {id(vars(m)) for m in list(sys.modules.values()) if m is not None}
    walls = (HomeAssistant, Entity, EntityPlatform, DataUpdateCoordinator, types.ModuleType, type)
    platforms = async_get_platforms(hass, "prepaid_utility")
    objects = [e for p in platforms for e in p.entities.values()]
    roots: list[tuple[str, list[Any]]] = [
        ("ha_states", [hass.states._states_data]),
        ("ha_entity_registry", [er.async_get(hass).entities]),
        ("ha_device_registry", [dr.async_get(hass).devices]),
        ("ha_event_tracking", [hass.bus._listeners, hass.data]),
        ("ours_coordinators", list(coordinators)),
        ("entities_and_platform", objects),
    ]
    seen: set[int] = set()
    counts: dict[str, int] = {}
    for name, starts in roots:
        counted = 0
        stack: list[tuple[Any, bool]] = [(start, True) for start in starts]
        while stack:
            obj, is_root = stack.pop()
            if id(obj) in seen or id(obj) in module_dicts:
                continue
            if not is_root and isinstance(obj, walls):
                continue
            seen.add(id(obj))
            counted += id(obj) in tracked
            stack.extend((ref, False) for ref in gc.get_referents(obj))
        counts[name] = counted
    counts["ours_entity_objects"] = 2 * len(objects)  # each instance and its __dict__
    counts["entities_and_platform"] -= counts["ours_entity_objects"]
    counts["other"] = len(tracked) - sum(counts.values())
    return ",".join(f"{name}:{n / max(entities, 1):.1f}" for name, n in counts.items())
