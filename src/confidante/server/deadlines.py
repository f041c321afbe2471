"""Uvicorn's HTTP protocol with a deadline for a request's headers, so slow clients are dropped.

Uvicorn waits for ever for the headers of a first request, and a client that sends a byte now
and then also stops the keep-alive timer. A thousand such sockets hold a thousand connections.
``HeaderDeadline`` closes a connection whose request line and headers have not all arrived
``header_seconds`` after it opened or after its last answer. (The body has its own deadline in
``middleware.Gatekeeper``.) ``confidante serve`` passes it to uvicorn as ``http=``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_SECONDS = 10.0


class HeaderDeadline(HttpToolsProtocol):
    """``HttpToolsProtocol`` that closes a connection whose headers are late."""

    header_seconds = HEADER_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.header_seconds, self._late)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _late(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's headers."""
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock."""
        self._disarm()
        super().connection_lost(exc)

    def on_headers_complete(self) -> None:
        """The headers arrived in time."""
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        """Start the clock again for the next request on this connection."""
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()


def with_deadline(seconds: float) -> type[HeaderDeadline]:
    """A ``HeaderDeadline`` with its own deadline (tests use a short one)."""
    return type("HeaderDeadline", (HeaderDeadline,), {"header_seconds": seconds})
