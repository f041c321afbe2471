"""ASGI middleware: the error shield, security headers, body size limits and a discreet request log.

One plain ASGI layer (no ``BaseHTTPMiddleware``) does all four, so WebSockets and streaming pass
through untouched and a request costs one wrapper of ``send``, not four.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
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
_SECURITY_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)
_RESPONSE_STARTS = frozenset({"http.response.start", "websocket.accept", "websocket.close"})


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


def _secured(headers: Any) -> list[Any]:
    """The response's headers with every security header it does not set itself."""
    names = {name.lower() for name, _ in headers}
    if names.isdisjoint(_SECURITY_NAMES):
        return [*headers, *SECURITY_HEADERS]
    return [*headers, *((n, v) for n, v in SECURITY_HEADERS if n not in names)]


class Guard:
    """Every request's guard, outermost first: the security headers on every HTTP response; a
    discreet request log that counts error responses and, if asked, logs method, path, status
    and milliseconds (never addresses, headers, queries or bodies); the error shield, which turns
    any unexpected exception into a bare 500 (HTTP) or a close with 1011 (WebSocket) and logs only
    its type, never its text; and the body limit, which refuses request bodies over a limit with
    413 before the app reads them.

    With ``debug`` (``CONFIDANTE_DEBUG=1`` for ``confidante serve``) the shield logs the
    traceback too, for a developer's own machine: it may show what was said.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        limit_for: Callable[[str], int],
        log: bool = False,
        debug: bool = False,
        direct: Mapping[tuple[str, str], ASGIApp] | None = None,
    ) -> None:
        self.app = app
        # (method, path) -> a bare ASGI app that answers it without the framework's layers;
        # the guard's own work (limits, headers, shield, log) still wraps it.
        self.direct = dict(direct or {})
        self.metrics = metrics
        self.limit_for = limit_for  # path -> byte limit
        self.log = log
        self.debug = debug

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Guard an HTTP request or a WebSocket; anything else passes through."""
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        begun = time.perf_counter()
        status = 500  # what is counted if the app ends without answering
        started = False

        async def reply(msg: Message) -> None:
            nonlocal status, started
            if msg["type"] == "http.response.start":
                started = True
                status = int(msg["status"])
                msg["headers"] = _secured(msg.get("headers", ()))
            await send(msg)

        try:
            try:
                await self._limited(scope, receive, reply)
            except Exception as err:
                self._shielded(err)
                if not started:
                    await _send_json(reply, 500, error_body(500, INTERNAL))
        finally:
            self.metrics.error(status)
            if self.log:
                # An unknown path is whatever someone typed: say it was unknown, not what it was.
                path = scope["path"] if status != 404 else "(unknown path)"
                log.info(
                    "%s %s %d %.1fms",
                    scope["method"],
                    path[:100],
                    status,
                    (time.perf_counter() - begun) * 1000,
                )

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check Content-Length, then buffer up to the limit and replay the body to the app."""
        limit = self.limit_for(scope["path"])
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = limit + 1
                if declared > limit:
                    await _refuse(send, limit)
                    return
        first = await receive()
        if first["type"] == "http.disconnect":
            return
        size = len(first.get("body", b""))
        if size > limit:
            await _refuse(send, limit)
            return
        if first.get("more_body", False):
            chunks = [first.get("body", b"")]
            while True:
                msg = await receive()
                if msg["type"] == "http.disconnect":
                    return
                chunk = msg.get("body", b"")
                size += len(chunk)
                if size > limit:
                    await _refuse(send, limit)
                    return
                chunks.append(chunk)
                if not msg.get("more_body", False):
                    break
            first = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        whole: Message | None = first

        async def replay() -> Message:
            nonlocal whole
            if whole is not None:
                msg, whole = whole, None
                return msg
            return await receive()

        target = self.direct.get((scope["method"], scope["path"]), self.app)
        await target(scope, replay, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracked(msg: Message) -> None:
            nonlocal started
            if msg["type"] in _RESPONSE_STARTS:
                started = True
            await send(msg)

        try:
            await self.app(scope, receive, tracked)
        except Exception as err:
            self._shielded(err)
            if not started:
                await send({"type": "websocket.close", "code": 1011})

    def _shielded(self, err: Exception) -> None:
        # The message or traceback of an exception may quote what a person said: type only.
        log.error("unexpected %s while serving a request", type(err).__name__)
        if self.debug:
            log.exception("the traceback (CONFIDANTE_DEBUG=1; it may quote a person)")


async def _refuse(send: Send, limit: int) -> None:
    await _send_json(send, 413, error_body(413, message("errors.too_large", limit=limit)))
