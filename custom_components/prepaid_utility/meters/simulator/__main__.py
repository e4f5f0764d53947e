"""Command line: serve a simulated building until interrupted (``scripts/simulate --help``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import signal
import stat
import sys
from pathlib import Path

from .building import PRESETS, Building, parse_layout
from .clock import SimClock
from .kinds import SIMULATED_KINDS
from .server import WireModel

FRAME_KINDS = ("dlt645_2007", "cjt188_water")

EPILOG = f"""\
presets:
  building40   40 meters on one gateway: units 1-24 Acrel DDSY1352 (flats), 25-26 DTSY1352
               (shops), 27 Eastron SDM630, 28-29 SDM120 (common areas), 30-32 Hiking DDS238,
               33-40 valve water meters (Xintai map)
  acrel100     100 Acrel DDSY1352 at units 1-100 (the benchmark bus)
  mixed        one meter of every kind at units 1-7 (unit 7: Acrel without the 0x0200 block)
  dinrail      one of each DIN-rail map at units 1-9: CHINT DDSU666, DTSU666, DTSU666-H,
               Eastron SDM72 (v1), SDM72 V2, SDM230, Carlo Gavazzi EM111/ET112, ABB B21, B23
  dlt645_40    40 DL/T 645-2007 meters, addresses 000000000001-40 (the benchmark bus)
  china24      bus0: 12 DL/T 645 meters (addresses 1-12); bus1: 12 CJ/T 188 water meters
               (14-digit addresses 1-12). DL/T 645 / CJ/T 188 buses carry their own frames
               as they are on --tcp and --rtu-over-tcp (a transparent gateway) and --serial

meter kinds for --meters: {", ".join(SIMULATED_KINDS)}

commands on stdin while it runs (one per line):
  advance SECONDS                  move the building's clock forward
  fault BUS UNIT no_reply on|off   a dead meter; also split, ignore_supply, bypass
  fault BUS UNIT exception CODE    answer every request with CODE (6 busy, 11 gateway); 0 clears
  fault BUS UNIT slow SECONDS      slow replies
  fault BUS UNIT corrupt N         corrupt the next N replies
  fault BUS UNIT drop N            no reply to the next N requests
  fault BUS UNIT answer_twice on   (DL/T 645, CJ/T 188) every reply sent twice
  fault BUS UNIT foreign N         the next N replies come from another address
  fault BUS UNIT truncate N        the next N replies stop half-way
  counter BUS UNIT reset|rollover|jump KWH|replace KWH
  restart BUS [SECONDS]            gateway reboot: drop connections, down for SECONDS
  status                           print every meter's counter and supply state

examples:
  scripts/simulate --preset building40 --tcp 127.0.0.1:5020
  scripts/simulate --meters acrel_ddsy1352:1-10,xintai_water:11-12 --rtu-over-tcp 127.0.0.1:5021
  scripts/simulate --preset acrel100 --serial --wire --baud 9600
  scripts/simulate --preset acrel100 --gateways 10 --tcp 127.0.0.1:5100 --speed 60
  scripts/simulate --preset dlt645_40 --serial --wire --baud 2400 --parity E --latency-ms 20
"""


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="scripts/simulate",
        description=(
            "Serve a simulated building of Modbus, DL/T 645-2007 and CJ/T 188 meters (prepaid "
            "electricity and water) whose "
            "counters advance with realistic day/night loads. Relays and valves really stop "
            "consumption; faults can be injected while it runs."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--preset", choices=sorted(PRESETS), default="building40")
    what.add_argument("--meters", metavar="LAYOUT", help="e.g. acrel_ddsy1352:1-30,xintai_water:31")
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--tcp", metavar="HOST:PORT", help="Modbus TCP (default 127.0.0.1:5020)")
    how.add_argument("--rtu-over-tcp", metavar="HOST:PORT", help="RTU frames over TCP")
    how.add_argument("--serial", action="store_true", help="RTU on a pty (its path is printed)")
    parser.add_argument("--gateways", type=int, default=1, help="repeat each bus N times")
    parser.add_argument("--wire", action="store_true", help="emulate serial wire time")
    parser.add_argument("--baud", type=int, default=9600, help="baud rate for --wire")
    parser.add_argument(
        "--parity", choices=("N", "E", "O"), default="N", help="parity for --wire (8E1: 11 bits)"
    )
    parser.add_argument("--latency-ms", type=float, default=10.0, help="meter reply latency")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    parser.add_argument("--meter-side", action="store_true", help="Acrel meters bill themselves")
    parser.add_argument("--gateway-errors", action="store_true", help="0x0B for absent units")
    parser.add_argument("--seed", type=int, default=0, help="load-model seed")
    parser.add_argument("--ready-file", type=Path, help="write the endpoints as JSON when ready")
    parser.add_argument("--duration", type=float, help="stop after this many seconds")
    return parser


def _ranges(units: list[int]) -> str:
    parts: list[str] = []
    start = prev = units[0]
    for unit in [*units[1:], -1]:
        if unit != prev + 1:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            start = unit
        prev = unit
    return ",".join(parts)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


async def _command(building: Building, line: str) -> str:
    words = line.split()
    if not words:
        return ""
    match words:
        case ["advance", seconds]:
            building.clock.advance(float(seconds))
            return f"now {building.clock.now().isoformat()}"
        case ["status"]:
            rows = []
            for index, bus in enumerate(building.buses):
                for unit, device in sorted(bus.devices.items()):
                    supply = "on" if device.supply_on else "off"
                    rows.append(
                        f"bus{index} #{unit:<3} {device.profile_key:<15} {device.total} {supply}"
                    )
            return "\n".join(rows)
        case ["restart", bus, *rest]:
            await building.servers[int(bus)].restart(float(rest[0]) if rest else 2.0)
            return "restarted"
        case ["fault", bus, unit, name, value]:
            faults = building.device(int(bus), int(unit)).faults
            flag = value in ("on", "1", "true")
            if name in ("no_reply", "split", "ignore_supply", "bypass", "answer_twice"):
                setattr(faults, name, flag)
            elif name in ("foreign", "truncate"):
                setattr(faults, f"{name}_next", int(value))
            elif name == "exception":
                faults.exception_always = int(value, 0) or None
            elif name == "slow":
                faults.slow_s = float(value)
            elif name == "corrupt":
                faults.corrupt_next = int(value)
            elif name == "drop":
                faults.drop_next = int(value)
            else:
                return f"unknown fault {name}"
            return "ok"
        case ["counter", bus, unit, action, *rest]:
            device = building.device(int(bus), int(unit))
            if action == "reset":
                device.reset_counter()
            elif action == "rollover":
                device.near_rollover()
            elif action == "jump":
                device.garbage_jump(float(rest[0]))
            elif action == "replace":
                device.replace_meter(float(rest[0]))
            else:
                return f"unknown counter action {action}"
            return f"counter {device.total}"
    return f"unknown command: {line.strip()}"


async def _read_commands(building: Building) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    mode = os.fstat(sys.stdin.fileno()).st_mode
    if not (sys.stdin.isatty() or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return  # /dev/null or a file: nothing to listen to
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    except OSError, ValueError:
        return  # no usable stdin (a pipe closed, a daemon): serve without commands
    while line := await reader.readline():
        try:
            answer = await _command(building, line.decode())
        except (ValueError, IndexError, KeyError) as err:
            answer = f"error: {err}"
        if answer:
            _say(answer)


async def run(args: argparse.Namespace) -> None:
    """Build, serve, and wait for Ctrl-C / SIGTERM / --duration."""
    layouts = [parse_layout(args.meters)] if args.meters else PRESETS[args.preset]
    wire = None
    if args.wire:
        # Modbus RTU keeps two 3.5-character silences per exchange; DL/T 645 and CJ/T 188
        # frames need none (their wake-up bytes are counted as sent).
        framed = any(kind in FRAME_KINDS for layout in layouts for kind, _, _ in layout)
        wire = WireModel(
            args.baud,
            args.latency_ms / 1000.0,
            bits_per_char=10 if args.parity == "N" else 11,
            idle_chars=0 if framed else 7,
        )
    building = Building.from_layouts(
        layouts * args.gateways,
        clock=SimClock(speed=args.speed),
        seed=args.seed,
        meter_side=args.meter_side,
        wire=wire,
        gateway=args.gateway_errors,
    )
    if args.serial:
        kind, host, port = "serial", "", 0
    elif args.rtu_over_tcp:
        kind, (host, port) = "rtu_over_tcp", _host_port(args.rtu_over_tcp)
    else:
        kind, (host, port) = "tcp", _host_port(args.tcp or "127.0.0.1:5020")
    endpoints = await building.start(kind=kind, host=host, port=port)
    for index, (endpoint, bus) in enumerate(zip(endpoints, building.buses, strict=True)):
        where = endpoint.path or f"{endpoint.host}:{endpoint.port}"
        kinds: dict[str, list[int]] = {}
        for unit, device in sorted(bus.devices.items()):
            kinds.setdefault(device.profile_key, []).append(unit)
        summary = ", ".join(f"{k} x{len(u)} (units {_ranges(u)})" for k, u in kinds.items())
        _say(f"bus{index} {kind} {bus.protocol} {where}: {summary}")
    if args.ready_file:
        args.ready_file.write_text(json.dumps([dataclasses.asdict(e) for e in endpoints]))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    commands = asyncio.create_task(_read_commands(building))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), args.duration)
    commands.cancel()
    await building.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m ...meters.simulator``."""
    asyncio.run(run(build_parser().parse_args(argv)))


if __name__ == "__main__":
    main()
