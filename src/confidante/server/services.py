"""What every route of one app shares: settings, the desk, the vault's notes, limits, metrics.

One ``Services`` is made by ``create_app`` and hung on ``app.state``; routes reach it with
``services_of(request)``, so nothing lives in module globals.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from anyio import CapacityLimiter
from fastapi import FastAPI
from redis.asyncio import Redis
from starlette.requests import HTTPConnection

from confidante.server.buckets import SharedAddressKeys, SharedRateLimiter, address_key
from confidante.server.desk import Desk
from confidante.server.limits import (
    AddressKeys,
    Limits,
    Rate,
    RateLimiter,
    ReplaySlots,
    retry_after,
)
from confidante.server.metrics import Metrics
from confidante.server.notes import Notes
from confidante.server.problems import Problem
from confidante.server.store import StoreDown
from confidante.settings import Settings

#: Notes kept per client address: each is an Argon2id run of 64 MiB (see ``api.remember``).
NOTES = Rate(per_minute=3, burst=3)

#: ``openapi_extra`` of a route that needs the session token (see ``declare_bearer``).
BEARER: dict[str, Any] = {"security": [{"session_token": []}]}


@dataclass
class Services:
    """The shared parts of one app."""

    settings: Settings
    desk: Desk
    limits: Limits
    metrics: Metrics = field(default_factory=Metrics)
    # With Redis the rate limits are shared by every replica; else kept in this process.
    redis: Redis | None = None
    addresses: AddressKeys | SharedAddressKeys = field(init=False)
    creates: RateLimiter | SharedRateLimiter = field(init=False)
    turns: RateLimiter | SharedRateLimiter = field(init=False)
    completions: RateLimiter | SharedRateLimiter = field(init=False)
    notes: RateLimiter | SharedRateLimiter = field(init=False)
    # Each Argon2id stretch takes 64 MiB: a few at a time, so a burst cannot exhaust memory.
    vault_slots: CapacityLimiter = field(default_factory=lambda: CapacityLimiter(2))
    # /v1 replays queue for the engine here; front-end task requests have a bucket of their own.
    replays: ReplaySlots = field(init=False)
    tasks: RateLimiter = field(init=False)
    conversations: RateLimiter | SharedRateLimiter = field(init=False)  # trusted front end
    vault: Notes = field(init=False)  # the app's one vault, for regulars' notes

    def __post_init__(self) -> None:
        self.vault = Notes(self.settings.database_url)
        self.replays = ReplaySlots(self.limits.replays, self.limits.replays_waiting)
        self.tasks = RateLimiter(self.limits.tasks)  # no engine work: kept per process
        self.conversations = (
            RateLimiter(self.limits.conversations)
            if self.redis is None
            else SharedRateLimiter(self.redis, self.limits.conversations, "conversations")
        )
        if self.redis is None:
            self.addresses = AddressKeys()
            self.creates = RateLimiter(self.limits.creates)
            self.turns = RateLimiter(self.limits.turns)
            self.completions = RateLimiter(self.limits.completions)
            self.notes = RateLimiter(NOTES)
        else:
            # Never from Redis: a dump of it must not link buckets to addresses.
            self.addresses = SharedAddressKeys(address_key(self.settings))
            self.creates = SharedRateLimiter(self.redis, self.limits.creates, "creates")
            self.turns = SharedRateLimiter(self.redis, self.limits.turns, "turns")
            self.completions = SharedRateLimiter(self.redis, self.limits.completions, "completions")
            self.notes = SharedRateLimiter(self.redis, NOTES, "notes")

    async def limit(self, limiter: RateLimiter | SharedRateLimiter, key: str) -> None:
        """Take a token from ``limiter`` for ``key``, or raise 429 with Retry-After (503 when
        the shared limits' store does not answer)."""
        try:
            wait = await limiter.take(key)
        except StoreDown:
            raise Problem(503, "unavailable") from None
        if wait > 0:
            seconds = retry_after(wait)
            raise Problem(429, "rate", headers={"Retry-After": str(seconds)}, seconds=seconds)

    async def address_key(self, conn: HTTPConnection) -> str:
        """An opaque key for the client's address (for rate limits only)."""
        try:
            return await self.addresses.of(conn.client.host if conn.client else None)
        except StoreDown:
            raise Problem(503, "unavailable") from None

    def check_length(self, text: str) -> None:
        """400 for text that is not valid Unicode, 413 when it is longer than the settings allow."""
        try:
            text.encode("utf-8")  # a lone surrogate (JSON "\\ud800") cannot be sealed or sent
        except UnicodeEncodeError:
            raise Problem(400, "bad_text") from None
        limit = self.settings.max_message_chars
        if len(text.strip()) > limit:
            raise Problem(413, "too_long", limit=limit)


def services_of(conn: HTTPConnection) -> Services:
    """The app's Services, from a request or WebSocket."""
    found: Services = conn.app.state.services
    return found


def bearer_token(conn: HTTPConnection) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None (the routes answer 401).

    Read by hand rather than through a FastAPI dependency: it is on every turn's path.
    """
    scheme, _, value = conn.headers.get("authorization", "").partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


def declare_bearer(app: FastAPI) -> None:
    """Add the session token's Bearer scheme to ``app``'s OpenAPI schema."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes["session_token"] = {
                "type": "http",
                "scheme": "bearer",
                "description": "The session token from POST /api/sessions.",
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class Stopwatch:
    """Seconds since it was made (for the turn latency histogram)."""

    def __init__(self) -> None:
        self._begun = time.perf_counter()

    def seconds(self) -> float:
        """Seconds elapsed."""
        return time.perf_counter() - self._begun
