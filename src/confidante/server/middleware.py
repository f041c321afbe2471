"""ASGI middleware: the Host allow-list, the error shield, security headers, body size and time
limits and a discreet request log.

One plain ASGI layer (no ``BaseHTTPMiddleware``) does all of them, so WebSockets and streaming
pass through untouched and a request costs one wrapper of ``send``, not several.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from confidante.server.hosts import HostList
from confidante.server.metrics import Metrics
from confidante.server.problems import INTERNAL, body_for, message

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

#: What the request log and metrics call a request whose client hung up before the answer
#: (nginx's "client closed request"): not a server error.
CLIENT_GONE = 499
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: WebSocket close codes: 4000 + the HTTP status the same refusal gets over HTTP.
_CLOSE_BASE = 4000


def _json_start(status: int, extra: tuple[tuple[bytes, bytes], ...] = ()) -> Message:
    return {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), *extra],
    }


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _template(scope: Scope) -> str:
    """The route's template (``/api/session/messages``), never the path as it was typed."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "(unknown path)"


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


class Gatekeeper:
    """Every request's gatekeeper, outermost first: the security headers on every HTTP response; a
    discreet request log that counts error responses and, if asked, logs method, route template,
    status and milliseconds (never paths as typed, addresses, headers, queries or bodies); the
    Host allow-list (400, or a WebSocket closed with 4400, and 4403 for another site's Origin);
    the error shield, which turns any unexpected exception into a bare 500 (HTTP) or a close with
    1011 (WebSocket) and logs only its type, never its text; and the body limits, which refuse
    request bodies over a size with 413 before the app reads them, and bodies that do not arrive
    within ``body_seconds`` with 408. A client that hangs up is counted as gone (499), not as 500.
    Its own refusals take the error shape of the path (OpenAI's under ``/v1``, see ``problems``).

    With ``debug`` (``CONFIDANTE_DEBUG=1`` for ``confidante serve``) the shield logs the
    traceback too, for a developer's own machine: it may show what was said.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        limit_for: Callable[[str], int],
        hosts: HostList | None = None,
        body_seconds: float = 15.0,
        log: bool = False,
        debug: bool = False,
    ) -> None:
        self.app = app
        self.hosts = hosts or HostList(["*"])
        self.body_seconds = body_seconds
        self.metrics = metrics
        self.limit_for = limit_for  # path -> byte limit
        self.log = log
        self.debug = debug

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check an HTTP request or a WebSocket; anything else passes through."""
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
                if not self.hosts.allows_host(_header(scope, b"host")):
                    await _refuse(scope, reply, 400, "unknown_host")
                elif not await self._limited(scope, receive, reply):
                    status = CLIENT_GONE
            except (ClientDisconnect, ConnectionError):
                if not started:
                    status = CLIENT_GONE  # the client went away: nobody to answer, no fault here
            except Exception as err:
                self._shielded(err)
                if not started:
                    await _send_json(reply, 500, body_for(scope["path"], 500, "internal", INTERNAL))
        finally:
            if status == CLIENT_GONE:
                self.metrics.client_gone()
            else:
                self.metrics.error(status)
            if self.log:
                # A path as typed may hold anything: only the route it matched is logged.
                log.info(
                    "%s %s %d %.1fms",
                    scope["method"] if scope["method"] in _METHODS else "(other method)",
                    _template(scope),
                    status,
                    (time.perf_counter() - begun) * 1000,
                )

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Check Content-Length, then buffer up to the limit and replay the body to the app;
        False when the client hung up first."""
        limit = self.limit_for(scope["path"])
        declared = _header(scope, b"content-length")
        if declared is not None:
            size = int(declared) if declared.strip().isdigit() else limit + 1
            if size > limit:
                await _refuse(scope, send, 413, "too_large", limit=limit)
                return True
        try:
            async with asyncio.timeout(self.body_seconds):
                first = await self._body(receive, limit)
        except TimeoutError:
            # A body that trickles in holds a connection and a task: it is not waited for.
            await _refuse(scope, send, 408, "too_slow")
            return True
        if first is None:
            return False
        if first["type"] == "too_large":
            await _refuse(scope, send, 413, "too_large", limit=limit)
            return True
        whole: Message | None = first

        async def replay() -> Message:
            nonlocal whole
            if whole is not None:
                msg, whole = whole, None
                return msg
            return await receive()

        await self.app(scope, replay, send)
        return True

    @staticmethod
    async def _body(receive: Receive, limit: int) -> Message | None:
        """The whole body as one message (``too_large`` past ``limit``); None on a hang-up."""
        first = await receive()
        if first["type"] == "http.disconnect":
            return None
        size = len(first.get("body", b""))
        if size > limit:
            return {"type": "too_large"}
        if not first.get("more_body", False):
            return first
        chunks = [first.get("body", b"")]
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return None
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > limit:
                return {"type": "too_large"}
            chunks.append(chunk)
            if not msg.get("more_body", False):
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.hosts.allows_host(_header(scope, b"host")):
            await send({"type": "websocket.close", "code": _CLOSE_BASE + 400})
            return
        if not self.hosts.allows_origin(_header(scope, b"origin")):
            # Another site's page (or a rebinding one): refused before it opens.
            reason = message("errors.unwelcome_origin")[:120]
            await send({"type": "websocket.close", "code": _CLOSE_BASE + 403, "reason": reason})
            return
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


async def _refuse(scope: Scope, send: Send, status: int, key: str, **slots: object) -> None:
    """A refusal before the app runs, in the error shape of the request's path (OpenAI's on
    ``/v1``); its code is the message's key."""
    text = message(f"errors.{key}", **slots)
    await _send_json(send, status, body_for(scope["path"], status, key, text))
