"""From a config entry's settings to a bus the device layer can open, and a way to test it.

Serial ports are offered by their ``/dev/serial/by-id`` name when one exists: ``ttyUSB0`` can
become ``ttyUSB1`` after a reboot or a replug, the by-id name stays (reliability row M9).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from serial.tools import list_ports

from ..const import (
    CONF_BAUDRATE,
    CONF_FRAME_GAP_MS,
    CONF_GATEWAY_TYPE,
    CONF_PARITY,
    CONF_PROTOCOL,
    CONF_RETRIES,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    CONF_TIMEOUT,
    DEFAULT_BAUDRATE,
    DEFAULT_FRAME_GAP_MS,
    DEFAULT_FRAME_GAP_MS_OVER_TCP,
    DEFAULT_PARITY,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT_S,
    GatewayType,
)
from ..meters.frame_meters import cjt188_frame_hub, dlt645_frame_hub
from ..meters.framebus import FrameHub
from ..meters.hub import BusConfig, BusKind, BusProtocol, ModbusHub

BY_ID_DIR = Path("/dev/serial/by-id")

# The stored parity option and the letter pyserial/pymodbus take.
PYMODBUS_PARITY = {"none": "N", "even": "E", "odd": "O"}

_BUS_KIND = {
    GatewayType.TCP: BusKind.TCP,
    GatewayType.RTU_OVER_TCP: BusKind.RTU_OVER_TCP,
    GatewayType.SERIAL: BusKind.SERIAL,
}


type AnyHub = ModbusHub | FrameHub[Any]


def open_hub(config: BusConfig, name: str) -> AnyHub:
    """Return the hub for the bus's protocol (not connected yet)."""
    if config.protocol is BusProtocol.DLT645:
        return dlt645_frame_hub(config, name=name)
    if config.protocol is BusProtocol.CJT188:
        return cjt188_frame_hub(config, name=name)
    return ModbusHub(config, name=name)


def bus_protocol(data: Mapping[str, Any]) -> BusProtocol:
    """Return what a gateway entry's meters speak (entries from before protocols: Modbus)."""
    return BusProtocol(data.get(CONF_PROTOCOL, BusProtocol.MODBUS))


@dataclass(frozen=True, slots=True)
class SerialPortChoice:
    """A serial port as the config flow offers it."""

    path: str  # the stable by-id path when there is one
    label: str


def bus_config(data: Mapping[str, Any], options: Mapping[str, Any] | None = None) -> BusConfig:
    """Return the device layer's bus settings for a Modbus gateway entry."""
    options = options or {}
    kind = _BUS_KIND[GatewayType(data[CONF_GATEWAY_TYPE])]
    default_gap = (
        DEFAULT_FRAME_GAP_MS_OVER_TCP if kind is BusKind.RTU_OVER_TCP else DEFAULT_FRAME_GAP_MS
    )
    gap_ms = options.get(CONF_FRAME_GAP_MS, default_gap)
    common: dict[str, Any] = {
        "kind": kind,
        "protocol": bus_protocol(data),
        "timeout": float(options.get(CONF_TIMEOUT, DEFAULT_TIMEOUT_S)),
        "retries": int(options.get(CONF_RETRIES, DEFAULT_RETRIES)),
        # Modbus TCP needs no silent gap; RTU (serial or through a converter) does.
        "inter_frame_gap": None if kind is BusKind.TCP else int(gap_ms) / 1000,
    }
    if kind is BusKind.SERIAL:
        return BusConfig(
            serial_port=str(data[CONF_SERIAL_PORT]),
            baudrate=int(data.get(CONF_BAUDRATE, DEFAULT_BAUDRATE)),
            parity=PYMODBUS_PARITY[str(data.get(CONF_PARITY, DEFAULT_PARITY))],
            stopbits=int(data.get(CONF_STOPBITS, 1)),
            **common,
        )
    return BusConfig(host=str(data["host"]), port=int(data["port"]), **common)


async def async_can_connect(config: BusConfig) -> bool:
    """Open the bus once and close it again; True when it opened."""
    hub = open_hub(config, "connection test")
    try:
        return await hub.connect()
    finally:
        await hub.close()


def list_serial_ports() -> list[SerialPortChoice]:
    """Return the machine's serial ports, by-id path first (blocking: run in an executor)."""
    by_id: dict[str, str] = {}
    if BY_ID_DIR.is_dir():
        for link in BY_ID_DIR.iterdir():
            by_id[os.path.realpath(link)] = str(link)
    choices = []
    for port in sorted(list_ports.comports(), key=lambda p: p.device):
        path = by_id.get(os.path.realpath(port.device), port.device)
        details = " - ".join(x for x in (port.description, port.manufacturer) if x and x != "n/a")
        label = f"{path} ({details})" if details else path
        choices.append(SerialPortChoice(path=path, label=label))
    return choices


def unique_id(data: Mapping[str, Any]) -> str:
    """Return what makes two gateway entries the same gateway."""
    kind = GatewayType(data[CONF_GATEWAY_TYPE])
    if kind is GatewayType.SERIAL:
        return f"serial:{os.path.realpath(str(data[CONF_SERIAL_PORT]))}"
    if kind in (GatewayType.TCP, GatewayType.RTU_OVER_TCP):
        # Same address, same converter, whatever framing it was added with.
        return f"net:{str(data['host']).strip().lower()}:{int(data['port'])}"
    return f"{kind}:{str(data['name']).strip().casefold()}"
