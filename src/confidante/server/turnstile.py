"""The turnstile: the engine's work in the event loop, one request per loop pass, in arrival order.

When the engine runs in the event loop (the phrasebook), each request's work holds the loop. An
event loop runs every task that is ready in one pass and only then sends what they wrote
(uvloop queues writes to the end of the pass), so under load a reply that was ready early waits
for a whole pass of other sessions' work, and a request that just misses a pass waits for two.
The turnstile lets one request's work through per pass, in the order they came, so each reply
leaves as soon as it is made and every session waits its fair turn.
"""

from __future__ import annotations

import asyncio
from collections import deque


class Turnstile:
    """Lets callers through one at a time, first come first served, at most one per loop pass."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy = False
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def __aenter__(self) -> None:
        """Wait for this caller's turn (``async with turnstile:`` holds it for the block)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # A new loop (a test client's, or after a restart): nothing from the old one waits.
            self._loop, self._busy = loop, False
            self._waiters.clear()
        if not self._busy:
            self._busy = True
            return
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._leave()  # the turn was handed over just as this caller gave up: pass it on
            raise

    async def __aexit__(self, *_exc: object) -> None:
        """Pass the turn on."""
        self._leave()

    def _leave(self) -> None:
        if self._hand_over():
            return
        # Nobody waits: stay shut until the next pass, so no one else goes through in this one.
        assert self._loop is not None
        self._loop.call_soon(self._open)

    def _open(self) -> None:
        if not self._hand_over():
            self._busy = False

    def _hand_over(self) -> bool:
        """Give the turn to the first live waiter (its task runs in the next pass)."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return True
        return False
