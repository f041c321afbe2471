"""Rate limits shared by every replica: token buckets and the address key, kept in Redis.

With ``CONFIDANTE_REDIS_URL`` set, several server processes answer the same people, so a limit
counted in one process's memory would let a client multiply its rate by the number of replicas.
Here each bucket is a Redis hash updated by one script (atomic, on Redis's own clock) that
expires once it would be full again. Client addresses are keyed as in ``limits.AddressKeys``, by
an HMAC, under a random key that the replicas share through Redis and that expires after a day,
so no lasting record of who connected can be built from what Redis holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import secrets
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from confidante.server.limits import Rate
from confidante.server.store import StoreDown

_PREFIX = "confidante:rate:"
_ADDRESS_KEY = "confidante:address-key"
_ADDRESS_KEY_SECONDS = 24 * 3600

# KEYS[1] bucket; ARGV: burst, tokens per second. Returns the wait in milliseconds (0: allowed).
_TAKE = """
local now = redis.call('TIME')
local at = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local burst = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2]) / 1000
local held = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(held[1]) or burst
local last = tonumber(held[2]) or at
tokens = math.min(burst, tokens + math.max(0, at - last) * per_ms)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', at)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / per_ms) + 1000)
return wait
"""


class SharedRateLimiter:
    """Token buckets by key in Redis, one set per ``name`` (turns, creates, completions)."""

    def __init__(self, redis: Redis, rate: Rate, name: str) -> None:
        self._redis = redis
        self._rate = rate
        self._name = name
        self._take = redis.register_script(_TAKE)

    async def take(self, key: str) -> float:
        """Take one token: 0.0 when allowed, else the seconds to wait before the next one."""
        per_second = self._rate.per_minute / 60.0
        if per_second <= 0:
            return math.inf
        try:
            wait_ms = await self._take(
                keys=[f"{_PREFIX}{self._name}:{key}"], args=[self._rate.burst, per_second]
            )
        except RedisError:
            raise StoreDown from None
        return int(wait_ms) / 1000.0

    async def forget(self, key: str) -> None:
        """Drop a key (a session that ended)."""
        with contextlib.suppress(RedisError):  # if not now, it expires on its own
            await self._redis.delete(f"{_PREFIX}{self._name}:{key}")


class SharedAddressKeys:
    """Opaque keys for client addresses, the same in every replica for up to a day."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._key: bytes | None = None
        self._until = 0.0

    async def _current(self) -> bytes:
        if self._key is None or time.monotonic() >= self._until:
            try:
                # The first replica to ask makes the key; the others read it.
                await self._redis.set(
                    _ADDRESS_KEY, secrets.token_bytes(32), nx=True, ex=_ADDRESS_KEY_SECONDS
                )
                key = await self._redis.get(_ADDRESS_KEY)
                ttl = await self._redis.ttl(_ADDRESS_KEY)
            except RedisError:
                raise StoreDown from None
            if not isinstance(key, bytes):
                raise StoreDown
            self._key = key
            self._until = time.monotonic() + max(1, min(int(ttl), 300))
        return self._key

    async def of(self, address: str | None) -> str:
        """The opaque key for ``address`` (unknown addresses share one key)."""
        raw = (address or "unknown").encode()
        return hmac.new(await self._current(), raw, hashlib.sha256).hexdigest()[:32]
