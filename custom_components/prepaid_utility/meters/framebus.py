"""One owner per DL/T 645 or CJ/T 188 bus: frames over a serial port or a transparent gateway.

These protocols are byte streams with their own frames, not Modbus, so pymodbus cannot carry
them; the hub talks to the port or socket itself. Everything else is the Modbus hub's
discipline (``hub.py``), with the same ``BusConfig``, ``HubStats`` and error types:

* one request in flight per bus (one ``asyncio.Lock``), a silent gap between transactions;
* bytes already waiting before a request are a late reply to an earlier one: dropped and
  counted (``stale_bytes``), never taken as the answer to this one;
* a reply is used only when it checks out (frame checks in the codec) *and* answers this
  request (address, function, data identifier); anything else is counted (``corrupt`` for a
  failed check, ``foreign_frames`` for someone else's frame) and the hub keeps listening;
* no valid reply: retried only while the meter was healthy; a circuit breaker suspends a
  dead meter; a lost connection is ``BusUnavailable`` with capped exponential backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import termios
import time
from collections.abc import Callable
from typing import Protocol

import serial

from .hub import BusConfig, BusKind, BusProtocol, DeviceHealth, HubStats, TransactionRecord
from .reading import BusUnavailable, MeterCorruptReply, MeterSuspended, MeterTimeout

_LOGGER = logging.getLogger(__name__)

DEFAULT_GAP = 0.020


class FrameSplitter[F](Protocol):
    """A codec's stream reader: ``feed`` returns checked frames, ``bad`` counts failures."""

    bad: int

    def feed(self, data: bytes) -> list[F]:
        """Return the complete checked frames so far."""
        ...


class _Link:
    """A byte pipe to the bus: a TCP socket or a serial port, both feeding one inbox.

    Whatever arrives is queued as it comes, so bytes that arrive between transactions (a late
    or repeated reply) can be seen and dropped before the next request.
    """

    def __init__(self, config: BusConfig) -> None:
        self.config = config
        self._writer: asyncio.StreamWriter | None = None
        self._pump: asyncio.Task[None] | None = None
        self._serial: serial.Serial | None = None
        self._inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.connected = False

    async def open(self) -> None:
        cfg = self.config
        if cfg.kind is BusKind.SERIAL:
            port = serial.Serial(
                cfg.serial_port,
                baudrate=cfg.baudrate,
                bytesize=cfg.bytesize,
                parity=cfg.parity,
                stopbits=cfg.stopbits,
                timeout=0,
            )
            self._serial = port
            asyncio.get_running_loop().add_reader(port.fileno(), self._readable)
        else:
            reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(cfg.host, cfg.port), cfg.timeout * 2 + 1
            )
            self._pump = asyncio.create_task(self._pump_socket(reader), name="frame bus reader")
        self.connected = True

    async def _pump_socket(self, reader: asyncio.StreamReader) -> None:
        try:
            while data := await reader.read(4096):
                self._inbox.put_nowait(data)
        except OSError:
            pass
        self.connected = False
        self._inbox.put_nowait(b"")

    def _readable(self) -> None:
        port = self._serial
        if port is None:
            return
        try:
            data = port.read(4096)
        except serial.SerialException, OSError:
            self.connected = False
            self._inbox.put_nowait(b"")
            return
        if data:
            self._inbox.put_nowait(data)

    def flush(self) -> int:
        """Drop and count whatever is waiting."""
        dropped = 0
        while not self._inbox.empty():
            data = self._inbox.get_nowait()
            if not data:
                raise ConnectionError("link closed")
            dropped += len(data)
        return dropped

    async def send(self, data: bytes) -> None:
        if self._serial is not None:
            self._serial.write(data)
            return
        assert self._writer is not None
        self._writer.write(data)
        await self._writer.drain()

    async def recv(self, wait: float) -> bytes:
        """Return the next bytes, b"" after ``wait`` s; raise ConnectionError when gone."""
        if wait <= 0:
            return b""
        try:
            data = await asyncio.wait_for(self._inbox.get(), wait)
        except TimeoutError:
            return b""
        if not data:
            raise ConnectionError("link closed")
        return data

    def close(self) -> None:
        self.connected = False
        if self._serial is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self._serial.fileno())
            self._serial.close()
            self._serial = None
        if self._pump is not None:
            self._pump.cancel()
            self._pump = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class FrameHub[F]:
    """The one owner of one DL/T 645 or CJ/T 188 bus."""

    def __init__(
        self,
        config: BusConfig,
        splitter: Callable[[], FrameSplitter[F]],
        *,
        name: str | None = None,
        tracer: Callable[[TransactionRecord], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare the hub; ``splitter`` makes the protocol's frame reader."""
        if config.protocol is BusProtocol.MODBUS:
            raise ValueError("a Modbus bus is driven by ModbusHub")
        self.config = config
        self.name = name or config.label
        self.stats = HubStats()
        self._splitter = splitter
        self._tracer = tracer
        self._now = monotonic
        self._lock = asyncio.Lock()
        self._link: _Link | None = None
        self._ever_connected = False
        self._next_connect = 0.0
        self._reconnect_delay = 0.0
        self._last_end = 0.0
        self._health: dict[str, DeviceHealth] = {}

    @property
    def gap(self) -> float:
        """Return the silent time between transactions."""
        gap = self.config.inter_frame_gap
        return DEFAULT_GAP if gap is None else gap

    @property
    def connected(self) -> bool:
        """Return True while the port or socket is open."""
        return self._link is not None and self._link.connected

    def health(self, device: str) -> DeviceHealth:
        """Return the circuit-breaker state of the meter at ``device``."""
        return self._health.setdefault(device, DeviceHealth())

    def reset_backoff(self) -> None:
        """Try the next transaction at once (after a configuration change, in tests)."""
        self._next_connect = 0.0
        self._reconnect_delay = 0.0
        for health in self._health.values():
            health.suspended_until = 0.0

    async def connect(self) -> bool:
        """Open the link now; True when connected."""
        async with self._lock:
            try:
                await self._ensure_link()
            except BusUnavailable:
                return False
            return True

    async def close(self) -> None:
        """Close the link; the hub reconnects on next use."""
        async with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None

    async def _ensure_link(self) -> _Link:
        if self._link is not None and self._link.connected:
            return self._link
        self._drop()
        if self._now() < self._next_connect:
            raise BusUnavailable(f"{self.name}: reconnect backing off")
        link = _Link(self.config)
        try:
            await link.open()
        except (OSError, TimeoutError, serial.SerialException, ValueError, termios.error) as err:
            # termios.error: the port refuses the line settings (a pty and parity, a driver
            # and a baud rate): the bus is unavailable, not the integration broken.
            link.close()
            self.stats.connect_failures += 1
            self._reconnect_delay = min(
                max(self._reconnect_delay * 2, self.config.reconnect_min), self.config.reconnect_max
            )
            self._next_connect = self._now() + self._reconnect_delay
            _LOGGER.debug("%s: cannot connect: %s", self.name, err)
            raise BusUnavailable(f"{self.name}: cannot connect") from err
        if self._ever_connected:
            self.stats.reconnects += 1
        self._ever_connected = True
        self.stats.connects += 1
        self._reconnect_delay = 0.0
        self._link = link
        return link

    async def _wait_gap(self) -> None:
        wait = self._last_end + self.gap - self._now()
        if wait > 0:
            await asyncio.sleep(wait)

    async def exchange[R](
        self,
        device: str,
        request: bytes,
        match: Callable[[F], R | None],
        *,
        meter_key: str = "",
        read: bool = True,
        label: tuple[int, int] = (0, 0),
    ) -> R:
        """Send ``request`` and return ``match(frame)`` of the first frame it accepts.

        A write (``read=False``) is sent once: a lost reply may hide a landed command, so the
        caller reads the state back instead of sending it again.
        """
        health = self.health(device)
        if (
            health.failures >= self.config.breaker_threshold > 0
            and self._now() < health.suspended_until
        ):
            self.stats.suspended_skips += 1
            raise MeterSuspended(f"{self.name}#{device}: suspended", meter_key=meter_key)
        async with self._lock:
            tries = 1 + (self.config.retries if read and health.healthy else 0)
            for attempt in range(1, tries + 1):
                link = await self._ensure_link()
                await self._wait_gap()
                started = self._now()
                result, outcome = await self._one(link, request, match)
                self._last_end = self._now()
                self.stats.transactions += 1
                self._trace(label, started, outcome)
                if outcome == "lost":
                    self._drop()
                    raise BusUnavailable(f"{self.name}: connection lost", meter_key=meter_key)
                if result is not None:
                    self.stats.successes += 1
                    health.failures = 0
                    health.suspended_until = 0.0
                    return result
                if outcome == "corrupt":
                    self.stats.corrupt += 1
                else:
                    self.stats.timeouts += 1
                if attempt < tries:
                    self.stats.retries += 1
            self._failed(device, health)
            if outcome == "corrupt":
                raise MeterCorruptReply(
                    f"{self.name}#{device}: only bad frames after {tries} tries",
                    meter_key=meter_key,
                )
            raise MeterTimeout(
                f"{self.name}#{device}: no reply after {tries} tries", meter_key=meter_key
            )

    async def _one[R](
        self, link: _Link, request: bytes, match: Callable[[F], R | None]
    ) -> tuple[R | None, str]:
        reader = self._splitter()
        deadline = self._now() + self.config.timeout
        try:
            self.stats.stale_bytes += link.flush()
            await link.send(request)
            while True:
                data = await link.recv(deadline - self._now())
                if not data:
                    return None, "corrupt" if reader.bad else "no_reply"
                frames = reader.feed(data)
                for index, frame in enumerate(frames):
                    result = match(frame)
                    if result is not None:
                        self.stats.corrupt += reader.bad
                        # Frames after the answer (a repeated reply) are never used.
                        self.stats.foreign_frames += len(frames) - index - 1
                        return result, "ok"
                    self.stats.foreign_frames += 1
        except ConnectionError, OSError, serial.SerialException:
            return None, "lost"

    async def collect(
        self, request: bytes, *, window: float, label: tuple[int, int] = (0, 0)
    ) -> tuple[list[F], int]:
        """Send a broadcast and return every checked frame within ``window``, and the bad count.

        Only for discovery: one meter on the line answers once; two answers (two meters, or a
        meter that repeats itself) make the answer ambiguous, which the caller must refuse.
        """
        async with self._lock:
            link = await self._ensure_link()
            await self._wait_gap()
            started = self._now()
            reader = self._splitter()
            frames: list[F] = []
            try:
                self.stats.stale_bytes += link.flush()
                await link.send(request)
                deadline = self._now() + window
                while (left := deadline - self._now()) > 0:
                    frames.extend(reader.feed(await link.recv(left)))
            except (ConnectionError, OSError, serial.SerialException) as err:
                self._drop()
                raise BusUnavailable(f"{self.name}: connection lost") from err
            finally:
                self._last_end = self._now()
                self.stats.transactions += 1
            self._trace(label, started, "ok" if frames else "no_reply")
            return frames, reader.bad

    def _failed(self, device: str, health: DeviceHealth) -> None:
        health.failures += 1
        over = health.failures - self.config.breaker_threshold
        if self.config.breaker_threshold > 0 and over >= 0:
            if over == 0:
                _LOGGER.warning("%s#%s stopped answering; polling it less often", self.name, device)
            delay = min(self.config.breaker_min * 2 ** min(over, 16), self.config.breaker_max)
            health.suspended_until = self._now() + delay

    def _trace(self, label: tuple[int, int], started: float, outcome: str) -> None:
        if self._tracer is not None:
            self._tracer(TransactionRecord(label[0], label[1], 0, started, self._last_end, outcome))
