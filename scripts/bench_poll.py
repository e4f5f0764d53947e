"""Poll benchmark (scripts/bench poll): our bus poller against the physics and against HA core.

Prints name=value lines:
 (a) 100 Acrel meters on one RS485 bus at 9600 baud (emulated wire time, 10 ms meter latency,
     reached through an RTU-over-TCP gateway): one full pass vs the physical floor computed
     from frame sizes (poll_floor_ratio), with no extra gap (the gateway keeps the 3.5-char
     silences, which the floor already counts) and with our 30 ms RTU default gap.
 (b) 1,000 meters on 10 such gateways polled in parallel: pass wall time and client CPU time
     per meter read (the simulator runs in another process, so its CPU is not counted).
 (c) the same 100 meters read the way HA core's modbus integration is configured for them,
     one entity per register value: the equivalent YAML is generated, its transactions are
     counted, and core's own ModbusHub (homeassistant.components.modbus.modbus) runs one
     pass against the same simulated bus. core_modbus_transaction_ratio = core / ours.
 (d) 40 DL/T 645-2007 meters on one bus at 2400 baud 8E1 (11 bits a character, 20 ms meter
     latency, reached through a transparent gateway): one full pass vs the floor computed from
     the frame sizes, wake-up bytes included (dlt645_poll_floor_ratio). By default a gateway
     reads the energy block, the status word and power (three exchanges a meter; voltage and
     current only once their sensors are enabled); ``_all_values`` reads all five.
     ``scripts/bench poll dlt645`` runs only this part.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from custom_components.prepaid_utility.meters import dlt645  # noqa: E402
from custom_components.prepaid_utility.meters.frame_meters import (  # noqa: E402
    Dlt645Meter,
    dlt645_frame_hub,
)
from custom_components.prepaid_utility.meters.hub import (  # noqa: E402
    BusConfig,
    BusKind,
    BusProtocol,
    ModbusHub,
)
from custom_components.prepaid_utility.meters.modbus_meter import ModbusMeter  # noqa: E402
from custom_components.prepaid_utility.meters.profiles import DDSY1352  # noqa: E402
from custom_components.prepaid_utility.meters.reading import MeterReading  # noqa: E402
from custom_components.prepaid_utility.meters.simulator.server import WireModel  # noqa: E402

BAUD = 9600
LATENCY_MS = 10.0
METERS = 100
GATEWAYS = 10


def out(**figures: object) -> None:
    for name, value in figures.items():
        print(f"{name}={value}", flush=True)


class Simulator:
    """The simulated building in a child process, so its CPU time is not ours."""

    def __init__(self, *args: str) -> None:
        self.dir = tempfile.TemporaryDirectory()
        ready = Path(self.dir.name) / "ready.json"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "custom_components.prepaid_utility.meters.simulator",
                "--ready-file",
                str(ready),
                *args,
            ],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not ready.exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("simulator did not start")
            time.sleep(0.05)
        time.sleep(0.05)
        self.endpoints: list[dict[str, Any]] = json.loads(ready.read_text())

    def close(self) -> None:
        self.proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        self.dir.cleanup()


def hub_for(endpoint: dict[str, Any], gap: float | None) -> ModbusHub:
    return ModbusHub(
        BusConfig(
            BusKind.RTU_OVER_TCP,
            host=endpoint["host"],
            port=endpoint["port"],
            timeout=1.0,
            inter_frame_gap=gap,
        )
    )


async def one_pass(meters: list[ModbusMeter]) -> tuple[float, int]:
    start = time.monotonic()
    ok = 0
    for meter in meters:
        with contextlib.suppress(Exception):
            ok += isinstance(await meter.read(), MeterReading)
    return time.monotonic() - start, ok


async def bench_single_bus(endpoint: dict[str, Any]) -> float:
    wire = WireModel(BAUD, LATENCY_MS / 1000)
    per_meter_floor = wire.transaction_s(8, 5 + 2 * 48)
    floor = METERS * per_meter_floor
    results: dict[str, float] = {}
    for label, gap in (("", 0.0), ("_gap30ms", None)):
        hub = hub_for(endpoint, gap)
        meters = [ModbusMeter(hub, DDSY1352, unit) for unit in range(1, METERS + 1)]
        await meters[0].read()  # connect outside the timed pass
        elapsed, ok = await one_pass(meters)
        results[label] = elapsed
        out(
            **{
                f"poll_pass_s{label}": f"{elapsed:.2f}",
                f"poll_reads_ok{label}": ok,
                f"poll_transactions_per_pass{label}": METERS,
                f"poll_floor_ratio{label}": f"{elapsed / floor:.3f}",
            }
        )
        await hub.close()
    out(
        poll_meters=METERS,
        poll_baud=BAUD,
        poll_meter_latency_ms=LATENCY_MS,
        poll_frame_bytes=f"{8}+{5 + 96}",
        poll_floor_s=f"{floor:.2f}",
        poll_floor_per_meter_ms=f"{per_meter_floor * 1000:.1f}",
    )
    return results[""]


async def bench_fleet(endpoints: list[dict[str, Any]]) -> None:
    hubs = [hub_for(endpoint, 0.0) for endpoint in endpoints]
    fleets = [[ModbusMeter(hub, DDSY1352, unit) for unit in range(1, METERS + 1)] for hub in hubs]
    await asyncio.gather(*(fleet[0].read() for fleet in fleets))
    cpu0, wall0 = time.process_time(), time.monotonic()
    results = await asyncio.gather(*(one_pass(fleet) for fleet in fleets))
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    reads = sum(ok for _, ok in results)
    out(
        fleet_meters=len(endpoints) * METERS,
        fleet_gateways=len(endpoints),
        fleet_reads_ok=reads,
        fleet_pass_s=f"{wall:.2f}",
        fleet_cpu_ms_per_read=f"{cpu / max(reads, 1) * 1000:.3f}",
        fleet_reads_per_s=f"{reads / wall:.0f}",
    )
    for hub in hubs:
        await hub.close()


# One HA core modbus entity per value our single read decodes (Acrel live block).
CORE_SENSORS: list[tuple[str, int, str]] = [
    ("voltage", 0x0201, "uint16"),
    ("current", 0x0204, "uint16"),
    ("power", 0x020A, "int16"),
    ("power_factor", 0x0212, "int16"),
    ("energy_total", 0x0215, "uint32"),
    ("energy_sharp", 0x0217, "uint32"),
    ("energy_peak", 0x0219, "uint32"),
    ("energy_flat", 0x021B, "uint32"),
    ("energy_valley", 0x021D, "uint32"),
    ("balance", 0x021F, "uint32"),
    ("purchase_count", 0x0221, "uint16"),
    ("status", 0x0224, "uint16"),
]


def core_yaml(host: str, port: int) -> tuple[str, list[tuple[int, int, int]]]:
    """Return the equivalent core YAML and the (unit, address, count) reads one pass makes."""
    lines = [
        "modbus:",
        "  - name: building",
        "    type: rtuovertcp",
        f"    host: {host}",
        f"    port: {port}",
        "    sensors:",
    ]
    reads: list[tuple[int, int, int]] = []
    switches = ["    switches:"]
    for unit in range(1, METERS + 1):
        for name, address, dtype in CORE_SENSORS:
            lines += [
                f"      - name: meter_{unit}_{name}",
                f"        slave: {unit}",
                f"        address: {address}",
                f"        data_type: {dtype}",
                "        input_type: holding",
            ]
            reads.append((unit, address, 2 if dtype.endswith("32") else 1))
        # The relay: write 0x0057, and core's verify reads the status register every poll.
        switches += [
            f"      - name: meter_{unit}_relay",
            f"        slave: {unit}",
            "        address: 87",
            "        write_type: holdings",
            "        command_on: [1, 0]",
            "        command_off: [1, 1]",
            "        verify:",
            "          address: 548",
            "          state_on: 8192",
            "          state_off: 0",
        ]
        reads.append((unit, 0x0224, 1))
    return "\n".join(lines + switches) + "\n", reads


class _HassStub:
    """The one Home Assistant method core's ModbusHub needs outside of an HA instance."""

    def async_create_background_task(
        self, target: Any, name: str, eager_start: bool = True
    ) -> asyncio.Task[Any]:
        _ = eager_start
        return asyncio.create_task(target, name=name)


async def bench_core(endpoint: dict[str, Any], ours_s: float) -> None:
    from homeassistant.components.modbus.const import (  # noqa: PLC0415
        CALL_TYPE_REGISTER_HOLDING,
        RTUOVERTCP,
    )
    from homeassistant.components.modbus.modbus import ModbusHub as CoreHub  # noqa: PLC0415
    from homeassistant.const import (  # noqa: PLC0415
        CONF_DELAY,
        CONF_HOST,
        CONF_NAME,
        CONF_PORT,
        CONF_TIMEOUT,
        CONF_TYPE,
    )

    yaml_text, reads = core_yaml(endpoint["host"], endpoint["port"])
    yaml_path = Path(tempfile.gettempdir()) / "prepaid_utility_core_modbus_equivalent.yaml"
    yaml_path.write_text(yaml_text)
    hub = CoreHub(
        _HassStub(),  # type: ignore[arg-type]
        {
            CONF_NAME: "core",
            CONF_TYPE: RTUOVERTCP,
            CONF_HOST: endpoint["host"],
            CONF_PORT: endpoint["port"],
            CONF_TIMEOUT: 3,
            CONF_DELAY: 0,
        },
    )
    await hub.async_setup()
    await asyncio.wait_for(hub.event_connected.wait(), 10)
    start = time.monotonic()
    ok = 0
    for unit, address, count in reads:
        ok += await hub.async_pb_call(unit, address, count, CALL_TYPE_REGISTER_HOLDING) is not None
    elapsed = time.monotonic() - start
    await hub.async_close()
    out(
        core_modbus_yaml=yaml_path,
        core_modbus_entities_per_meter=len(CORE_SENSORS) + 1,
        core_modbus_transactions_per_pass=len(reads),
        core_modbus_reads_ok=ok,
        ours_transactions_per_pass=METERS,
        core_modbus_transaction_ratio=f"{len(reads) / METERS:.1f}",
        core_modbus_pass_s=f"{elapsed:.2f}",
        ours_pass_s=f"{ours_s:.2f}",
        core_modbus_pass_ratio=f"{elapsed / ours_s:.2f}",
        # On a local serial port core adds its 30 ms message wait to every transaction.
        core_modbus_pass_s_serial_est=f"{elapsed + len(reads) * 0.030:.2f}",
    )


DLT645_BAUD = 2400
DLT645_METERS = 40
DLT645_LATENCY_MS = 20.0


DLT645_VALUE_BYTES = {  # value bytes of each answer (after the 4-byte DI)
    dlt645.DI_ENERGY_BLOCK: 20,
    dlt645.DI_STATUS_3: 2,
    dlt645.DI_VOLTAGE_A: 2,
    dlt645.DI_CURRENT_A: 3,
    dlt645.DI_POWER_TOTAL: 3,
}
# What a gateway reads by default (voltage and current sensors are disabled until enabled),
# and everything.
DLT645_READS = {
    "": (dlt645.DI_POWER_TOTAL,),
    "_all_values": (dlt645.DI_VOLTAGE_A, dlt645.DI_CURRENT_A, dlt645.DI_POWER_TOTAL),
}


def dlt645_floor_per_meter(wire: WireModel, instant: tuple[int, ...]) -> tuple[float, int]:
    """Return the wire floor of one meter's read and its byte count, from the real frames."""
    address = dlt645.address_bytes(1)
    floor, total_bytes = 0.0, 0
    for di in (dlt645.DI_ENERGY_BLOCK, dlt645.DI_STATUS_3, *instant):
        request = len(dlt645.read_request(address, di))
        reply = len(dlt645.encode(address, 0x91, bytes(4 + DLT645_VALUE_BYTES[di])))
        floor += wire.transaction_s(request, reply)
        total_bytes += request + reply
    return floor, total_bytes


async def bench_dlt645(endpoint: dict[str, Any]) -> None:
    wire = WireModel(DLT645_BAUD, DLT645_LATENCY_MS / 1000, bits_per_char=11, idle_chars=0)
    runs = [(reads, "", 0.0) for reads in DLT645_READS] + [("", "_gap20ms", None)]
    for reads, gap_label, gap in runs:
        instant = DLT645_READS[reads]
        per_meter, frame_bytes = dlt645_floor_per_meter(wire, instant)
        floor = DLT645_METERS * per_meter
        label = f"{reads}{gap_label}"
        hub = dlt645_frame_hub(
            BusConfig(
                BusKind.RTU_OVER_TCP,
                host=endpoint["host"],
                port=endpoint["port"],
                protocol=BusProtocol.DLT645,
                timeout=2.0,
                inter_frame_gap=gap,
            )
        )
        meters = [Dlt645Meter(hub, unit, instant=instant) for unit in range(1, DLT645_METERS + 1)]
        await meters[0].read()  # connect outside the timed pass
        start = time.monotonic()
        ok = 0
        for meter in meters:
            with contextlib.suppress(Exception):
                ok += isinstance(await meter.read(), MeterReading)
        elapsed = time.monotonic() - start
        out(
            **{
                f"dlt645_poll_pass_s{label}": f"{elapsed:.2f}",
                f"dlt645_poll_reads_ok{label}": ok,
                f"dlt645_poll_floor_ratio{label}": f"{elapsed / floor:.3f}",
                f"dlt645_poll_exchanges_per_meter{label}": 2 + len(instant),
                f"dlt645_poll_bytes_per_meter{label}": frame_bytes,
                f"dlt645_poll_floor_s{label}": f"{floor:.2f}",
            }
        )
        await hub.close()
    out(
        dlt645_poll_meters=DLT645_METERS,
        dlt645_poll_baud=f"{DLT645_BAUD}_8E1",
        dlt645_poll_meter_latency_ms=DLT645_LATENCY_MS,
    )


async def run_dlt645() -> None:
    sim = Simulator(
        "--preset",
        "dlt645_40",
        "--rtu-over-tcp",
        "127.0.0.1:0",
        "--wire",
        "--baud",
        str(DLT645_BAUD),
        "--parity",
        "E",
        "--latency-ms",
        str(DLT645_LATENCY_MS),
    )
    try:
        await bench_dlt645(sim.endpoints[0])
    finally:
        sim.close()


async def main() -> None:
    started = time.monotonic()
    if sys.argv[1:] == ["dlt645"]:
        await run_dlt645()
        out(bench_total_s=f"{time.monotonic() - started:.1f}")
        return
    wire = ["--wire", "--baud", str(BAUD), "--latency-ms", str(LATENCY_MS)]
    single = Simulator("--preset", "acrel100", "--rtu-over-tcp", "127.0.0.1:0", *wire)
    try:
        ours = await bench_single_bus(single.endpoints[0])
        await bench_core(single.endpoints[0], ours)
    finally:
        single.close()
    fleet = Simulator(
        "--preset", "acrel100", "--gateways", str(GATEWAYS), "--rtu-over-tcp", "127.0.0.1:0", *wire
    )
    try:
        await bench_fleet(fleet.endpoints)
    finally:
        fleet.close()
    await run_dlt645()
    out(bench_total_s=f"{time.monotonic() - started:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
