"""The desk: hands each request its session, rebuilt from sealed state, and seals it again after.

A request brings a token; the desk looks the sealed record up by the token's public id, opens it
with the token's key, rebuilds the ``Session`` with the shared listener, runs the route's action,
seals the new state and writes it back (compare-and-set). The token lives only for that request.
A session that closed is deleted instead of written back. Every failure to open a session, for
whatever reason (unknown, ended, expired, another token), gets the same 404 and reveals nothing.

The random choices of a session continue across requests from a seed sealed with the state, and
the engine runs in a worker thread so a slow voice never stalls the server.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from anyio import to_thread

from confidante.conversation import SessionState
from confidante.errors import InputError, SessionEndedError, TamperedError, WrongKeyError
from confidante.listener import Listener
from confidante.server.problems import Problem
from confidante.server.store import SessionStore
from confidante.session.clock import Clock
from confidante.session.hour import Session
from confidante.vault.sessionbox import new_session_token, open_state, parse_token, seal_state

T = TypeVar("T")

_FORMAT = 1
_SEED_MIX = 1_000_003  # spreads (seed, step) over the generator's seed space


@dataclass
class Live:
    """A session rebuilt for one request, with what the server keeps beside its state."""

    session: Session
    summary: str | None = None  # the summary's words, for a regular's note
    regular: str | None = None  # the handle of a regular who opened their note


class _Locks:
    """One asyncio lock per session id in this process, dropped when nobody waits on it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


def session_id(token: str | None) -> str:
    """The token's public id; 401 when there is no token or it is malformed."""
    if not token:
        raise Problem(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
    try:
        return parse_token(token)[0]
    except WrongKeyError:
        raise Problem(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"}) from None


def _no_session() -> Problem:
    return Problem(404, "no_session")


class Desk:
    """Opens, runs and seals sessions for requests; holds no token and no plaintext state."""

    def __init__(
        self,
        listener: Listener,
        store: SessionStore,
        clock: Clock,
        *,
        idle_seconds: int,
        threaded: bool = True,
    ) -> None:
        self.listener = listener
        self.store = store
        self.clock = clock
        self.idle_seconds = idle_seconds
        self.threaded = threaded
        self._locks = _Locks()

    async def _run(self, fn: Callable[[], T]) -> T:
        if self.threaded:
            return await to_thread.run_sync(fn)
        return fn()

    def _session(self, state: SessionState | None, seed: int, step: int, **new: Any) -> Session:
        rng = random.Random(seed * _SEED_MIX + step)
        if state is None:
            return self.listener.session(clock=self.clock, rng=rng, **new)
        return self.listener.session(
            clock=self.clock, rng=rng, minutes=state.minutes, locale=state.locale, state=state
        )

    def _seal(self, live: Live, seed: int, step: int, token: str) -> tuple[bytes, int]:
        envelope = {
            "v": _FORMAT,
            "state": live.session.state.to_dict(),
            "seed": seed,
            "step": step,
            "summary": live.summary,
            "regular": live.regular,
        }
        ttl = int(live.session.seconds_left()) + self.idle_seconds
        return seal_state(envelope, token), ttl

    async def start(
        self,
        action: Callable[[Live], T],
        *,
        minutes: int | None = None,
        locale: str | None = None,
        continuity: str | None = None,
        regular: str | None = None,
    ) -> tuple[str, T]:
        """Start a session, run ``action`` on it and store it; returns the new token and result."""
        issued = new_session_token()
        seed = secrets.randbits(48)

        def work() -> tuple[T, bytes, int]:
            session = self._session(
                None, seed, 0, minutes=minutes, locale=locale, continuity=continuity
            )
            live = Live(session=session, regular=regular)
            result = action(live)
            blob, ttl = self._seal(live, seed, 1, issued.token)
            return result, blob, ttl

        result, blob, ttl = await self._run(work)
        if not await self.store.create(issued.session_id, blob, ttl):
            raise Problem(503, "unavailable")
        return issued.token, result

    async def act(self, token: str | None, action: Callable[[Live], T]) -> tuple[T, bool]:
        """Run ``action`` on the token's session and keep the result; returns it and whether
        the session is still open (a closed one is deleted)."""
        sid = session_id(token)
        assert token is not None
        async with self._locks.hold(sid):
            blob = await self.store.load(sid)
            if blob is None:
                raise _no_session()

            def work() -> tuple[T, bytes | None, int]:
                try:
                    envelope = open_state(blob, token)
                    state = SessionState.from_dict(envelope["state"])
                    seed, step = int(envelope["seed"]), int(envelope["step"])
                except (WrongKeyError, TamperedError, KeyError, TypeError, ValueError):
                    raise _no_session() from None
                live = Live(
                    session=self._session(state, seed, step),
                    summary=envelope.get("summary"),
                    regular=envelope.get("regular"),
                )
                try:
                    result = action(live)
                except SessionEndedError:
                    raise _no_session() from None
                if live.session.closed:
                    return result, None, 0
                new_blob, ttl = self._seal(live, seed, step + 1, token)
                return result, new_blob, ttl

            result, new_blob, ttl = await self._run(work)
            if new_blob is None:
                await self.store.delete(sid)
                return result, False
            if not await self.store.replace(sid, blob, new_blob, ttl):
                raise Problem(409, "busy")
            return result, True

    async def check(self, token: str | None) -> None:
        """Raise the same 401/404 as ``act`` unless the token opens a live session."""
        await self.act(token, lambda live: None)

    async def drop(self, token: str | None) -> bool:
        """Delete the token's session without opening it (quick exit); True if there was one.

        Only a token whose key opens the record may delete it, so a bare session id (which is
        not secret in the same way) cannot end someone else's session.
        """
        sid = session_id(token)
        assert token is not None
        async with self._locks.hold(sid):
            blob = await self.store.load(sid)
            if blob is None:
                return False
            try:
                open_state(blob, token)
            except (WrongKeyError, TamperedError):
                return False
            return await self.store.delete(sid)


def input_problem(err: InputError) -> Problem:
    """An InputError (empty, binary) as a 400 with the session's own reviewed wording."""
    return Problem(400, "invalid", text=str(err))  # session prompts never quote the message
