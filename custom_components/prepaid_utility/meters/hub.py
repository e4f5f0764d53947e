"""One owner per physical bus: Modbus TCP, RTU over TCP, or serial RTU.

Every transaction on a bus goes through one ``asyncio.Lock``; on RTU a silent gap (30 ms by
default, HA's value) separates the end of one transaction from the start of the next. Each
transaction has its own timeout and bounded retries. Failures are typed (``reading.py``):

* ILLEGAL FUNCTION/ADDRESS/VALUE: ``MeterMisconfigured`` at once, never retried.
* SLAVE BUSY / ACKNOWLEDGE: back off and retry a few times, then ``MeterBusy`` (never a 0).
* Gateway 0x0A/0x0B: ``GatewayTargetUnavailable`` for that slave only; the hub stays connected.
* No (valid) reply: retried only while the slave was healthy, so a dead slave costs one
  timeout; after a few failures a circuit breaker suspends it (``MeterSuspended``, no bus time)
  and probes it again after a growing interval.
* Connection lost: the client is dropped and reconnected on demand with capped exponential
  backoff (``BusUnavailable`` while waiting). When several transactions in a row get no reply
  from anyone, the connection is dropped too: a gateway that accepts but never answers is
  revived by a reconnect.

pymodbus's own retries and reconnect loop are switched off: this module owns both, so their
effect on the bus is visible in one place and in ``HubStats``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum

from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException
from pymodbus.framer import FramerType
from pymodbus.pdu import ExceptionResponse, ModbusPDU

from .reading import (
    BusUnavailable,
    GatewayTargetUnavailable,
    MeterBusy,
    MeterCorruptReply,
    MeterDeviceError,
    MeterError,
    MeterMisconfigured,
    MeterSuspended,
    MeterTimeout,
)
from .vendor import AcrelParameterWrite, vendor_reply

_LOGGER = logging.getLogger(__name__)

# pymodbus logs an ERROR for every request that times out. For this hub's requests that is
# noise (an absent address probed in a form, a dead slave each poll): the hub turns a timeout
# into a typed error and logs meter and bus state changes once. Requests of anyone else using
# pymodbus in the same process (Home Assistant's own modbus integration) keep their lines.
_OWN_REQUEST: ContextVar[bool] = ContextVar("prepaid_utility_modbus_request", default=False)
# pymodbus writes "Repeating...." in place of a line it has just written.
_PYMODBUS_TIMEOUT_LINES = ("No response received after", "Repeating....")


class _OwnTimeoutFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (_OWN_REQUEST.get() and str(record.msg).startswith(_PYMODBUS_TIMEOUT_LINES))


_TIMEOUT_FILTER = _OwnTimeoutFilter()
logging.getLogger("pymodbus.logging").addFilter(_TIMEOUT_FILTER)

ILLEGAL_CODES = frozenset({0x01, 0x02, 0x03})
BUSY_CODES = frozenset({0x05, 0x06})
GATEWAY_CODES = frozenset({0x0A, 0x0B})
DEFAULT_RTU_GAP = 0.030


class BusProtocol(StrEnum):
    """What the meters on a bus speak: one protocol per bus."""

    MODBUS = "modbus"
    DLT645 = "dlt645"  # DL/T 645-2007 electricity meters
    CJT188 = "cjt188"  # CJ/T 188 water meters (RS485, or M-Bus through a converter)


#: Serial settings a bus of each protocol starts with (the meters' factory defaults).
SERIAL_DEFAULTS: dict[BusProtocol, tuple[int, str]] = {
    BusProtocol.MODBUS: (9600, "N"),
    BusProtocol.DLT645: (2400, "E"),
    BusProtocol.CJT188: (2400, "E"),
}


class BusKind(StrEnum):
    """How the hub reaches the bus."""

    TCP = "tcp"  # Modbus TCP (MBAP header)
    RTU_OVER_TCP = "rtu_over_tcp"  # RTU frames through a transparent RS485-to-Ethernet gateway
    SERIAL = "serial"  # RTU on a local serial port (USB adapter)


@dataclass(frozen=True, slots=True)
class BusConfig:
    """Connection and timing settings of one bus."""

    kind: BusKind
    host: str = "127.0.0.1"
    port: int = 502
    serial_port: str = ""
    baudrate: int = 9600
    parity: str = "N"
    bytesize: int = 8
    stopbits: int = 1
    timeout: float = 1.0
    retries: int = 2
    busy_retries: int = 3
    busy_backoff: float = 0.1
    inter_frame_gap: float | None = None
    reconnect_min: float = 0.5
    reconnect_max: float = 60.0
    breaker_threshold: int = 3
    breaker_min: float = 30.0
    breaker_max: float = 600.0
    drop_after_silent: int = 6
    protocol: BusProtocol = BusProtocol.MODBUS

    @property
    def gap(self) -> float:
        """Return the silent time between transactions (30 ms on RTU unless set)."""
        if self.inter_frame_gap is not None:
            return self.inter_frame_gap
        return 0.0 if self.kind is BusKind.TCP else DEFAULT_RTU_GAP

    @property
    def label(self) -> str:
        """Return a short human name of the bus."""
        if self.kind is BusKind.SERIAL:
            return f"{self.serial_port}@{self.baudrate}{self.parity}"
        return f"{self.kind}://{self.host}:{self.port}"


@dataclass(slots=True)
class HubStats:
    """Counters a test or a diagnostics dump can read."""

    transactions: int = 0
    successes: int = 0
    timeouts: int = 0
    corrupt: int = 0
    retries: int = 0
    busy: int = 0
    gateway_errors: int = 0
    illegal: int = 0
    device_errors: int = 0
    suspended_skips: int = 0
    connects: int = 0
    reconnects: int = 0
    connect_failures: int = 0
    silent_drops: int = 0
    foreign_frames: int = 0  # checked frames that were not the reply asked for
    stale_bytes: int = 0  # bytes already waiting before a request (a late reply) and dropped


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    """One request/response exchange on the wire, with monotonic start and end times."""

    device_id: int
    function: int
    address: int
    started: float
    ended: float
    outcome: str


@dataclass(slots=True)
class DeviceHealth:
    """Circuit-breaker state of one slave address."""

    failures: int = 0
    suspended_until: float = 0.0
    misconfigured: bool = False

    @property
    def healthy(self) -> bool:
        """Return True when the last transaction with this slave succeeded."""
        return self.failures == 0


type Request = Callable[[AsyncModbusTcpClient | AsyncModbusSerialClient], Awaitable[ModbusPDU]]


class ModbusHub:
    """The one owner of one physical bus."""

    def __init__(
        self,
        config: BusConfig,
        *,
        name: str | None = None,
        tracer: Callable[[TransactionRecord], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare the hub; the connection is opened on first use."""
        self.config = config
        self.name = name or config.label
        self.stats = HubStats()
        self._tracer = tracer
        self._now = monotonic
        self._lock = asyncio.Lock()
        self._client: AsyncModbusTcpClient | AsyncModbusSerialClient | None = None
        self._ever_connected = False
        self._next_connect = 0.0
        self._reconnect_delay = 0.0
        self._last_end = 0.0
        self._health: dict[int, DeviceHealth] = {}
        self._lost_logged = False
        self._silent = 0

    # -- connection -------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Return True while the client holds an open connection."""
        return self._client is not None and self._client.connected

    def health(self, device_id: int) -> DeviceHealth:
        """Return the circuit-breaker state of ``device_id``."""
        return self._health.setdefault(device_id, DeviceHealth())

    async def connect(self) -> bool:
        """Open the connection now (e.g. to test it in a config flow); True when connected."""
        async with self._lock:
            try:
                await self._ensure_client()
            except BusUnavailable:
                return False
            return True

    def reset_backoff(self) -> None:
        """Try the next transaction at once: forget reconnect backoff and breaker suspensions.

        For a "reconnect now" action, after a configuration change, or in tests.
        """
        self._next_connect = 0.0
        self._reconnect_delay = 0.0
        for health in self._health.values():
            health.suspended_until = 0.0

    async def close(self) -> None:
        """Close the connection; the hub can be used again later (it reconnects)."""
        async with self._lock:
            self._drop_client()

    def _make_client(self) -> AsyncModbusTcpClient | AsyncModbusSerialClient:
        cfg = self.config
        client: AsyncModbusTcpClient | AsyncModbusSerialClient
        if cfg.kind is BusKind.SERIAL:
            client = AsyncModbusSerialClient(
                cfg.serial_port,
                framer=FramerType.RTU,
                baudrate=cfg.baudrate,
                bytesize=cfg.bytesize,
                parity=cfg.parity,
                stopbits=cfg.stopbits,
                timeout=cfg.timeout,
                retries=0,
                reconnect_delay=0,
            )
        else:
            client = AsyncModbusTcpClient(
                cfg.host,
                port=cfg.port,
                framer=FramerType.SOCKET if cfg.kind is BusKind.TCP else FramerType.RTU,
                timeout=cfg.timeout,
                retries=0,
                reconnect_delay=0,
            )
        client.register(AcrelParameterWrite)
        # pymodbus closes the connection after a few unanswered requests; one dead slave must
        # not drop the whole bus, so the hub decides about reconnects itself.
        client.set_max_no_responses(1 << 30)
        return client

    def _drop_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def _ensure_client(self) -> AsyncModbusTcpClient | AsyncModbusSerialClient:
        if self._client is not None and self._client.connected:
            return self._client
        self._drop_client()
        now = self._now()
        if now < self._next_connect:
            raise BusUnavailable(f"{self.name}: reconnect backing off")
        client = self._make_client()
        try:
            ok = await client.connect()
        except (OSError, ModbusException) as err:
            _LOGGER.debug("%s: connect failed: %s", self.name, err)
            ok = False
        if not ok or not client.connected:
            client.close()
            self.stats.connect_failures += 1
            self._reconnect_delay = min(
                max(self._reconnect_delay * 2, self.config.reconnect_min), self.config.reconnect_max
            )
            self._next_connect = self._now() + self._reconnect_delay
            if not self._lost_logged:
                _LOGGER.warning("%s: cannot connect; retrying with backoff", self.name)
                self._lost_logged = True
            raise BusUnavailable(f"{self.name}: cannot connect")
        if self._ever_connected:
            self.stats.reconnects += 1
            if self._lost_logged:
                _LOGGER.info("%s: connected again", self.name)
        self._ever_connected = True
        self._lost_logged = False
        self.stats.connects += 1
        self._reconnect_delay = 0.0
        self._next_connect = 0.0
        self._client = client
        return client

    # -- public transactions ----------------------------------------------------------------

    async def read_registers(
        self, device_id: int, function: int, address: int, count: int, *, meter_key: str = ""
    ) -> list[int]:
        """Read ``count`` holding (3) or input (4) registers in one transaction."""

        async def request(client: AsyncModbusTcpClient | AsyncModbusSerialClient) -> ModbusPDU:
            if function == 4:
                return await client.read_input_registers(address, count=count, device_id=device_id)
            return await client.read_holding_registers(address, count=count, device_id=device_id)

        reply = await self._transact(
            device_id, function, address, request, meter_key, read=True, expect_count=count
        )
        return list(reply.registers)

    async def write_registers(
        self,
        device_id: int,
        address: int,
        values: list[int],
        *,
        function: int = 16,
        meter_key: str = "",
    ) -> None:
        """Write with FC06 (one value), FC10, or the Acrel vendor function 0xAA.

        A timeout is not retried: the write may have landed, so the caller reads back.
        """

        async def request(client: AsyncModbusTcpClient | AsyncModbusSerialClient) -> ModbusPDU:
            if function == 6:
                return await client.write_register(address, values[0], device_id=device_id)
            if function == 16:
                return await client.write_registers(address, values, device_id=device_id)
            pdu = AcrelParameterWrite(
                dev_id=device_id, address=address, count=len(values), registers=values
            )
            reply: ModbusPDU = await client.execute(False, pdu)
            return vendor_reply(reply, address, len(values))

        await self._transact(device_id, function, address, request, meter_key, read=False)

    # -- the transaction engine -------------------------------------------------------------

    async def _transact(
        self,
        device_id: int,
        function: int,
        address: int,
        request: Request,
        meter_key: str,
        *,
        read: bool,
        expect_count: int | None = None,
    ) -> ModbusPDU:
        health = self.health(device_id)
        if (
            health.failures >= self.config.breaker_threshold > 0
            and self._now() < health.suspended_until
        ):
            self.stats.suspended_skips += 1
            raise MeterSuspended(f"{self.name}#{device_id}: suspended", meter_key=meter_key)
        async with self._lock:
            # A dead slave gets one try, not retries: it must not cost the bus more than that.
            timeout_tries = 1 + (self.config.retries if read and health.healthy else 0)
            busy_tries = 0
            attempt = 0
            while True:
                attempt += 1
                client = await self._ensure_client()
                await self._wait_gap()
                started = self._now()
                outcome = "ok"
                own = _OWN_REQUEST.set(True)
                try:
                    reply = await asyncio.wait_for(request(client), self.config.timeout * 2 + 1)
                except (TimeoutError, ModbusException, OSError, ValueError) as err:
                    outcome = "no_reply"
                    reply = None
                    if isinstance(err, ConnectionException) or not client.connected:
                        self._drop_client()
                finally:
                    _OWN_REQUEST.reset(own)
                    self._last_end = self._now()
                    self.stats.transactions += 1
                if (
                    reply is not None
                    and not reply.isError()
                    and expect_count is not None
                    and len(reply.registers) != expect_count
                ):
                    outcome = "corrupt"
                self._trace(device_id, function, address, started, outcome)
                self._silent = self._silent + 1 if reply is None else 0
                if reply is None and self._client is None:
                    # The connection itself went away (gateway reboot): not this slave's fault.
                    raise BusUnavailable(f"{self.name}: connection lost", meter_key=meter_key)
                if self._silent >= self.config.drop_after_silent > 0:
                    # Nobody on the bus answers: a hung gateway is revived by reconnecting.
                    self.stats.silent_drops += 1
                    self._silent = 0
                    self._drop_client()
                if reply is None or outcome == "corrupt":
                    if outcome == "corrupt":
                        self.stats.corrupt += 1
                    else:
                        self.stats.timeouts += 1
                    if attempt < timeout_tries and self._client is not None:
                        self.stats.retries += 1
                        continue
                    self._failed(device_id, health)
                    raise MeterTimeout(
                        f"{self.name}#{device_id}: no valid reply after {attempt} tries",
                        meter_key=meter_key,
                    )
                if isinstance(reply, ExceptionResponse) or reply.isError():
                    code = int(getattr(reply, "exception_code", 0))
                    if code in BUSY_CODES:
                        self.stats.busy += 1
                        busy_tries += 1
                        if busy_tries <= self.config.busy_retries:
                            self.stats.retries += 1
                            await asyncio.sleep(self.config.busy_backoff * 2 ** (busy_tries - 1))
                            continue
                        raise MeterBusy(f"{self.name}#{device_id}: busy", meter_key=meter_key)
                    if code in ILLEGAL_CODES:
                        self.stats.illegal += 1
                        raise MeterMisconfigured(
                            f"{self.name}#{device_id}: exception {code:#04x} at {address:#06x}",
                            meter_key=meter_key,
                            code=code,
                        )
                    if code in GATEWAY_CODES:
                        self.stats.gateway_errors += 1
                        self._failed(device_id, health)
                        raise GatewayTargetUnavailable(
                            f"{self.name}#{device_id}: gateway exception {code:#04x}",
                            meter_key=meter_key,
                        )
                    self.stats.device_errors += 1
                    raise MeterDeviceError(
                        f"{self.name}#{device_id}: exception {code:#04x}", meter_key=meter_key
                    )
                if reply.dev_id not in (0, device_id):
                    self.stats.corrupt += 1
                    if attempt < timeout_tries:
                        self.stats.retries += 1
                        continue
                    raise MeterCorruptReply("reply from another slave", meter_key=meter_key)
                self.stats.successes += 1
                if health.failures >= self.config.breaker_threshold > 0:
                    _LOGGER.info("%s#%s answers again", self.name, device_id)
                health.failures = 0
                health.suspended_until = 0.0
                return reply

    async def _wait_gap(self) -> None:
        gap = self.config.gap
        if gap <= 0:
            return
        wait = self._last_end + gap - self._now()
        if wait > 0:
            await asyncio.sleep(wait)

    def _failed(self, device_id: int, health: DeviceHealth) -> None:
        health.failures += 1
        if health.failures == self.config.breaker_threshold:
            _LOGGER.warning(
                "%s#%s stopped answering; polling it less often until it does", self.name, device_id
            )
        over = health.failures - self.config.breaker_threshold
        if self.config.breaker_threshold > 0 and over >= 0:
            delay = min(self.config.breaker_min * 2 ** min(over, 16), self.config.breaker_max)
            health.suspended_until = self._now() + delay

    def _trace(
        self, device_id: int, function: int, address: int, started: float, outcome: str
    ) -> None:
        if self._tracer is not None:
            self._tracer(
                TransactionRecord(device_id, function, address, started, self._last_end, outcome)
            )


async def guarded[T](coro: Awaitable[T]) -> T | MeterError:
    """Await ``coro`` and return a ``MeterError`` instead of raising it (for gather)."""
    try:
        return await coro
    except MeterError as err:
        return err
