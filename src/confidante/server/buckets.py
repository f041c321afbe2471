"""Rate limits shared by every replica: token buckets and the address key, kept in Redis.

With ``CONFIDANTE_REDIS_URL`` set, several server processes answer the same people, so a limit
counted in one process's memory would let a client multiply its rate by the number of replicas.
Here each bucket is a Redis hash updated by one script (atomic, on Redis's own clock) that
expires once it would be full again. Client addresses are keyed as in ``limits.AddressKeys``, by
an HMAC under a key for the day, derived from a secret the replicas share outside Redis (the
file ``CONFIDANTE_ADDRESS_KEY_FILE``, made 0600 on first use): a dump of Redis alone cannot
link a bucket to an address, and yesterday's buckets cannot be linked to today's.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from redis.asyncio import Redis
from redis.exceptions import RedisError

from confidante.errors import ConfigError
from confidante.paths import user_dir
from confidante.server.limits import Rate
from confidante.server.store import StoreDown
from confidante.settings import Settings

_PREFIX = "confidante:rate:"
_KEY_BYTES = 32

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


def address_key(settings: Settings) -> bytes:
    """The shared secret for address keys, read from its file, which is made (0600) if missing."""
    path = Path(settings.address_key_file or user_dir() / "address.key").expanduser()
    if not path.exists():
        try:
            _make_key_file(path)
        except OSError as err:
            raise ConfigError(
                f"Cannot make the address key file {path} ({err.strerror}); set "
                "CONFIDANTE_ADDRESS_KEY_FILE to a file every replica can read."
            ) from None
    try:
        key = path.read_bytes()
    except OSError as err:
        raise ConfigError(
            f"Cannot read the address key file {path} ({err.strerror}); check its permissions."
        ) from None
    if len(key) < 16:
        raise ConfigError(
            f"The address key file {path} holds under 16 bytes; delete it (a new one is made) "
            "or write 32 random bytes to it."
        )
    return key


def _make_key_file(path: Path) -> None:
    """Write a new key beside ``path`` (0600), then link it into place: workers that start
    together never read a file that is made but not yet written, and the first one wins."""
    spare = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(_KEY_BYTES))
        with contextlib.suppress(FileExistsError):  # another worker's key is in place: use it
            os.link(spare, path)
    finally:
        spare.unlink()


class SharedAddressKeys:
    """Opaque keys for client addresses, the same in every replica that holds the secret, for
    one UTC day."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._day = ""
        self._key = b""

    def _current(self) -> bytes:
        day = datetime.now(UTC).date().isoformat()
        if day != self._day:
            self._key = hmac.new(self._secret, b"address-day\x00" + day.encode(), "sha256").digest()
            self._day = day
        return self._key

    async def of(self, address: str | None) -> str:
        """The opaque key for ``address`` (unknown addresses share one key)."""
        raw = (address or "unknown").encode()
        return hmac.new(self._current(), raw, hashlib.sha256).hexdigest()[:32]
