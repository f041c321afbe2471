"""Where sealed session state waits between requests: process memory, or Redis for replicas.

Both stores hold only what ``vault.sessionbox`` sealed under the person's token, keyed by the
token's public session id, so neither can read a conversation: the server keeps no token after
a request. Every record has a time to live, refreshed on each write, so an abandoned session
disappears on its own. Writes are compare-and-set (``replace`` names the blob it read), so two
requests racing on one session never lose a turn silently: the loser is told to try again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, cast

from redis.asyncio import Redis

_PREFIX = "confidante:session:"
_INDEX = "confidante:sessions"  # sorted set: session id -> expiry, for the open-sessions gauge

# KEYS[1] record, KEYS[2] index; ARGV: expected blob, new blob, ttl seconds, session id, expiry.
_CAS = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
  return 1
end
return 0
"""


class SessionStore(Protocol):
    """Sealed blobs by session id, each with a time to live."""

    name: str

    async def create(self, session_id: str, blob: bytes, ttl: int) -> bool:
        """Store a new record; False if the id is taken."""
        ...

    async def load(self, session_id: str) -> bytes | None:
        """The record, or None when there is none (never was, ended, or expired)."""
        ...

    async def replace(self, session_id: str, expected: bytes, blob: bytes, ttl: int) -> bool:
        """Swap ``expected`` for ``blob``; False (and no change) if the record moved meanwhile."""
        ...

    async def delete(self, session_id: str) -> bool:
        """Drop the record; True if there was one."""
        ...

    async def count(self) -> int:
        """How many records are live (for the open-sessions gauge)."""
        ...

    async def ping(self) -> bool:
        """True when the store answers."""
        ...

    async def aclose(self) -> None:
        """Let go of connections."""
        ...


class MemoryStore:
    """Sealed records in this process's memory; the default for a single server process."""

    name = "memory"

    def __init__(
        self, max_records: int = 100_000, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._records: dict[str, tuple[bytes, float]] = {}
        self._max = max_records
        self._now = now  # seconds on a steady scale; tests pass a clock they can move

    def _live(self, session_id: str) -> bytes | None:
        found = self._records.get(session_id)
        if found is None:
            return None
        if found[1] <= self._now():
            del self._records[session_id]
            return None
        return found[0]

    def _sweep(self) -> None:
        now = self._now()
        for key in [k for k, (_, until) in self._records.items() if until <= now]:
            del self._records[key]

    async def create(self, session_id: str, blob: bytes, ttl: int) -> bool:
        """Store a new record; False if the id is taken or memory is full of live sessions."""
        if len(self._records) >= self._max:
            self._sweep()
            if len(self._records) >= self._max:
                return False
        if self._live(session_id) is not None:
            return False
        self._records[session_id] = (blob, self._now() + ttl)
        return True

    async def load(self, session_id: str) -> bytes | None:
        """The record, or None."""
        return self._live(session_id)

    async def replace(self, session_id: str, expected: bytes, blob: bytes, ttl: int) -> bool:
        """Compare-and-set with a fresh time to live."""
        if self._live(session_id) != expected:
            return False
        self._records[session_id] = (blob, self._now() + ttl)
        return True

    async def delete(self, session_id: str) -> bool:
        """Drop the record."""
        return self._records.pop(session_id, None) is not None

    async def count(self) -> int:
        """Live records."""
        self._sweep()
        return len(self._records)

    async def ping(self) -> bool:
        """Memory always answers."""
        return True

    async def aclose(self) -> None:
        """Drop every record (the process is going away)."""
        self._records.clear()


class RedisStore:
    """Sealed records in Redis with a TTL, shared by stateless server replicas."""

    name = "redis"

    def __init__(self, url: str) -> None:
        # Timeouts keep a stalled Redis from hanging requests; the routes answer 503 instead.
        self._redis = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._cas = self._redis.register_script(_CAS)

    async def create(self, session_id: str, blob: bytes, ttl: int) -> bool:
        """SET NX with a TTL, and index the id for counting."""
        created = await self._redis.set(_PREFIX + session_id, blob, ex=ttl, nx=True)
        if created:
            await self._redis.zadd(_INDEX, {session_id: time.time() + ttl})
        return bool(created)

    async def load(self, session_id: str) -> bytes | None:
        """GET the record."""
        found = await self._redis.get(_PREFIX + session_id)
        return cast("bytes | None", found)

    async def replace(self, session_id: str, expected: bytes, blob: bytes, ttl: int) -> bool:
        """Atomic compare-and-set in a Lua script."""
        done = await self._cas(
            keys=[_PREFIX + session_id, _INDEX],
            args=[expected, blob, ttl, session_id, time.time() + ttl],
        )
        return bool(done)

    async def delete(self, session_id: str) -> bool:
        """DEL the record and its index entry."""
        removed = await self._redis.delete(_PREFIX + session_id)
        await self._redis.zrem(_INDEX, session_id)
        return bool(removed)

    async def count(self) -> int:
        """Index entries not yet expired (expired ones are pruned first)."""
        await self._redis.zremrangebyscore(_INDEX, "-inf", time.time())
        return int(await self._redis.zcard(_INDEX))

    async def ping(self) -> bool:
        """PING, False on any connection error."""
        try:
            return bool(await self._redis.ping())
        except OSError:
            return False
        except Exception:  # redis-py wraps socket errors in its own types
            return False

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


def store_for(redis_url: str) -> SessionStore:
    """The store the settings ask for: Redis when a URL is set, else process memory."""
    return RedisStore(redis_url) if redis_url else MemoryStore()
