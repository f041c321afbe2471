"""How much the server takes: request sizes and rates, with token buckets kept in memory.

(With Redis, replicas share their buckets instead: see ``buckets``.)

Rates are counted per session for turns (the token's public id) and per client address for new
sessions and for the OpenAI-compatible endpoint; a front end's background task requests have a
bucket of their own. A replay for ``/v1`` is capped in messages and characters, and only
``replays`` run at once, so one long conversation cannot starve everyone else's turns.
Addresses are never stored as they are: each is keyed by an HMAC under a random key made when
the process starts, held only in memory and forgotten when idle, so the limiter cannot become
a record of who connected.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

from anyio import CapacityLimiter


@dataclass(frozen=True)
class Rate:
    """A token bucket: ``burst`` requests at once, refilled at ``per_minute``."""

    per_minute: float
    burst: int


@dataclass(frozen=True)
class Limits:
    """Every limit of one app; the defaults suit one person per session on a small machine."""

    body_bytes: int = 64 * 1024  # any API request body
    completions_body_bytes: int = 1024 * 1024  # a whole conversation, for /v1/chat/completions
    completions_messages: int = 200  # messages (of any role) in one completion request
    completions_chars: int = 24_000  # characters of the person's messages replayed for one
    replays: int = 1  # replays running at once (each holds the engine); the rest queue
    replays_waiting: int = 32  # queued replays beyond which a request is told to retry (503)
    max_tokens_floor: int = 200  # a smaller max_tokens is refused: safety text is sent whole
    turns: Rate = Rate(per_minute=30, burst=10)  # per session
    creates: Rate = Rate(per_minute=12, burst=6)  # new sessions per client address
    completions: Rate = Rate(per_minute=60, burst=20)  # per client address
    conversations: Rate = Rate(per_minute=20, burst=8)  # per conversation, trusted front end
    tasks: Rate = Rate(per_minute=240, burst=60)  # front-end task requests, per address
    idle_seconds: int = 30 * 60  # a quiet session is dropped after this long
    cue_poll_seconds: float = 20.0  # how often a WebSocket checks for a due time cue
    auth_seconds: float = 10.0  # a WebSocket must send its token within this time

    @classmethod
    def unbounded(cls) -> Limits:
        """No rate limits (sizes still apply): for benchmarks on 127.0.0.1 only."""
        free = Rate(per_minute=1e9, burst=10**9)
        return cls(turns=free, creates=free, completions=free, conversations=free, tasks=free)


class RateLimiter:
    """Token buckets by key; forgets the least recently used keys beyond ``max_keys``."""

    def __init__(self, rate: Rate, max_keys: int = 100_000) -> None:
        self._rate = rate
        self._max = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> tokens, at

    async def take(self, key: str) -> float:
        """Take one token: 0.0 when allowed, else the seconds to wait before the next one."""
        return self.take_now(key)

    def take_now(self, key: str) -> float:
        """``take`` without waiting on anything (the buckets are in this process)."""
        now = time.monotonic()
        per_second = self._rate.per_minute / 60.0
        tokens, at = self._buckets.pop(key, (float(self._rate.burst), now))
        tokens = min(float(self._rate.burst), tokens + (now - at) * per_second)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1.0 - tokens) / per_second if per_second > 0 else math.inf
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return wait

    async def forget(self, key: str) -> None:
        """Drop a key (a session that ended)."""
        self._buckets.pop(key, None)


class AddressKeys:
    """Turns a client address into an opaque key that changes with every process start."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    async def of(self, address: str | None) -> str:
        """The opaque key for ``address`` (unknown addresses share one key)."""
        raw = (address or "unknown").encode()
        return hmac.new(self._key, raw, hashlib.sha256).hexdigest()[:32]


def retry_after(wait: float) -> int:
    """Whole seconds for a Retry-After header (at least 1)."""
    return max(1, math.ceil(wait)) if math.isfinite(wait) else 3600


class ReplaySlots:
    """At most ``slots`` replays at once, and at most ``waiting`` queued behind them."""

    def __init__(self, slots: int, waiting: int) -> None:
        self._limiter = CapacityLimiter(slots)
        self._waiting = waiting

    @property
    def full(self) -> bool:
        """True when the queue is full (the caller answers 503 with Retry-After)."""
        return self._limiter.statistics().tasks_waiting >= self._waiting

    @property
    def limiter(self) -> CapacityLimiter:
        """The limiter to hold while a replay runs."""
        return self._limiter
