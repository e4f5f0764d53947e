"""A simulated bus (one gateway or one RS485 line) served over TCP, RTU-over-TCP or a pty.

The Modbus framing is written out here (MBAP, RTU with CRC) rather than taken from pymodbus's
server, so faults can be injected at the byte level (silence, bad CRC, split frames, gateway
exceptions, restarts) and so the client under test is checked against an independent
implementation. One lock per bus serialises requests from every connection, like a real
RS485 line; optional wire-time emulation sleeps for the bytes a request and its reply would
take at the configured baud rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import struct
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import cjt188, dlt645
from .devices import SimDevice
from .faults import GATEWAY_NO_RESPONSE
from .frame_devices import FrameSimDevice

RTU_FIXED_LENGTH = {1: 8, 2: 8, 3: 8, 4: 8, 5: 8, 6: 8}
RTU_COUNTED = {15, 16, 0xAA}  # byte count at offset 6


def crc16(data: bytes) -> int:
    """Return the Modbus CRC16 (to be appended little-endian)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def rtu_frame(unit: int, pdu: bytes) -> bytes:
    """Return unit + PDU + CRC."""
    body = bytes([unit]) + pdu
    return body + struct.pack("<H", crc16(body))


@dataclass(frozen=True, slots=True)
class WireModel:
    """Serial line timing: bytes take 10 bits (8N1) at ``baud``; a meter needs ``latency_s``."""

    baud: int = 9600
    latency_s: float = 0.010
    bits_per_char: int = 10
    idle_chars: int = 7  # Modbus RTU's two 3.5-character silences; DL/T 645 has none

    def char_s(self) -> float:
        """Return the time one character takes on the wire."""
        return self.bits_per_char / self.baud

    def transaction_s(self, request_bytes: int, reply_bytes: int) -> float:
        """Return the floor of one exchange: both frames, two 3.5-char silences, the latency."""
        return (request_bytes + reply_bytes + self.idle_chars) * self.char_s() + self.latency_s


@dataclass(slots=True)
class BusLogEntry:
    """One request seen by the bus: arrival and reply times (monotonic), unit, function."""

    unit: int
    function: int
    received: float
    replied: float | None


@dataclass
class SimBus:
    """Devices behind one gateway or on one serial line."""

    name: str = "bus"
    devices: dict[int, SimDevice] = field(default_factory=dict)
    wire: WireModel | None = None
    gateway: bool = False  # answer 0x0B for absent units (a TCP gateway) instead of silence
    keep_log: bool = False
    log: list[BusLogEntry] = field(default_factory=list)
    requests: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def protocol(self) -> str:
        """Return what the bus speaks: the protocol of its meters (one per bus)."""
        kinds = {device.protocol for device in self.devices.values()} or {"modbus"}
        if len(kinds) > 1:
            raise ValueError(f"{self.name}: one protocol per bus, not {sorted(kinds)}")
        return kinds.pop()

    async def frame_exchange(
        self, frame: object, request_bytes: int
    ) -> list[tuple[bytes, SimDevice]]:
        """Serve one DL/T 645 / CJ/T 188 request: every addressed meter's reply, with faults.

        A broadcast reaches every meter; on a real line two answers collide, here they arrive
        one after the other, which the client must refuse just the same.
        """
        async with self.lock:
            received = time.monotonic()
            self.requests += 1
            replies: list[tuple[bytes, SimDevice]] = []
            delay = 0.0
            for device in self.devices.values():
                assert isinstance(device, FrameSimDevice)
                frames = self._frame_reply(device, frame)
                if frames is None:
                    continue
                delay = max(delay, device.faults.slow_s)
                replies += [(reply, device) for reply in frames]
            if self.wire is not None:
                delay += self.wire.transaction_s(request_bytes, sum(len(r) for r, _ in replies))
            if delay > 0:
                await asyncio.sleep(delay)
            if self.keep_log:
                control = getattr(frame, "control", 0)
                self.log.append(BusLogEntry(0, control, received, time.monotonic()))
            return replies

    @staticmethod
    def _frame_reply(device: FrameSimDevice, frame: object) -> list[bytes] | None:
        try:
            reply = device.respond(frame)
        except ValueError, IndexError:
            reply = device.error_reply(frame, 1)
        if reply is None:
            return None  # not addressed to this meter
        faults = device.faults
        faults.seen += 1
        if faults.no_reply:
            return []
        if faults.drop_next > 0:
            faults.drop_next -= 1
            return []
        if faults.drop_every and faults.seen % faults.drop_every == 0:
            return []
        code = faults.exceptions_next.pop(0) if faults.exceptions_next else faults.exception_always
        if code is not None:
            error = device.error_reply(frame, code)
            return [error] if error else []
        control = getattr(frame, "control", 0)
        if control in (dlt645.RELAY, cjt188.WRITE) and faults.drop_write_reply_next > 0:
            faults.drop_write_reply_next -= 1
            return []  # applied, but the reply is lost
        if faults.foreign_next > 0:
            faults.foreign_next -= 1
            foreign = device.foreign_reply(frame)
            return [foreign] if foreign else []
        if faults.truncate_next > 0:
            faults.truncate_next -= 1
            return [reply[: len(reply) // 2]]
        return [reply, reply] if faults.answer_twice else [reply]

    def add(self, device: SimDevice) -> SimDevice:
        """Put ``device`` on the bus at its unit address."""
        self.devices[device.unit] = device
        return device

    def handle(self, unit: int, pdu: bytes) -> tuple[bytes | None, SimDevice | None]:
        """Return the reply PDU (None: stay silent) for a request PDU."""
        self.requests += 1
        device = self.devices.get(unit)
        function = pdu[0]
        if device is None:
            if self.gateway:
                return bytes([function | 0x80, GATEWAY_NO_RESPONSE]), None
            return None, None
        faults = device.faults
        faults.seen += 1
        if faults.no_reply:
            return None, device
        if faults.drop_next > 0:
            faults.drop_next -= 1
            return None, device
        if faults.drop_every and faults.seen % faults.drop_every == 0:
            return None, device
        if faults.exceptions_next:
            return bytes([function | 0x80, faults.exceptions_next.pop(0)]), device
        if faults.exception_always is not None:
            return bytes([function | 0x80, faults.exception_always]), device
        try:
            reply = self._dispatch(device, pdu)
        except struct.error, IndexError:
            reply = bytes([function | 0x80, 0x03])
        if function in (6, 16, 0xAA) and faults.drop_write_reply_next > 0 and reply[0] < 0x80:
            faults.drop_write_reply_next -= 1
            return None, device  # applied, but the reply is lost
        return reply, device

    @staticmethod
    def _dispatch(device: SimDevice, pdu: bytes) -> bytes:
        function = pdu[0]
        if function in (3, 4):
            address, count = struct.unpack(">HH", pdu[1:5])
            result = device.read(function, address, count)
            if isinstance(result, int):
                return bytes([function | 0x80, result])
            return bytes([function, 2 * count]) + struct.pack(f">{count}H", *result)
        if function == 6:
            address, value = struct.unpack(">HH", pdu[1:5])
            error = device.write(6, address, [value])
            return bytes([0x86, error]) if error else pdu[:5]
        if function in (16, 0xAA):
            address, count, nbytes = struct.unpack(">HHB", pdu[1:6])
            values = list(struct.unpack(f">{count}H", pdu[6 : 6 + nbytes]))
            error = device.write(function, address, values)
            if error:
                return bytes([function | 0x80, error])
            return bytes([function]) + struct.pack(">HH", address, count)
        return bytes([function | 0x80, 0x01])

    async def exchange(
        self, unit: int, pdu: bytes, request_bytes: int, framing_overhead: int
    ) -> tuple[bytes | None, SimDevice | None]:
        """Serve one request under the bus lock, with wire time and slow-reply faults."""
        async with self.lock:
            received = time.monotonic()
            reply, device = self.handle(unit, pdu)
            delay = device.faults.slow_s if device is not None else 0.0
            if self.wire is not None:
                reply_bytes = len(reply) + framing_overhead if reply else 0
                delay += self.wire.transaction_s(request_bytes, reply_bytes)
            if delay > 0:
                await asyncio.sleep(delay)
            if self.keep_log:
                self.log.append(BusLogEntry(unit, pdu[0], received, time.monotonic()))
            return reply, device


def _corrupt(frame: bytes) -> bytes:
    # Flip bits in the middle of the frame; the CRC (RTU) no longer matches.
    middle = len(frame) // 2
    return frame[:middle] + bytes([frame[middle] ^ 0x5A]) + frame[middle + 1 :]


class RtuStream:
    """Cuts a byte stream into RTU request frames (resynchronising after garbage)."""

    def __init__(self) -> None:
        """Start with an empty buffer."""
        self.buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        """Return the complete frames (unit + PDU, CRC checked and stripped)."""
        self.buffer += data
        frames: list[bytes] = []
        while len(self.buffer) >= 4:
            function = self.buffer[1]
            if function in RTU_COUNTED:
                if len(self.buffer) < 7:
                    break
                size = 9 + self.buffer[6]
            elif function in RTU_FIXED_LENGTH:
                size = RTU_FIXED_LENGTH[function]
            else:
                self.buffer = self.buffer[1:]
                continue
            if len(self.buffer) < size:
                break
            frame, rest = self.buffer[:size], self.buffer[size:]
            if struct.unpack("<H", frame[-2:])[0] == crc16(frame[:-2]):
                frames.append(frame[:-2])
                self.buffer = rest
            else:
                self.buffer = self.buffer[1:]
        return frames


class BusServer:
    """Serve one ``SimBus`` on TCP (MBAP), RTU over TCP, or a serial pty."""

    def __init__(self, bus: SimBus, *, framing: str = "tcp") -> None:
        """``framing``: ``tcp`` (MBAP), ``rtu`` (RTU over TCP or a pty), ``dlt645``, ``cjt188``.

        DL/T 645 and CJ/T 188 frames go over TCP (a transparent gateway) or a pty as they are.
        """
        if framing not in ("tcp", "rtu", "dlt645", "cjt188"):
            raise ValueError("framing is 'tcp', 'rtu', 'dlt645' or 'cjt188'")
        self.bus = bus
        self.framing = framing
        self.host = "127.0.0.1"
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._pty: tuple[int, int] | None = None
        self.pty_path = ""
        self.restarts = 0
        self.eof_on_accept = 0  # the next N connections are accepted, then closed (EOF)

    # -- TCP ------------------------------------------------------------------------------

    async def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on ``host:port`` (0: any free port); return the port."""
        self.host = host
        self._server = await asyncio.start_server(self._serve_stream, host, port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def _serve_stream(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if self.eof_on_accept > 0:
            # A gateway still booting: accepts the connection, then closes it at once.
            self.eof_on_accept -= 1
            writer.close()
            return
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            if self.framing == "tcp":
                await self._serve_mbap(reader, writer)
            else:
                await self._serve_byte_stream(reader, writer)
        except ConnectionError, asyncio.IncompleteReadError:
            pass
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    async def _serve_mbap(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            header = await reader.readexactly(7)
            tid, _proto, length, unit = struct.unpack(">HHHB", header)
            pdu = await reader.readexactly(length - 1)
            reply, device = await self.bus.exchange(unit, pdu, len(pdu) + 3, 3)
            if reply is None:
                continue
            frame = struct.pack(">HHHB", tid, 0, len(reply) + 1, unit) + reply
            await self._send(writer.write, frame, device)

    def _splitter(self) -> RtuStream | dlt645.FrameReader | cjt188.FrameReader:
        if self.framing == "dlt645":
            return dlt645.FrameReader()
        if self.framing == "cjt188":
            return cjt188.FrameReader()
        return RtuStream()

    async def _answers(self, request: object, size: int) -> list[tuple[bytes, SimDevice | None]]:
        if isinstance(request, bytes):
            reply, device = await self.bus.exchange(request[0], request[1:], len(request) + 2, 3)
            return [] if reply is None else [(rtu_frame(request[0], reply), device)]
        return list(await self.bus.frame_exchange(request, size))

    async def _serve_byte_stream(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        stream = self._splitter()
        while True:
            data = await reader.read(512)
            if not data:
                return
            for request in stream.feed(data):
                for frame, device in await self._answers(request, len(data)):
                    await self._send(writer.write, frame, device)

    async def _send(
        self, send: Callable[[bytes], object], frame: bytes, device: SimDevice | None
    ) -> None:
        if device is not None and device.faults.corrupt_next > 0:
            device.faults.corrupt_next -= 1
            # TCP has no CRC: a truncated frame stands in for corruption there.
            frame = _corrupt(frame) if self.framing != "tcp" else frame[: len(frame) // 2]
        if device is not None and device.faults.junk_next > 0:
            device.faults.junk_next -= 1
            frame = bytes([0xFF, 0x00, 0x13]) + frame  # line noise before the reply
        if device is not None and device.faults.split and len(frame) > 2:
            send(frame[: len(frame) // 2])
            await asyncio.sleep(0.005)
            send(frame[len(frame) // 2 :])
            return
        send(frame)

    # -- serial pty -------------------------------------------------------------------------

    async def start_pty(self) -> str:
        """Open a pty pair; RTU clients open the returned path like a serial port."""
        master, slave = os.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        os.set_blocking(master, False)
        self._pty = (master, slave)
        self.pty_path = os.ttyname(slave)
        stream = self._splitter()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[object, int]] = asyncio.Queue()

        def readable() -> None:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            for request in stream.feed(data):
                queue.put_nowait((request, len(data)))

        def write(frame: bytes) -> None:
            with contextlib.suppress(OSError):
                os.write(master, frame)

        async def serve() -> None:
            while True:
                request, size = await queue.get()
                for frame, device in await self._answers(request, size):
                    await self._send(write, frame, device)

        loop.add_reader(master, readable)
        task = asyncio.create_task(serve(), name=f"sim pty {self.pty_path}")
        self._tasks.add(task)
        return self.pty_path

    # -- lifecycle --------------------------------------------------------------------------

    async def stop(self) -> None:
        """Stop listening and drop every connection (and the pty)."""
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
            self._server = None
        if self._pty is not None:
            asyncio.get_running_loop().remove_reader(self._pty[0])
            for fd in self._pty:
                os.close(fd)
            self._pty = None
        for task in list(self._tasks):
            if task is not asyncio.current_task():
                task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    async def restart(self, down_for: float = 0.5, *, reset: bool = True) -> None:
        """Gateway reboot: drop connections (RST when ``reset``), stay down, listen again."""
        port, host = self.port, self.host
        if reset:
            for writer in list(self._writers):
                transport = writer.transport
                if isinstance(transport, asyncio.Transport):
                    transport.abort()
        await self.stop()
        await asyncio.sleep(down_for)
        await self.start_tcp(host, port)
        self.restarts += 1
