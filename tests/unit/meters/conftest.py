"""Fixtures: a simulated building on 127.0.0.1 and hubs with small timeouts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from custom_components.prepaid_utility.meters.hub import BusConfig, BusKind, ModbusHub
from custom_components.prepaid_utility.meters.simulator.building import Building
from custom_components.prepaid_utility.meters.simulator.clock import SimClock

FAST = {"timeout": 0.15, "reconnect_min": 0.05, "reconnect_max": 0.4, "busy_backoff": 0.01}


def report(**figures: object) -> None:
    """Print the figures a test measured as name=value lines."""
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """Let these tests open sockets (phcc blocks them); connects stay limited to 127.0.0.1."""


@pytest.fixture
def clock() -> SimClock:
    return SimClock(manual=True)


@pytest.fixture
async def mixed(clock: SimClock) -> AsyncIterator[Building]:
    """One TCP gateway with one meter of every simulated kind at units 1..7."""
    building = Building.preset("mixed", clock=clock)
    await building.start(kind="tcp")
    yield building
    await building.stop()


@pytest.fixture
async def hub_factory() -> AsyncIterator[Callable[..., ModbusHub]]:
    hubs: list[ModbusHub] = []

    def make(building: Building, bus: int = 0, **overrides: object) -> ModbusHub:
        endpoint = building.endpoints[bus]
        options: dict[str, object] = {**FAST, **overrides}
        kind = BusKind(endpoint.kind)
        if kind is BusKind.SERIAL:
            config = BusConfig(kind, serial_port=endpoint.path, **options)  # type: ignore[arg-type]
        else:
            config = BusConfig(kind, host=endpoint.host, port=endpoint.port, **options)  # type: ignore[arg-type]
        hub = ModbusHub(config)
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        await hub.close()
