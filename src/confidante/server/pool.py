"""Engine processes beside the web process: the listener answers on other cores.

With the engine in the web process, one process does everything: each turn's HTTP work waits
behind every other session's engine work, and a request that just misses a poll of the event loop
can wait a whole extra round. ``EnginePool`` moves the desk (sessions, store and listener) into
``workers`` child processes (``server.worker``) and keeps only HTTP in the web process. Sessions
are sharded by their public id, so a session's turns always reach the process that holds it; each
engine answers its requests in arrival order. The web process routes, waits and never sees state.

It offers the desk's methods (``start``, ``act``, ``check``, ``drop``, ``run``, ``ping``,
``count``) with the same errors, so routes do not know which they have. An engine process that
dies is started again; its sessions are gone (404, as after a restart), and requests that were in
flight get 503 and may be sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import socket
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from confidante.listener import Listener
from confidante.server.desk import Live, session_id, touch
from confidante.server.problems import Problem
from confidante.server.store import StoreDown
from confidante.server.wire import encode, pack, read_frame, unpack
from confidante.settings import Settings
from confidante.vault.sessionbox import new_session_token

T = TypeVar("T")

log = logging.getLogger("confidante.server")


class EngineFailed(Exception):
    """An engine process raised something unexpected; the message is its type name only."""


class _Engine:
    """One engine process and the requests waiting on it."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.proc: subprocess.Popen[bytes] | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.ready = asyncio.Event()
        self.pump: asyncio.Task[None] | None = None
        self.broken = False  # it died and could not be started again (yet)

    def fail_pending(self) -> None:
        """Tell every waiting request that its engine went away (503: send it again)."""
        for future in self.pending.values():
            if not future.done():
                future.set_exception(Problem(503, "unavailable"))
        self.pending.clear()


def _child_env() -> dict[str, str]:
    """This environment, with this package importable even when it is not installed."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


class EnginePool:
    """The desk's interface, answered by ``workers`` engine processes."""

    def __init__(
        self, settings: Settings, *, workers: int, idle_seconds: int, start_seconds: float = 60
    ) -> None:
        if workers < 1:
            raise ValueError("an engine pool needs at least one worker; use Desk for none")
        self.settings = settings
        self.idle_seconds = idle_seconds
        self.start_seconds = start_seconds
        self._engines = [_Engine(i) for i in range(workers)]
        self._ids = itertools.count(1)
        self._turn = itertools.count()  # round-robin for stateless work
        self._launch_lock: asyncio.Lock | None = None
        self._launched = False
        self._closing = False

    @property
    def workers(self) -> int:
        """How many engine processes answer."""
        return len(self._engines)

    @property
    def pids(self) -> list[int]:
        """The engine processes' ids, for operators (``ps``) and tests."""
        return [e.proc.pid for e in self._engines if e.proc is not None]

    @property
    def down(self) -> list[int]:
        """Engine processes (by index) that died and could not be started again yet."""
        return [e.index for e in self._engines if e.broken]

    @property
    def store_name(self) -> str:
        """Where sessions wait: ``memory`` (in the engine processes) or ``redis``."""
        return "redis" if self.settings.redis_url else "memory"

    # -- processes -----------------------------------------------------------------------------

    async def launch(self) -> None:
        """Start every engine process and wait until each has built its listener."""
        if self._launch_lock is None:
            self._launch_lock = asyncio.Lock()
        async with self._launch_lock:
            if self._launched:
                return
            await asyncio.gather(*(self._spawn(engine) for engine in self._engines))
            self._launched = True

    async def _spawn(self, engine: _Engine) -> None:
        ours, theirs = socket.socketpair()
        try:
            engine.proc = subprocess.Popen(
                [sys.executable, "-m", "confidante.server.worker", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                env=_child_env(),
            )
        finally:
            theirs.close()
        reader, writer = await asyncio.open_connection(sock=ours)
        writer.write(encode((self.settings, self.idle_seconds)))
        try:
            hello = await asyncio.wait_for(read_frame(reader), self.start_seconds)
        except TimeoutError:
            hello = None
        if hello != (0, "ok", "ready"):
            writer.close()
            _stop(engine.proc)
            raise RuntimeError(
                f"engine process {engine.index} did not start; run `confidante serve` with "
                "--engine-workers 0 to answer in the web process, and see the error above"
            )
        engine.writer = writer
        engine.pump = asyncio.create_task(self._read(engine, reader))
        engine.ready.set()

    async def _read(self, engine: _Engine, reader: asyncio.StreamReader) -> None:
        """Hand each reply to its request; when the process goes, fail the waiting and restart."""
        try:
            while (frame := await read_frame(reader)) is not None:
                self._deliver(engine, frame)
        except Exception as err:  # the stream is out of step: this engine cannot be trusted
            log.error("engine process %d sent %s; stopping it", engine.index, type(err).__name__)
            if engine.proc is not None:
                engine.proc.kill()
        engine.ready.clear()
        engine.fail_pending()
        if engine.writer is not None:
            engine.writer.close()
        if self._closing:
            return
        code = await asyncio.to_thread(_stop, engine.proc) if engine.proc else None
        log.warning("engine process %d stopped (exit %s); starting it again", engine.index, code)
        pause = 1.0
        while not self._closing:
            try:
                await self._spawn(engine)
                engine.broken = False
                return
            except RuntimeError:
                # Its sessions' requests get 503 at once meanwhile, not after a long wait.
                engine.broken = True
                log.error("engine process %d could not be started; trying again", engine.index)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)

    def _deliver(self, engine: _Engine, frame: tuple[Any, ...]) -> None:
        rid, outcome, *rest = frame
        future = engine.pending.pop(rid, None)
        if future is None or future.done():
            return  # its request was cancelled (the client went away)
        if outcome == "ok":
            try:
                future.set_result(unpack(rest[0]))
            except Exception as err:  # a value this process cannot rebuild: that request fails
                future.set_exception(EngineFailed(type(err).__name__))
        elif outcome == "problem":
            status, key, text, headers = rest
            future.set_exception(Problem(status, key, text=text, headers=headers))
        else:
            future.set_exception(EngineFailed(str(rest[0])))

    async def aclose(self) -> None:
        """Close the sockets (each engine process then exits) and wait for the processes."""
        self._closing = True
        for engine in self._engines:
            if engine.writer is not None:
                engine.writer.close()
            engine.fail_pending()
        for engine in self._engines:
            if engine.pump is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(engine.pump, 5)
            if engine.proc is not None:
                await asyncio.to_thread(_stop, engine.proc)

    # -- requests ------------------------------------------------------------------------------

    async def _call(self, engine: _Engine, *request: Any) -> Any:
        if not self._launched:
            await self.launch()
        if engine.broken:
            raise Problem(503, "unavailable")
        if not engine.ready.is_set():
            try:
                await asyncio.wait_for(engine.ready.wait(), self.start_seconds)
            except TimeoutError:
                raise Problem(503, "unavailable") from None
        assert engine.writer is not None
        rid = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        engine.pending[rid] = future
        try:
            kind, *args = request
            engine.writer.write(encode((rid, kind, pack(tuple(args)))))
            return await future
        finally:
            engine.pending.pop(rid, None)

    def _engine_for(self, sid: str) -> _Engine:
        return self._engines[zlib.crc32(sid.encode()) % len(self._engines)]

    async def start(
        self,
        action: Callable[[Live], T],
        *,
        minutes: int | None = None,
        locale: str | None = None,
        continuity: str | None = None,
        regular: str | None = None,
    ) -> tuple[str, T]:
        """Start a session in the engine process its new id belongs to (see ``Desk.start``)."""
        issued = new_session_token()
        options = {
            "minutes": minutes, "locale": locale, "continuity": continuity, "regular": regular
        }
        found: tuple[str, T] = await self._call(
            self._engine_for(issued.session_id), "start", issued, action, options
        )
        return found

    async def act(self, token: str | None, action: Callable[[Live], T]) -> tuple[T, bool]:
        """Run ``action`` on the token's session where it lives (see ``Desk.act``)."""
        found: tuple[T, bool] = await self._call(
            self._engine_for(session_id(token)), "act", token, action
        )
        return found

    async def check(self, token: str | None) -> None:
        """The same 401/404 as ``act`` unless the token opens a live session."""
        await self.act(token, touch)

    async def drop(self, token: str | None) -> bool:
        """Delete the token's session without running it (quick exit); True if there was one."""
        found: bool = await self._call(self._engine_for(session_id(token)), "drop", token)
        return found

    async def run(self, fn: Callable[[Listener], T]) -> T:
        """``fn(listener)`` with no session, in the next engine process in turn."""
        engine = self._engines[next(self._turn) % len(self._engines)]
        found: T = await self._call(engine, "run", fn)
        return found

    async def ping(self) -> bool:
        """True when every engine process answers and its store does."""
        try:
            answers = await asyncio.gather(*(self._call(e, "ping") for e in self._engines))
        except (Problem, EngineFailed):
            return False
        return all(answers)

    async def count(self) -> int:
        """Open sessions: the sum over the processes, or Redis's count when they share Redis."""
        try:
            if self.settings.redis_url:
                shared: int = await self._call(self._engines[0], "count")
                return shared
            counts = await asyncio.gather(*(self._call(e, "count") for e in self._engines))
        except EngineFailed as err:
            if str(err) == StoreDown.__name__:
                raise StoreDown from None
            raise
        return sum(counts)


def _stop(proc: subprocess.Popen[bytes]) -> int:
    """Wait for a process that was asked to stop, killing it if it will not; its exit code."""
    try:
        return proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()
