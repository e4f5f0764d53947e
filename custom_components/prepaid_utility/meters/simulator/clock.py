"""The simulator's clock: real time, accelerated time, or time moved only by hand.

Every simulated counter integrates its load over this clock, so a test or soak run that
calls ``advance`` sees consistent counters, balances and alarms across the whole building.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class SimClock:
    """``now()`` = start + speed * elapsed real time + manual offset (``manual`` stops time)."""

    def __init__(
        self, start: datetime | None = None, *, speed: float = 1.0, manual: bool = False
    ) -> None:
        """Start at ``start`` (default: now, UTC)."""
        self.start = start or datetime.now(UTC)
        if self.start.tzinfo is None:
            raise ValueError("the simulator clock needs an aware start time")
        self.speed = 0.0 if manual else speed
        self._t0 = time.monotonic()
        self._offset = 0.0

    def now(self) -> datetime:
        """Return the simulated time."""
        elapsed = (time.monotonic() - self._t0) * self.speed + self._offset
        return self.start + timedelta(seconds=elapsed)

    def reset(self) -> None:
        """Count from ``start`` again from now on (after ``start`` or ``speed`` was changed)."""
        self._t0 = time.monotonic()
        self._offset = 0.0

    def freeze(self) -> None:
        """Stop the clock where it is now; from here on only ``advance`` moves it."""
        self._offset = (self.now() - self.start).total_seconds()
        self._t0 = time.monotonic()
        self.speed = 0.0

    def advance(self, seconds: float) -> None:
        """Jump forward by ``seconds`` of simulated time."""
        if seconds < 0:
            raise ValueError("the simulator clock does not go back")
        self._offset += seconds
