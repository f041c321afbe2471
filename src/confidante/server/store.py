"""Where a session waits between requests: this process's memory, or Redis (sealed) for replicas.

A store keeps a ``Parked`` session (its state plus what the server keeps beside it) under the
token's public session id, in a form of its own (a *record*):

* ``MemoryStore`` (the default) keeps the live objects with a keyed hash of the token, so a
  request must bring the token to reach its session; nothing is serialised, so a turn costs
  only the engine's time. The process holds the conversation while it lasts, as the terminal does.
* ``RedisStore`` seals the state with ``vault.sessionbox`` under the key the token carries, so
  what sits in Redis is unreadable without the token, which the server never keeps.

Both give every record a time to live, refreshed on each write, so an abandoned session goes
away on its own. Writes are compare-and-set (``replace`` names the record it read): two requests
racing on one session never lose a turn silently; the loser is told to try again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from confidante.conversation import SessionState
from confidante.errors import TamperedError, WrongKeyError
from confidante.vault.sessionbox import open_state, seal_state

_PREFIX = "confidante:session:"
_INDEX = "confidante:sessions"  # sorted set: session id -> expiry, for the open-sessions gauge
_FORMAT = 1

# KEYS[1] record, KEYS[2] index; ARGV: expected blob, new blob, ttl seconds, session id, expiry.
_CAS = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
  return 1
end
return 0
"""


class NoSession(Exception):
    """The token does not open this record (another token, or changed bytes)."""


class StoreDown(Exception):
    """The store did not answer (routes say 503 and to try again)."""


@dataclass
class Parked:
    """A session between requests: its state, the seed of its choices, and the server's notes."""

    state: SessionState
    seed: int
    step: int  # requests served so far; with the seed it sets each request's random choices
    regular: str | None = None  # the handle of a regular who opened their note
    note_kept: bool = False  # the session has kept its one note in the vault
    # The Idempotency-Key of the last answered turn and its response body (JSON), so a resent
    # message gets the same reply; it lives and goes with the session, sealed like the rest.
    answered: tuple[str, str] | None = None


class SessionStore(Protocol):
    """Parked sessions by session id, each with a time to live. ``to_record`` and
    ``from_record`` are CPU work (the desk runs them beside the engine); the others are I/O."""

    name: str

    def to_record(self, parked: Parked, token: str) -> Any:
        """The record to store for ``parked``, bound to ``token``."""
        ...

    def from_record(self, record: Any, token: str) -> Parked:
        """The parked session in ``record``; NoSession when ``token`` does not open it."""
        ...

    async def create(self, session_id: str, record: Any, ttl: int) -> bool:
        """Store a new record; False if the id is taken or there is no room."""
        ...

    async def fetch(self, session_id: str) -> Any | None:
        """The record, or None when there is none (never was, ended, or expired)."""
        ...

    async def replace(
        self, session_id: str, expected: Any, record: Any, ttl: int, *, counted: bool = True
    ) -> bool:
        """Swap ``expected`` for ``record``; False (and no change) if it moved meanwhile.
        ``counted=False`` keeps a record that is not an open session (a kept goodbye)."""
        ...

    async def delete(self, session_id: str) -> bool:
        """Drop the record; True if there was one."""
        ...

    async def count(self) -> int:
        """How many open sessions are live (for the open-sessions gauge)."""
        ...

    async def ping(self) -> bool:
        """True when the store answers."""
        ...

    async def aclose(self) -> None:
        """Let go of connections."""
        ...


@dataclass(frozen=True)
class _Held:
    parked: Parked
    verifier: bytes  # keyed hash of the token: proves a request holds it, reveals nothing


class MemoryStore:
    """Live sessions in this process's memory: the default for a single server process."""

    name = "memory"

    def __init__(
        self, max_records: int = 100_000, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._records: dict[str, tuple[_Held, float]] = {}
        self._uncounted: set[str] = set()  # records that are not open sessions (kept goodbyes)
        self._max = max_records
        self._now = now  # seconds on a steady scale; tests pass a clock they can move
        self._key = secrets.token_bytes(32)  # made per process, never stored

    def _verifier(self, token: str) -> bytes:
        return hmac.new(self._key, token.encode(), hashlib.sha256).digest()

    def to_record(self, parked: Parked, token: str) -> _Held:
        """Hold the objects as they are, with the token's keyed hash."""
        return _Held(parked, self._verifier(token))

    def from_record(self, record: Any, token: str) -> Parked:
        """The parked session, if the token's keyed hash matches."""
        held = cast(_Held, record)
        if not hmac.compare_digest(held.verifier, self._verifier(token)):
            raise NoSession
        return held.parked

    def _live(self, session_id: str) -> _Held | None:
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

    async def create(self, session_id: str, record: Any, ttl: int) -> bool:
        """Store a new record; False if the id is taken or memory is full of live sessions."""
        if len(self._records) >= self._max:
            self._sweep()
            if len(self._records) >= self._max:
                return False
        if self._live(session_id) is not None:
            return False
        self._records[session_id] = (cast(_Held, record), self._now() + ttl)
        return True

    async def fetch(self, session_id: str) -> _Held | None:
        """The record, or None."""
        return self._live(session_id)

    async def replace(
        self, session_id: str, expected: Any, record: Any, ttl: int, *, counted: bool = True
    ) -> bool:
        """Compare-and-set (by identity) with a fresh time to live."""
        if self._live(session_id) is not expected:
            return False
        self._records[session_id] = (cast(_Held, record), self._now() + ttl)
        if counted:
            self._uncounted.discard(session_id)
        else:
            self._uncounted.add(session_id)
        return True

    async def delete(self, session_id: str) -> bool:
        """Drop the record."""
        self._uncounted.discard(session_id)
        return self._records.pop(session_id, None) is not None

    async def count(self) -> int:
        """Live records, less the kept goodbyes."""
        self._sweep()
        self._uncounted &= self._records.keys()
        return len(self._records) - len(self._uncounted)

    async def ping(self) -> bool:
        """Memory always answers."""
        return True

    async def aclose(self) -> None:
        """Nothing to let go of; the records go with the process."""


class RedisStore:
    """Sealed records in Redis with a TTL, shared by stateless server replicas."""

    name = "redis"

    def __init__(self, url: str, max_connections: int = 64) -> None:
        # A blocking pool makes a burst of requests wait for a connection instead of failing.
        # The timeouts keep a stalled Redis from hanging requests for ever (they answer 503);
        # the read timeout is generous because a busy server reads replies late, not Redis.
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=30,
            socket_timeout=30,
            socket_connect_timeout=5,
        )
        self._redis = Redis(connection_pool=pool)
        self._cas = self._redis.register_script(_CAS)

    def to_record(self, parked: Parked, token: str) -> bytes:
        """Seal the state and notes under the token's key (sessionbox)."""
        envelope = {
            "v": _FORMAT,
            "state": parked.state.to_dict(),
            "seed": parked.seed,
            "step": parked.step,
            "regular": parked.regular,
            "kept": parked.note_kept,
            "answered": list(parked.answered) if parked.answered else None,
        }
        return seal_state(envelope, token)

    def from_record(self, record: Any, token: str) -> Parked:
        """Open a sealed record; NoSession for another token or changed bytes."""
        try:
            envelope = open_state(cast(bytes, record), token)
            answered = envelope.get("answered")  # absent in records sealed before it existed
            return Parked(
                state=SessionState.from_dict(envelope["state"]),
                seed=int(envelope["seed"]),
                step=int(envelope["step"]),
                regular=envelope.get("regular"),
                note_kept=bool(envelope.get("kept", False)),
                answered=(str(answered[0]), str(answered[1])) if answered else None,
            )
        except (WrongKeyError, TamperedError, KeyError, IndexError, TypeError, ValueError):
            raise NoSession from None

    async def create(self, session_id: str, record: Any, ttl: int) -> bool:
        """SET NX with a TTL, and index the id for counting."""
        try:
            created = await self._redis.set(_PREFIX + session_id, record, ex=ttl, nx=True)
            if created:
                await self._redis.zadd(_INDEX, {session_id: time.time() + ttl})
        except RedisError:
            raise StoreDown from None
        return bool(created)

    async def fetch(self, session_id: str) -> bytes | None:
        """GET the record."""
        try:
            found = await self._redis.get(_PREFIX + session_id)
        except RedisError:
            raise StoreDown from None
        return cast("bytes | None", found)

    async def replace(
        self, session_id: str, expected: Any, record: Any, ttl: int, *, counted: bool = True
    ) -> bool:
        """Atomic compare-and-set in a Lua script. An uncounted record's index entry is dated
        0, so the open-sessions count prunes it at once."""
        until = time.time() + ttl if counted else 0
        try:
            done = await self._cas(
                keys=[_PREFIX + session_id, _INDEX], args=[expected, record, ttl, session_id, until]
            )
        except RedisError:
            raise StoreDown from None
        return bool(done)

    async def delete(self, session_id: str) -> bool:
        """DEL the record and its index entry."""
        try:
            removed = await self._redis.delete(_PREFIX + session_id)
            await self._redis.zrem(_INDEX, session_id)
        except RedisError:
            raise StoreDown from None
        return bool(removed)

    async def count(self) -> int:
        """Index entries not yet expired (expired ones are pruned first)."""
        try:
            await self._redis.zremrangebyscore(_INDEX, "-inf", time.time())
            return int(await self._redis.zcard(_INDEX))
        except RedisError:
            raise StoreDown from None

    async def ping(self) -> bool:
        """PING; False on any connection error (redis-py wraps them in its own types)."""
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


def store_for(redis_url: str) -> SessionStore:
    """The store the settings ask for: Redis when a URL is set, else process memory."""
    return RedisStore(redis_url) if redis_url else MemoryStore()
