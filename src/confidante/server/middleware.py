"""ASGI middleware: the error shield, security headers, body size limits and a discreet request log.

All are plain ASGI (no ``BaseHTTPMiddleware``), so WebSockets and streaming pass through
untouched and each request costs a few attribute lookups.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, MutableMapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from confidante.server.metrics import Metrics
from confidante.server.problems import INTERNAL, error_body, message

log = logging.getLogger("confidante.server")

#: The page loads only its own files; no inline script or style, no frames, no other origins.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    # Nothing a person sees or says is worth caching anywhere, and a page restored from the
    # back-forward cache would undo a quick exit.
    (b"cache-control", b"no-store"),
)


def _json_start(status: int, extra: tuple[tuple[bytes, bytes], ...] = ()) -> Message:
    return {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), *extra],
    }


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send(_json_start(status, ((b"content-length", str(len(payload)).encode()),)))
    await send({"type": "http.response.body", "body": payload})


class Shield:
    """Turns any unexpected exception into a bare 500 and logs only its type, never its text.

    With ``debug`` (``CONFIDANTE_DEBUG=1`` for ``confidante serve``) the traceback is logged
    too, for a developer's own machine: it may show what was said.
    """

    def __init__(self, app: ASGIApp, debug: bool = False) -> None:
        self.app = app
        self.debug = debug

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; on an unexpected error answer 500 (HTTP) or close with 1011 (WebSocket)."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(msg: Message) -> None:
            nonlocal started
            if msg["type"] in ("http.response.start", "websocket.accept", "websocket.close"):
                started = True
            await send(msg)

        try:
            await self.app(scope, receive, tracked)
        except Exception as err:
            # The message or traceback of an exception may quote what a person said: type only.
            log.error("unexpected %s while serving a request", type(err).__name__)
            if self.debug:
                log.exception("the traceback (CONFIDANTE_DEBUG=1; it may quote a person)")
            if started:
                return
            if scope["type"] == "http":
                await _send_json(send, 500, error_body(500, INTERNAL))
            else:
                await send({"type": "websocket.close", "code": 1011})


class SecurityHeaders:
    """Adds the Content-Security-Policy and friends to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass through, adding headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                names = {name.lower() for name, _ in msg.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in names]
                msg["headers"] = [*msg.get("headers", []), *extra]
            await send(msg)

        await self.app(scope, receive, with_headers)


class BodyLimit:
    """Refuses request bodies over a limit with 413 before the app reads them."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for  # path -> byte limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check Content-Length, then buffer up to the limit and replay the body to the app."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = limit + 1
                if declared > limit:
                    await self._refuse(send, limit)
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(send, limit)
                return
            chunks.append(chunk)
            if not msg.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        await _send_json(send, 413, error_body(413, message("errors.too_large", limit=limit)))


class RequestLog:
    """Counts error responses and, if asked, logs method, path, status and milliseconds:
    never addresses, headers, queries or bodies."""

    def __init__(self, app: ASGIApp, metrics: Metrics, log: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Watch the status; count errors, and log one line when the request finishes."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        begun = time.perf_counter()
        status: MutableMapping[str, int] = {"code": 500}

        async def watch(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                status["code"] = int(msg["status"])
            await send(msg)

        try:
            await self.app(scope, receive, watch)
        finally:
            self.metrics.error(status["code"])
            if self.log:
                # An unknown path is whatever someone typed: say it was unknown, not what it was.
                path = scope["path"] if status["code"] != 404 else "(unknown path)"
                log.info(
                    "%s %s %d %.1fms",
                    scope["method"],
                    path[:100],
                    status["code"],
                    (time.perf_counter() - begun) * 1000,
                )
