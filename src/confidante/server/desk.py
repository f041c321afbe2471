"""The desk: hands each request its session, rebuilt from the store, and parks it again after.

A request brings a token; the desk finds the record by the token's public id, opens it with the
token (``SessionStore.from_record``), rebuilds the ``Session`` with the shared listener, runs the
route's action, packs the new state and writes it back (compare-and-set). The token lives only
for that request. A session that closed is deleted instead of written back (or, closed with an
Idempotency-Key, kept a minute as its goodbye alone, for a resend of that close). Every failure
to open a session, for whatever reason (unknown, ended, expired, another token), gets the same 404.

A session has a hard lifetime: its minutes and ``GRACE_SECONDS`` for the close. Writes never
stretch a record's time to live past that, and a request that comes later is answered with the
close (410) and the session is deleted.

The random choices of a session continue across requests from a seed kept with the state. The
engine runs in a worker thread when the voice may block (a model voice), at most ``threads`` at
once, so a few slow replies cannot take every thread and stall the rest; the phrasebook answers
in milliseconds, so with it the desk runs the engine in the event loop and saves the hop.

One desk serves one process. For more cores or machines run several processes (``serve
--workers N`` or replicas) over one Redis: each request finds its session there, whichever
process it reaches, and the compare-and-set write keeps two processes from losing a turn.
"""

from __future__ import annotations

import asyncio
import math
import random
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from anyio import CapacityLimiter, to_thread

from confidante.conversation import Phase, SessionState
from confidante.errors import InputError, SessionEndedError, WrongKeyError
from confidante.listener import Listener
from confidante.server.problems import Problem
from confidante.server.store import NoSession, Parked, SessionStore, StoreDown
from confidante.session.clock import Clock
from confidante.session.hour import Session
from confidante.vault.sessionbox import new_session_token, parse_token

T = TypeVar("T")

_SEED_MIX = 1_000_003  # spreads (seed, step) over the generator's seed space
GRACE_SECONDS = 15 * 60  # after the hour: time for the summary, the note and the goodbye
# A close sent with an Idempotency-Key keeps its goodbye this long, in case its answer is lost
# (a replica dying mid-close) and the load balancer or the client sends it again.
CLOSE_KEPT_SECONDS = 60
#: Marks a kept goodbye's key: no client's key has a ':', so a message's never matches a close's.
CLOSE_MARK = "close:"

#: Voices that never wait on anything (no network, no model): safe to run in the event loop.
INLINE_VOICES = frozenset({"phrasebook", "fake"})


@dataclass
class Live:
    """A session rebuilt for one request, with what the server keeps beside its state."""

    session: Session
    regular: str | None = None  # the handle of a regular who opened their note
    note_kept: bool = False  # a session keeps at most one note in the vault
    answered: tuple[str, str] | None = None  # the last turn's Idempotency-Key and its body


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


async def _io(call: Awaitable[T]) -> T:
    """A store call; 503 when the store does not answer."""
    try:
        return await call
    except StoreDown:
        raise Problem(503, "unavailable") from None


class Desk:
    """Opens, runs and parks sessions for requests; keeps no token."""

    def __init__(
        self,
        listener: Listener,
        store: SessionStore,
        clock: Clock,
        *,
        idle_seconds: int,
        threaded: bool | None = None,
        in_flight: int = 16,
        threads: int = 8,
    ) -> None:
        self.listener = listener
        self.store = store
        self.clock = clock
        self.idle_seconds = idle_seconds
        self.threaded = (
            listener.voice.name not in INLINE_VOICES if threaded is None else threaded
        )
        self._locks = _Locks()
        # At most this many requests are between their store read and write at once; the rest
        # wait their turn in order. Without it, under load every request's store reply waits
        # behind every other request's engine work, and a few wait very long.
        self._slots = asyncio.Semaphore(in_flight)
        # Engine work in worker threads (a model voice, a /v1 replay) takes one of these; the
        # rest wait in order, so the event loop and the store's replies are never crowded out.
        self._threads = CapacityLimiter(threads)

    async def _run(self, fn: Callable[[], T]) -> T:
        if self.threaded:
            return await to_thread.run_sync(fn, limiter=self._threads)
        return fn()

    def _session(self, state: SessionState | None, seed: int, step: int, **new: Any) -> Session:
        rng = random.Random(seed * _SEED_MIX + step)
        if state is None:
            return self.listener.session(clock=self.clock, rng=rng, **new)
        return self.listener.session(
            clock=self.clock, rng=rng, minutes=state.minutes, locale=state.locale, state=state
        )

    def _park(self, live: Live, seed: int, step: int, token: str) -> tuple[Any, int]:
        parked = Parked(
            live.session.state, seed, step, live.regular, live.note_kept, live.answered
        )
        session = live.session
        # Quiet for the idle time, or past the hard lifetime, whichever comes first.
        ttl = min(session.seconds_left() + self.idle_seconds, _life_left(session))
        return self.store.to_record(parked, token), max(1, math.ceil(ttl))

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

        def work() -> tuple[T, Any, int]:
            session = self._session(
                None, seed, 0, minutes=minutes, locale=locale, continuity=continuity
            )
            live = Live(session=session, regular=regular)
            result = action(live)
            record, ttl = self._park(live, seed, 1, issued.token)
            return result, record, ttl

        async with self._slots:
            result, record, ttl = await self._run(work)
            if not await _io(self.store.create(issued.session_id, record, ttl)):
                raise Problem(503, "unavailable")
        return issued.token, result

    async def act(
        self,
        token: str | None,
        action: Callable[[Live], T],
        *,
        before: Callable[[Parked], Awaitable[T | None]] | None = None,
    ) -> tuple[T, bool]:
        """Run ``action`` on the token's session and keep the outcome; returns the action's
        result and whether the session is still open (a closed one is deleted).

        ``before``, if given, first sees the session as it was parked, under the session's
        lock: what it returns is the answer instead (the action does not run and nothing is
        written), or None to go on (a turn resent with its key; the turn's rate limit).
        """
        sid = session_id(token)
        assert token is not None
        async with self._locks.hold(sid), self._slots:
            record = await _io(self.store.fetch(sid))
            if record is None:
                raise _no_session()

            def unpark() -> Parked:
                try:
                    return self.store.from_record(record, token)
                except NoSession:
                    raise _no_session() from None

            def work(opened: Parked | None) -> tuple[T, Any, int, bool]:
                parked = opened or unpark()
                if parked.state.phase is Phase.CLOSED:  # a goodbye kept only for its resend
                    raise _no_session()
                live = Live(
                    session=self._session(parked.state, parked.seed, parked.step),
                    regular=parked.regular,
                    note_kept=parked.note_kept,
                    answered=parked.answered,
                )
                if _life_left(live.session) <= 0:
                    return _OVER, None, 0, False
                try:
                    result = action(live)
                except SessionEndedError:
                    raise _no_session() from None
                if live.session.closed:
                    return (result, *self._kept_goodbye(live, parked, token), False)
                new_record, ttl = self._park(live, parked.seed, parked.step + 1, token)
                return result, new_record, ttl, True

            opened = None
            if before is not None:
                opened = await self._run(unpark)
                early = await before(opened)
                if early is not None:
                    return early, True
            result, new_record, ttl, still_open = await self._run(partial(work, opened))
            if new_record is None:
                await _io(self.store.delete(sid))
                if result is _OVER:
                    raise Problem(410, "closed")
                return result, False
            replaced = self.store.replace(sid, record, new_record, ttl, counted=still_open)
            if not await _io(replaced):
                raise Problem(409, "busy")
            return result, still_open

    def _kept_goodbye(self, live: Live, parked: Parked, token: str) -> tuple[Any, int]:
        """A closed session's record and time to live: none (it is deleted), or, for a close
        sent with an Idempotency-Key, the closed state (everything said already dropped) and
        the goodbye, for ``CLOSE_KEPT_SECONDS``, so the same close sent again gets it."""
        if live.answered is None or not live.answered[0].startswith(CLOSE_MARK):
            return None, 0
        kept = Parked(live.session.state, parked.seed, parked.step + 1, answered=live.answered)
        return self.store.to_record(kept, token), CLOSE_KEPT_SECONDS

    async def run(self, fn: Callable[[Listener], T]) -> T:
        """``fn(listener)`` with no session (a stateless replay), in a worker thread: it may be
        long, and must not hold up other sessions' turns."""
        return await to_thread.run_sync(fn, self.listener, limiter=self._threads)

    @property
    def store_name(self) -> str:
        """Where sessions wait: ``memory`` or ``redis``."""
        return self.store.name

    async def ping(self) -> bool:
        """True when the store answers."""
        return await self.store.ping()

    async def count(self) -> int:
        """Open sessions in the store (StoreDown when it does not answer)."""
        return await self.store.count()

    async def aclose(self) -> None:
        """Let go of the store's connections."""
        await self.store.aclose()

    async def check(self, token: str | None) -> None:
        """Raise the same 401/404 as ``act`` unless the token opens a live session."""
        await self.act(token, touch)

    async def drop(self, token: str | None) -> bool:
        """Delete the token's session without running it (quick exit); True if there was one.

        Only the token that opens the record may delete it, so a session id alone (a part of the
        token) cannot end someone else's session.
        """
        sid = session_id(token)
        assert token is not None
        async with self._locks.hold(sid):
            record = await _io(self.store.fetch(sid))
            if record is None:
                return False
            try:
                self.store.from_record(record, token)
            except NoSession:
                return False
            return await _io(self.store.delete(sid))


_OVER: Any = object()  # what ``act``'s work returns for a session past its hard lifetime


def _life_left(session: Session) -> float:
    """Seconds until the session's hard end: its minutes and the grace for the close."""
    return session.state.minutes * 60 + GRACE_SECONDS - session.elapsed()


def touch(live: Live) -> None:
    """An action that changes nothing: running it proves a token opens a live session."""
    return None


def input_problem(err: InputError) -> Problem:
    """An InputError (empty, binary) as a 400 with the session's own reviewed wording."""
    return Problem(400, "invalid", text=str(err))  # session prompts never quote the message
