"""The session clock: injectable, so that tests can run an hour in a millisecond."""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Anything that tells the time in seconds on a steady scale."""

    def now(self) -> float:
        """Seconds on a monotonic scale; only differences matter."""
        ...


class SystemClock:
    """The real, monotonic clock."""

    def now(self) -> float:
        """Seconds from ``time.monotonic``."""
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to: for tests, replays and evaluation."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        """The current manual time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (never backwards)."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds


class WallClock:
    """Wall-clock seconds (``time.time``): for state shared by server replicas on many hosts."""

    def now(self) -> float:
        """Seconds since the epoch."""
        return time.time()
