"""A simulated building served by the simulator's command line, in a process of its own.

In a home the meters are other machines: their work is not Home Assistant's. The benchmarks of
one Home Assistant at scale run the building this way so that the process they measure (CPU,
event-loop lag, memory) holds only what a real installation holds. The building is driven over
the simulator's stdin, as a person would drive ``scripts/simulate``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

SIMULATOR = "custom_components.prepaid_utility.meters.simulator"
START_TIMEOUT_S = 60


class ExternalBuilding:
    """``gateways`` copies of a preset's bus on loopback Modbus TCP, in a child process."""

    def __init__(self, preset: str, gateways: int) -> None:
        """Prepare (nothing runs until ``async_start``)."""
        self.preset, self.gateways = preset, gateways
        self.endpoints: list[tuple[str, int]] = []
        self._process: asyncio.subprocess.Process | None = None
        self._folder = tempfile.TemporaryDirectory(prefix="prepaid-sim-")

    async def async_start(self) -> None:
        """Start the simulator and wait until every bus is served."""
        ready = Path(self._folder.name) / "endpoints.json"
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            SIMULATOR,
            "--preset",
            self.preset,
            "--gateways",
            str(self.gateways),
            "--tcp",
            "127.0.0.1:0",
            "--ready-file",
            str(ready),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(START_TIMEOUT_S):
            while not ready.exists() or not ready.read_text():
                if self._process.returncode is not None:
                    raise RuntimeError(f"the simulator exited ({self._process.returncode})")
                await asyncio.sleep(0.1)
        self.endpoints = [(e["host"], int(e["port"])) for e in json.loads(ready.read_text())]
        if len(self.endpoints) != self.gateways:
            raise RuntimeError(f"the simulator serves {len(self.endpoints)} buses")

    async def _say(self, command: str, answer_prefix: str) -> str:
        """Send one stdin command and return its answer line (bus lines before it skipped)."""
        process = self._process
        assert process is not None
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(f"{command}\n".encode())
        await process.stdin.drain()
        while line := (await process.stdout.readline()).decode():
            if line.startswith(answer_prefix):
                return line.strip()
        raise RuntimeError(f"the simulator exited during {command!r}")

    async def advance(self, seconds: float) -> None:
        """Move the building's clock forward (the meters count meanwhile)."""
        await self._say(f"advance {seconds}", "now ")

    async def async_stop(self) -> None:
        """Stop the simulator."""
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            await self._process.wait()
        self._folder.cleanup()
