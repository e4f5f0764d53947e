"""A meter on a Modbus bus: a profile at a slave address, read and switched through a hub."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from .decode import DecodeError
from .hub import ModbusHub
from .profiles.base import Profile
from .reading import (
    Capabilities,
    ControlOutcome,
    ControlResult,
    MeterCorruptReply,
    MeterError,
    MeterMisconfigured,
    MeterReading,
    MeterTimeout,
    SupplyState,
)

# A relay or valve that has not shown its new state this long after the write did not follow
# it (a motorised valve is slower than a relay, and well within this); read it this often.
SUPPLY_SETTLE_S = 1.0
SUPPLY_SETTLE_POLL_S = 0.2


def utc_now() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


class ModbusMeter:
    """One meter: ``read()`` is one transaction per block (one for every built-in profile).

    A per-meter lock makes reads wait while a write is being read back, so a poll never sees
    a half-applied command.
    """

    def __init__(
        self,
        hub: ModbusHub,
        profile: Profile,
        device_id: int,
        *,
        key: str | None = None,
        supply_attempts: int = 2,
        supply_settle_s: float = SUPPLY_SETTLE_S,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """Bind ``profile`` at slave ``device_id`` on ``hub``.

        ``supply_settle_s``: how long a written relay or valve may take to show its new state
        before the write counts as not followed.
        """
        self.hub = hub
        self.profile = profile
        self.active_profile = profile
        self.device_id = device_id
        self._key = key or f"{hub.name}#{device_id}"
        self.supply_attempts = max(1, supply_attempts)
        self.supply_settle_s = max(0.0, supply_settle_s)
        self._clock = clock
        self._lock = asyncio.Lock()
        self.misconfigured: MeterMisconfigured | None = None

    @property
    def key(self) -> str:
        """Return the stable key of this meter."""
        return self._key

    @property
    def capabilities(self) -> Capabilities:
        """Return what the profile offers."""
        return Capabilities(
            medium=self.profile.medium,
            has_supply_control=self.profile.supply is not None,
            has_tou=self.profile.has_tou,
            has_meter_balance=self.profile.has_balance,
        )

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Hold this meter's lock: polls of this meter wait (used by writes and read-backs)."""
        async with self._lock:
            yield

    def reset(self) -> None:
        """Forget a misconfiguration verdict (after the user fixed the address or profile)."""
        self.misconfigured = None
        self.active_profile = self.profile

    async def read(self) -> MeterReading:
        """Read every block of the profile and decode it; raise a ``MeterError`` on failure."""
        async with self._lock:
            return await self._read_unlocked()

    async def _read_unlocked(self) -> MeterReading:
        if self.misconfigured is not None:
            # No retry storm on ILLEGAL ADDRESS: stay quiet until reset() (a repair issue).
            raise self.misconfigured
        try:
            registers = await self._read_blocks(self.active_profile)
        except MeterMisconfigured as err:
            fallback = self.active_profile.fallback
            if fallback is None:
                self.misconfigured = err
                raise
            try:
                registers = await self._read_blocks(fallback)
            except MeterMisconfigured as err2:
                self.misconfigured = err2
                raise
            self.active_profile = fallback
        try:
            return self.active_profile.decode(registers, self._key, self._clock())
        except DecodeError as err:
            raise MeterCorruptReply(str(err), meter_key=self._key) from err

    async def _read_blocks(self, profile: Profile) -> dict[tuple[int, int], int]:
        registers: dict[tuple[int, int], int] = {}
        for block in profile.blocks:
            words = await self.hub.read_registers(
                self.device_id, block.function, block.address, block.count, meter_key=self._key
            )
            for offset, word in enumerate(words):
                registers[(block.function, block.address + offset)] = word
        return registers

    async def read_supply(self) -> SupplyState:
        """Read only the relay/valve state register (one short transaction)."""
        supply = self.profile.supply
        if supply is None:
            return SupplyState.UNKNOWN
        words = await self.hub.read_registers(
            self.device_id, supply.state_function, supply.state_address, 1, meter_key=self._key
        )
        return supply.state_of(words[0])

    async def _settled_supply(self, requested: SupplyState) -> SupplyState:
        """Read the supply back until it shows ``requested`` or the settle time is over.

        A relay moves, and a meter updates its status word, some time after the write's answer:
        reading once at once and writing again when it still shows the old state sent every
        command twice, tens of milliseconds apart.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.supply_settle_s
        while True:
            observed = await self.read_supply()
            remaining = deadline - loop.time()
            if observed is requested or remaining <= 0:
                return observed
            await asyncio.sleep(min(SUPPLY_SETTLE_POLL_S, remaining))

    async def set_supply(self, on: bool) -> ControlResult:
        """Switch the relay/valve, read it back, and retry only while the read-back differs.

        A write that times out may still have landed: the read-back decides, so a relay is
        never toggled twice for one request. After ``supply_attempts`` writes that the meter
        does not follow, the result is ``mismatch`` (welded relay, manual override).
        """
        requested = SupplyState.ON if on else SupplyState.OFF
        supply = self.profile.supply
        if supply is None:
            return ControlResult(
                self._key, requested, SupplyState.UNKNOWN, ControlOutcome.UNKNOWN, 0, "no relay"
            )
        values = list(supply.on_values if on else supply.off_values)
        writes = 0
        observed = SupplyState.UNKNOWN
        detail = ""
        async with self._lock:
            # Already there? Then nothing is written (idempotent under replays).
            try:
                observed = await self.read_supply()
            except MeterError as err:
                detail = str(err)
            if observed is requested:
                return ControlResult(self._key, requested, observed, ControlOutcome.VERIFIED, 0)
            for _ in range(self.supply_attempts):
                writes += 1
                try:
                    await self.hub.write_registers(
                        self.device_id,
                        supply.write_address,
                        values,
                        function=supply.write_function,
                        meter_key=self._key,
                    )
                except (MeterTimeout, MeterCorruptReply) as err:
                    detail = f"ambiguous write: {err}"  # may have landed; the read-back decides
                except MeterError as err:
                    detail = str(err)
                try:
                    observed = await self._settled_supply(requested)
                except MeterError as err:
                    observed = SupplyState.UNKNOWN
                    detail = f"read-back failed: {err}"
                    break  # cannot see the state: do not write blind again
                if observed is requested:
                    return ControlResult(
                        self._key, requested, observed, ControlOutcome.VERIFIED, writes, detail
                    )
        outcome = (
            ControlOutcome.UNKNOWN if observed is SupplyState.UNKNOWN else ControlOutcome.MISMATCH
        )
        return ControlResult(self._key, requested, observed, outcome, writes, detail)
