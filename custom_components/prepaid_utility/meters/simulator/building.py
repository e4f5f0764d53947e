"""A whole simulated building: buses of meters, served on sockets or ptys, one clock.

In-process use (tests, a config-flow "simulated building")::

    building = Building.preset("building40", clock=SimClock(manual=True))
    await building.start(host="127.0.0.1", port=0)       # port 0: pick a free one
    port = building.endpoints[0].port
    building.clock.advance(3600)                        # one simulated hour later
    building.device(0, 5).faults.no_reply = True        # meter 5 on bus 0 goes silent
    await building.stop()
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .clock import SimClock
from .devices import SimDevice
from .kinds import make_device
from .server import BusServer, SimBus, WireModel

#: Presets: list of buses; each bus a list of (profile key, first unit, last unit).
PRESETS: dict[str, list[list[tuple[str, int, int]]]] = {
    # 40 meters on one gateway: flats, two three-phase shops, common areas, a pump, water.
    "building40": [
        [
            ("acrel_ddsy1352", 1, 24),
            ("acrel_dtsy1352", 25, 26),
            ("eastron_sdm630", 27, 27),
            ("eastron_sdm120", 28, 29),
            ("hiking_dds238", 30, 32),
            ("xintai_water", 33, 40),
        ]
    ],
    "acrel100": [[("acrel_ddsy1352", 1, 100)]],
    # The soak's gateway: 50 meters of every kind, a quarter of them water.
    "soak50": [
        [
            ("acrel_ddsy1352", 1, 28),
            ("acrel_dtsy1352", 29, 30),
            ("eastron_sdm120", 31, 34),
            ("hiking_dds238", 35, 38),
            ("xintai_water", 39, 50),
        ]
    ],
    # One of every DIN-rail meter added with issue 20, at units 1-9.
    "dinrail": [
        [
            ("chint_ddsu666", 1, 1),
            ("chint_dtsu666", 2, 2),
            ("chint_dtsu666h", 3, 3),
            ("eastron_sdm72", 4, 4),
            ("eastron_sdm72v2", 5, 5),
            ("eastron_sdm230", 6, 6),
            ("carlo_gavazzi_em111", 7, 7),
            ("abb_b21", 8, 8),
            ("abb_b23", 9, 9),
        ]
    ],
    # DL/T 645-2007 meters (addresses 000000000001..40) on one bus: the poll benchmark's.
    "dlt645_40": [[("dlt645_2007", 1, 40)]],
    # A DL/T 645 bus of 12 flats and a CJ/T 188 bus of 12 water meters (addresses 1-12).
    "china24": [[("dlt645_2007", 1, 12)], [("cjt188_water", 1, 12)]],
    "mixed": [
        [
            ("acrel_ddsy1352", 1, 1),
            ("acrel_dtsy1352", 2, 2),
            ("eastron_sdm120", 3, 3),
            ("eastron_sdm630", 4, 4),
            ("hiking_dds238", 5, 5),
            ("xintai_water", 6, 6),
            ("acrel_legacy", 7, 7),
        ]
    ],
}


def parse_layout(text: str) -> list[tuple[str, int, int]]:
    """Parse ``kind:first-last,kind:unit`` into a bus layout."""
    layout: list[tuple[str, int, int]] = []
    for part in text.split(","):
        kind, _, units = part.strip().partition(":")
        first, _, last = units.partition("-")
        layout.append((kind, int(first), int(last or first)))
    return layout


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a bus is served: ``kind`` tcp / rtu_over_tcp (host, port) or serial (path)."""

    kind: str
    host: str = ""
    port: int = 0
    path: str = ""


class Building:
    """Buses of simulated meters sharing one clock."""

    def __init__(self, clock: SimClock | None = None) -> None:
        """Create an empty building."""
        self.clock = clock or SimClock()
        self.buses: list[SimBus] = []
        self.servers: list[BusServer] = []
        self.endpoints: list[Endpoint] = []

    @classmethod
    def from_layouts(
        cls,
        layouts: list[list[tuple[str, int, int]]],
        *,
        clock: SimClock | None = None,
        seed: int = 0,
        meter_side: bool = False,
        wire: WireModel | None = None,
        gateway: bool = False,
    ) -> Building:
        """Build one bus per layout."""
        building = cls(clock)
        for index, layout in enumerate(layouts):
            bus = SimBus(name=f"bus{index}", wire=wire, gateway=gateway)
            for kind, first, last in layout:
                for unit in range(first, last + 1):
                    bus.add(
                        make_device(
                            kind, unit, building.clock, seed=seed + index, meter_side=meter_side
                        )
                    )
            building.buses.append(bus)
        return building

    @classmethod
    def preset(cls, name: str, **kwargs: object) -> Building:
        """Build a named preset (see ``PRESETS``)."""
        return cls.from_layouts(PRESETS[name], **kwargs)  # type: ignore[arg-type]

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Return every meter's state keyed ``"bus:unit"`` (plain JSON types)."""
        return {
            f"{index}:{unit}": device.state()
            for index, bus in enumerate(self.buses)
            for unit, device in bus.devices.items()
        }

    def restore(self, snapshot: dict[str, dict[str, Any]]) -> int:
        """Continue from a snapshot; meters not in it keep their fresh state. Returns matches."""
        restored = 0
        for index, bus in enumerate(self.buses):
            for unit, device in bus.devices.items():
                saved = snapshot.get(f"{index}:{unit}")
                if saved is not None:
                    device.load_state(saved)
                    restored += 1
        return restored

    def device(self, bus: int, unit: int) -> SimDevice:
        """Return the simulated meter at ``unit`` on bus ``bus``."""
        return self.buses[bus].devices[unit]

    async def start(
        self, *, kind: str = "tcp", host: str = "127.0.0.1", port: int = 0
    ) -> list[Endpoint]:
        """Serve every bus: ``kind`` tcp, rtu_over_tcp (consecutive ports) or serial (ptys)."""
        for index, bus in enumerate(self.buses):
            framing = bus.protocol
            if framing == "modbus":
                framing = "tcp" if kind == "tcp" else "rtu"
            server = BusServer(bus, framing=framing)
            if kind == "serial":
                path = await server.start_pty()
                endpoint = Endpoint(kind, path=path)
            else:
                bound = await server.start_tcp(host, port + index if port else 0)
                endpoint = Endpoint(kind, host=host, port=bound)
            self.servers.append(server)
            self.endpoints.append(endpoint)
        return self.endpoints

    async def stop(self) -> None:
        """Stop every server."""
        for server in self.servers:
            await server.stop()
        self.servers.clear()
        self.endpoints.clear()
