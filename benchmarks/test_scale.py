"""How far one Home Assistant goes: 1,000 meters on 20 gateways, against the same HA idle.

The meters are served by the simulator in a process of its own (as real meters are other
machines), so the figures are Home Assistant's and the integration's alone. The baseline is the
very same Home Assistant before the integration is loaded: its memory and how late its event
loop wakes a 20 ms sleeper over the same span of time. Then 20 simulated
gateways of 50 meters (680 tenants) are added and polled cycle after cycle, all gateways at
once as their own timers would, with an hour of consumption between cycles. Printed as
``name=value`` lines: poll cycle wall time and CPU, event-loop lag p99 and max (with and without
the integration), memory, ledger growth per month.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import statistics
import time
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Context, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import async_get_platforms
from homeassistant.helpers.storage import Store
from pytest_homeassistant_custom_component.common import flush_store

from benchmarks.conftest import STORE_WRITE
from custom_components.prepaid_utility.const import DOMAIN
from custom_components.prepaid_utility.gateway.publishing import SlicedPublishCoordinator
from custom_components.prepaid_utility.money.ledger_runtime import LEDGER_FILE
from tests.soak.external import ExternalBuilding
from tests.soak.gc_figures import (
    printed,
    process_full_collection,
    tracked_by_owner,
    tracked_by_type,
    unfrozen_full_collection,
)
from tests.soak.harness import PRESET, Soak

pytestmark = pytest.mark.usefixtures("sockets")

GATEWAYS = int(os.environ.get("PREPAID_BENCH_GATEWAYS") or 20)
CYCLES = int(os.environ.get("PREPAID_BENCH_CYCLES") or 12)
FREEZE = os.environ.get("PREPAID_BENCH_GC_FREEZE") == "1"
SHARED_CONTEXT = os.environ.get("PREPAID_BENCH_SHARED_CONTEXT") == "1"


def _share_one_context_per_publish(
    hass: HomeAssistant, request: pytest.FixtureRequest, coordinators: list[Any]
) -> None:
    """An experiment: every state written by one publish carries the same Context.

    Home Assistant gives each state write without a context a new Context, and the event that
    announces the change becomes that Context's ``origin_event``: Event -> Context -> Event is a
    reference cycle, so every replaced State (with its Event, Context and dicts) is garbage only
    the cyclic collector can free, after it has aged into the old generation. With one Context
    per publish the state_changed events are freed by reference counting. Not shipped: the
    logbook would show every change of a poll as triggered by the first one.
    """
    entities: dict[int, list[Any]] = {id(c): [] for c in coordinators}
    for platform in async_get_platforms(hass, DOMAIN):
        for entity in platform.entities.values():
            coordinator = getattr(entity, "coordinator", None)
            if coordinator is not None and id(coordinator) in entities:
                entities[id(coordinator)].append(entity)
    publish = SlicedPublishCoordinator.async_update_listeners

    def shared(coordinator: SlicedPublishCoordinator[Any]) -> None:
        context = Context()
        for entity in entities.get(id(coordinator), ()):
            entity.async_set_context(context)
        publish(coordinator)

    patcher = patch.object(SlicedPublishCoordinator, "async_update_listeners", shared)
    patcher.start()
    request.addfinalizer(patcher.stop)


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Sleeper:
    """Samples how late the loop wakes a 20 ms sleeper (ms), and the loop thread's CPU.

    On a machine shared with other work the sleeper's lag also counts the time the loop thread
    waited for a core; the CPU each loop callback took on the loop thread does not, so both are
    printed: the lag is what a user feels, the callbacks' CPU is what this process put on it.
    """

    def __init__(self) -> None:
        self.late: list[float] = []
        self.late_outside_gc: list[float] = []  # samples with no collection in them
        self._gc_during = False
        self.callback_cpu_ms: list[float] = []  # callbacks over 1 ms of loop-thread CPU
        self._task: asyncio.Task[None] | None = None
        self.gc_max_ms, self._gc_started, self._gc_total_ms = 0.0, 0.0, 0.0
        self.full_collections = 0  # passes over the old generation (every tracked object)
        self.pause_max_ms, self.garbage = [0.0, 0.0, 0.0], [0, 0, 0]
        self._gc_cpu_started = 0.0
        self._handle_run = asyncio.events.Handle._run

    def _timed_handles(self) -> None:
        run, slow = self._handle_run, self.callback_cpu_ms

        def timed(handle: asyncio.events.Handle) -> None:
            # A collection runs inside whichever callback allocated last: counted apart.
            started, gc_before = time.thread_time(), self._gc_total_ms
            run(handle)
            spent = (time.thread_time() - started) * 1000 - (self._gc_total_ms - gc_before)
            if spent > 1:
                slow.append(spent)

        asyncio.events.Handle._run = timed  # type: ignore[method-assign]

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        """Time Python's garbage collections: pauses of the whole process, printed apart."""
        if phase == "start":
            self._gc_during = True
            self._gc_started, self._gc_cpu_started = time.perf_counter(), time.thread_time()
        else:
            pause_ms = (time.perf_counter() - self._gc_started) * 1000
            self.gc_max_ms = max(self.gc_max_ms, pause_ms)
            generation = info["generation"]
            self.pause_max_ms[generation] = max(self.pause_max_ms[generation], pause_ms)
            self.garbage[generation] += info["collected"]
            self.full_collections += generation == 2
            # CPU, not wall: subtracted from the CPU of the callback the collection ran in.
            self._gc_total_ms += (time.thread_time() - self._gc_cpu_started) * 1000

    async def _run(self) -> None:
        while True:
            before, self._gc_during = time.monotonic(), False
            await asyncio.sleep(0.02)
            late = (time.monotonic() - before - 0.02) * 1000
            self.late.append(late)
            if not self._gc_during:
                self.late_outside_gc.append(late)

    def start(self) -> None:
        self.late, self.gc_max_ms, self.callback_cpu_ms = [], 0.0, []
        self.full_collections = 0
        self.pause_max_ms, self.garbage = [0.0, 0.0, 0.0], [0, 0, 0]  # per generation
        self.late_outside_gc = []
        self._task = asyncio.get_running_loop().create_task(self._run())
        gc.callbacks.append(self._gc)
        self._timed_handles()

    def stop(self) -> None:
        asyncio.events.Handle._run = self._handle_run  # type: ignore[method-assign]
        if self._task is not None:
            self._task.cancel()
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)

    def p99(self, outside_gc: bool = False) -> float:
        late = self.late_outside_gc if outside_gc else self.late
        return statistics.quantiles(late, n=100)[98] if len(late) > 2 else 0.0

    def callbacks(self) -> dict[str, str]:
        """Return the longest loop callback's CPU and how many took over 20 ms (GC apart)."""
        slow = self.callback_cpu_ms
        return {
            "loop_callback_cpu_max_ms": f"{max(slow, default=0.0):.1f}",
            "loop_callbacks_over_20ms_cpu": str(sum(1 for ms in slow if ms > 20)),
        }


def _census(hass: HomeAssistant) -> str:
    """Return the live states per kind (platform.translation_key), the most numerous first."""
    registry = er.async_get(hass)
    kinds: dict[str, int] = {}
    for state in hass.states.async_all():
        entry = registry.async_get(state.entity_id)
        if entry is not None:
            kind = _kind(entry)
            kinds[kind] = kinds.get(kind, 0) + 1
    return ",".join(f"{k}:{n}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))


class StateChanges:
    """Counts the state writes that made a new State (HA drops a write that changes nothing).

    Each new State outlives the young generations (it stays until the next change), so these
    are what fills Python's old generation and brings on the full collections. Listening also
    stands in for the recorder a home runs: Home Assistant makes a state_changed Event (and its
    Context's reference cycle) only when something listens.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """Prepare the counts (nothing counted until ``start``)."""
        self.hass = hass
        self.by_entity: dict[str, int] = {}
        self.attributes_only = 0  # the state string stayed, an attribute or last_reset moved
        self._stop: Any = None

    @callback
    def _changed(self, event: Event[EventStateChangedData]) -> None:
        entity_id = event.data["entity_id"]
        self.by_entity[entity_id] = self.by_entity.get(entity_id, 0) + 1
        old, new = event.data["old_state"], event.data["new_state"]
        if old is not None and new is not None and old.state == new.state:
            self.attributes_only += 1

    def start(self) -> None:
        self._stop = self.hass.bus.async_listen(EVENT_STATE_CHANGED, self._changed)

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()

    def figures(self, cycles: int) -> dict[str, str]:
        """Return the new States per cycle, in all and per kind (the most numerous first)."""
        registry = er.async_get(self.hass)
        kinds: dict[str, int] = {}
        for entity_id, n in self.by_entity.items():
            entry = registry.async_get(entity_id)
            kind = entity_id if entry is None else _kind(entry)
            kinds[kind] = kinds.get(kind, 0) + n
        ranked = sorted(kinds.items(), key=lambda kv: -kv[1])
        return {
            "state_changes_per_cycle": f"{sum(kinds.values()) / cycles:.0f}",
            "state_changes_attributes_only_per_cycle": f"{self.attributes_only / cycles:.0f}",
            "state_changes_by_kind": ",".join(f"{k}:{n / cycles:.0f}" for k, n in ranked),
        }


def _kind(entry: er.RegistryEntry) -> str:
    return f"{entry.domain}.{entry.translation_key or entry.original_name}"


def _ledger_bytes(path: str) -> int:
    return sum(Path(p).stat().st_size for p in (path, f"{path}-wal") if Path(p).exists())


@pytest.mark.timeout(3600)
async def test_scale(
    hass: HomeAssistant,
    hass_client_no_auth: Any,
    hass_storage: dict[str, Any],
    request: pytest.FixtureRequest,
) -> None:
    asyncio.get_running_loop().set_debug(False)  # as in a home, not as in a test
    # The test harness keeps every stored file (registries of 15,000 entities) as Python objects
    # in memory; a home writes them to disk. Writes go to the config folder's .storage here.
    to_disk = patch.object(Store, "_async_write_data", STORE_WRITE)
    to_disk.start()
    request.addfinalizer(to_disk.stop)
    hass_storage.clear()
    for noisy in ("pymodbus", "sqlalchemy.engine", "homeassistant", "custom_components"):
        logger = logging.getLogger(noisy)
        request.addfinalizer(lambda logger=logger, level=logger.level: logger.setLevel(level))
        logger.setLevel(logging.WARNING)
    sleeper = Sleeper()
    # The meters are other machines: served from another process, as in a home, so the CPU,
    # loop and memory figures below are Home Assistant's and the integration's alone.
    building = ExternalBuilding(PRESET, GATEWAYS)
    await building.async_start()
    request.addfinalizer(lambda: hass.loop.run_until_complete(building.async_stop()))

    # Baseline: the same Home Assistant, no integration, for as long as the cycles will take.
    gc_process = process_full_collection()
    rss_idle = _rss_mb()
    sleeper.start()
    await asyncio.sleep(10)
    sleeper.stop()
    idle_p99, idle_max, idle_gc = sleeper.p99(), max(sleeper.late), sleeper.gc_max_ms

    started = time.monotonic()
    soak = Soak(hass, gateways=GATEWAYS, external=building)
    await soak.async_setup()
    setup_s = time.monotonic() - started
    # Home Assistant's first save of its registries after the gateways' entities were created
    # serialises every entry once, on the loop: a one-off of adding gateways (as in the soak),
    # done before the cycles are timed and printed on its own line.
    cpu0 = time.thread_time()
    for registry in (er.async_get(hass), dr.async_get(hass)):
        await flush_store(registry._store)  # the delayed save, now
    registry_first_save_ms = (time.thread_time() - cpu0) * 1000
    meters = len(list(soak.meter_ids()))
    await soak.poll()
    ledger_path = hass.config.path(LEDGER_FILE)
    ledger_before = _ledger_bytes(ledger_path)
    for room in soak.rooms:  # everybody has money: supply stays on, consumption goes on
        await soak.recharge_by_service(room, 500_00, replays=0)

    coordinators = [entry.runtime_data.coordinator for entry in soak.entries]
    if SHARED_CONTEXT:
        _share_one_context_per_publish(hass, request, coordinators)
    if FREEZE:
        # An experiment, not something the integration may do to a whole Home Assistant: what
        # the pauses would be if everything alive after start-up were out of the collector's
        # sight (gc.freeze()), so that a full pass walks only what changed since.
        gc.collect()
        gc.freeze()
    walls, cpus, loop_cpus = [], [], []
    changes = StateChanges(hass)
    changes.start()
    sleeper.start()
    for _ in range(CYCLES):
        await soak.advance(3600)
        wall0, cpu0, loop0 = time.monotonic(), time.process_time(), time.thread_time()
        await asyncio.gather(*(c.async_refresh() for c in coordinators))
        walls.append(time.monotonic() - wall0)
        cpus.append(time.process_time() - cpu0)
        loop_cpus.append(time.thread_time() - loop0)
        await hass.async_block_till_done()
    sleeper.stop()
    changes.stop()
    ledger_after = _ledger_bytes(ledger_path)
    gc_building = unfrozen_full_collection()
    rss_loaded = _rss_mb()  # before the censuses below, whose sets of ids take memory
    entities = len(hass.states.async_all())
    gc_types = tracked_by_type(entities)
    gc_owners = tracked_by_owner(hass, coordinators, entities)
    census = _census(hass)
    offline = sum(1 for m in soak.meter_ids() if not soak.online(m))

    # Cycles are an hour apart; the ledger grows per hour, not per poll (ledger/accrual.py).
    per_month = (ledger_after - ledger_before) / CYCLES * 24 * 30
    figures = {
        "gateways": GATEWAYS,
        "meters": meters,
        "accounts": len(soak.rooms),
        "cycles": CYCLES,
        "setup_s": f"{setup_s:.1f}",
        "poll_cycle_wall_ms_median": f"{statistics.median(walls) * 1000:.0f}",
        "poll_cycle_wall_ms_max": f"{max(walls) * 1000:.0f}",
        "poll_cycle_cpu_ms_median": f"{statistics.median(cpus) * 1000:.0f}",
        "cpu_ms_per_meter_read": f"{statistics.median(cpus) * 1000 / meters:.3f}",
        "loop_lag_p99_ms": f"{sleeper.p99():.1f}",
        "loop_lag_p99_outside_gc_ms": f"{sleeper.p99(outside_gc=True):.1f}",
        "poll_cycle_loop_cpu_ms_median": f"{statistics.median(loop_cpus) * 1000:.0f}",
        "loop_lag_max_ms": f"{max(sleeper.late):.1f}",
        **sleeper.callbacks(),
        "baseline_loop_lag_p99_ms": f"{idle_p99:.1f}",
        "baseline_loop_lag_max_ms": f"{idle_max:.1f}",
        "gc_pause_max_ms": f"{sleeper.gc_max_ms:.1f}",
        "baseline_gc_pause_max_ms": f"{idle_gc:.1f}",
        "gc_full_collections_in_cycles": str(sleeper.full_collections),
        # The longest pause of each generation, and what each freed (cyclic garbage): a
        # full pass in the cycles also frees what young passes left, so it outlasts the walk
        # over live objects timed after them (gc_full_building_ms).
        "gc_pause_max_ms_by_generation": "/".join(f"{ms:.0f}" for ms in sleeper.pause_max_ms),
        "gc_collected_by_generation": "/".join(str(n) for n in sleeper.garbage),
        **printed(gc_process, gc_building, entities),
        "gc_tracked_per_entity_by_type": gc_types,
        "gc_tracked_per_entity_by_owner": gc_owners,
        **changes.figures(CYCLES),
        "entities_per_meter": f"{entities / meters:.2f}",
        "states_by_kind": census,
        "registry_first_save_ms": f"{registry_first_save_ms:.0f}",
        "rss_baseline_mb": f"{rss_idle:.0f}",
        "rss_loaded_mb": f"{rss_loaded:.0f}",
        "rss_growth_mb": f"{rss_loaded - rss_idle:.0f}",
        "rss_per_meter_kb": f"{(rss_loaded - rss_idle) * 1024 / meters:.0f}",
        "ledger_mb_per_month": f"{per_month / 1e6:.1f}",
        "meters_offline_at_end": offline,
        "load_average": f"{os.getloadavg()[0]:.2f}",
        "gc_frozen_after_setup": str(FREEZE),
        "shared_context_per_publish": str(SHARED_CONTEXT),
    }
    print()
    for name, value in figures.items():
        print(f"{name}={value}")
    assert offline == 0
