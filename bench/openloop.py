"""The open-loop load driver of ``bench_load.py`` and ``bench_scale.py``, and its rate search.

Open loop, as people arrive: sessions start as a Poisson process and each sends its messages
after think times of its own, whatever the server's pace. A step starts with the sessions a
steady state would already have open (opened before the clock starts, each first message after
the rest of a think time), so no ramp is measured. A turn's latency runs from the moment its
message was due, not from when the driver got round to sending it: a busy engine in this
process, or a late load generator, shows in the latency as it would to a person.

Anything that opens, answers turns and finishes is a ``Visitor``: a person over HTTP
(``Person``), or what ``bench_load.py`` sets beside it (an echo endpoint, the engine alone).
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import secrets
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from loadkit import Connection, percentile

P99_MS = 100.0  # a rate is sustained while a turn's p99 stays within this
KEEP_ALIVE_S = 4.0  # the server drops idle connections after 5 s: a browser reconnects first


@dataclass(frozen=True)
class Think:
    """Seconds between one person's messages: uniform in [low, high], or exponential of mean
    ``low`` when ``high`` is 0."""

    low: float
    high: float = 0.0

    @property
    def mean(self) -> float:
        """The mean think time."""
        return (self.low + self.high) / 2 if self.high else self.low

    def draw(self, rng: random.Random) -> float:
        """One think time."""
        return rng.uniform(self.low, self.high) if self.high else rng.expovariate(1 / self.low)

    def rest(self, rng: random.Random) -> float:
        """What is left of a think time caught at a random moment (a steady state's first wait):
        a length-biased think time, cut at a uniform point."""
        if not self.high:
            return self.draw(rng)  # memoryless
        whole = math.sqrt(self.low**2 + rng.random() * (self.high**2 - self.low**2))
        return rng.random() * whole


@dataclass
class Seen:
    """What the simulated people saw in one step."""

    latencies: list[float] = field(default_factory=list)  # turns due inside the window
    sent: int = 0
    answered: int = 0
    lost_messages: int = 0
    lost_sessions: int = 0
    resent: int = 0
    server_errors: dict[int, int] = field(default_factory=dict)
    other_errors: dict[int, int] = field(default_factory=dict)
    broken: int = 0  # connections that broke under a request
    open_failed: int = 0
    leaks: int = 0  # replies naming another session's words
    echoed_own: int = 0  # replies naming the session's own words (the leak check has teeth)
    sessions: int = 0

    def status(self, code: int) -> None:
        """Count a status other than the one expected."""
        box = self.server_errors if code >= 500 else self.other_errors
        box[code] = box.get(code, 0) + 1


class Visitor(Protocol):
    """One session of a load step: ``send`` answers with an HTTP-like status (0: broken)."""

    async def open(self) -> bool: ...
    async def send(self, n: int) -> int: ...
    async def finish(self) -> None: ...
    async def leave(self) -> None: ...


class Person:
    """One session over its own keep-alive connection (to a server or a load balancer)."""

    def __init__(self, port: int, tally: Seen, rng: random.Random, lines: Sequence[str]) -> None:
        self.port = port
        self.tally = tally
        self.rng = rng
        self.lines = lines
        self.conn: Connection | None = None
        self.token = ""
        self.used = 0.0
        # Each message has an Idempotency-Key of its own, and keeps it (and its words) when it
        # is sent again: a resend is then answered once, never taken twice.
        self.keys = secrets.token_hex(6)  # not from ``rng``: the lines said stay as they were
        self.said: tuple[int, str] | None = None  # the last message: (n, its text)

    async def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """One request; a broken connection counts and answers as status 0."""
        try:
            if self.conn is not None and time.perf_counter() - self.used > KEEP_ALIVE_S:
                await self.close()
            if self.conn is None:
                self.conn = await Connection.open(self.port)
            answer = await self.conn.request(method, path, body, self.token or None, headers)
            self.used = time.perf_counter()
            return answer
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            self.tally.broken += 1
            await self.close()
            return 0, None

    def heard(self, text: str) -> None:
        """Look at a reply (``bench_load`` checks it for other sessions' words)."""

    async def open(self) -> bool:
        """Create the session and answer the check before the hour."""
        status, created = await self.call("POST", "/api/sessions", {})
        if status != 201:
            self.tally.open_failed += 1
            if status:
                self.tally.status(status)
            return False
        self.token = created["token"]
        self.heard(created["notice"]["text"])
        status, started = await self.call("POST", "/api/session/start", {"relief": 6})
        if status == 200:
            self.heard(started["reply"]["text"])
        return status == 200

    def line(self, n: int) -> str:
        """What the person says for message ``n``: one of their lines."""
        return self.lines[(n + self.rng.randrange(len(self.lines))) % len(self.lines)]

    async def send(self, n: int) -> int:
        """Message ``n``, with its Idempotency-Key (the same words and key when sent again)."""
        if self.said is None or self.said[0] != n:
            self.said = (n, self.line(n))
        key = {"Idempotency-Key": f"{self.keys}-{n}"}
        status, body = await self.call(
            "POST", "/api/session/messages", {"text": self.said[1]}, key
        )
        if status == 200:
            self.heard(body["reply"]["text"])
        return status

    async def finish(self) -> None:
        """The summary and the close, after the last message."""
        status, summary = await self.call("POST", "/api/session/summary")
        if status == 200:
            self.heard(summary["reply"]["text"])
        bye = {"Idempotency-Key": f"{self.keys}-close"}  # a close lost with a replica is retried
        await self.call("POST", "/api/session/close", {"relief": 5}, bye)
        self.token = ""

    async def close(self) -> None:
        """Hang up."""
        if self.conn is not None:
            await self.conn.close()
            self.conn = None

    async def leave(self) -> None:
        """End the session if it is still open (after the measurement), then hang up."""
        if self.token:
            await self.call("DELETE", "/api/session")
        await self.close()


@dataclass
class Load:
    """One step's shape."""

    rate: float  # turns per second offered
    seconds: float
    turns: int  # messages per session
    think: Think


async def _turn(
    visitor: Visitor, tally: Seen, n: int, due: float, window: tuple[float, float]
) -> bool:
    """Send one message (once more if its answer was lost); False when the session is gone."""
    tally.sent += 1
    for attempt in range(2):
        status = await visitor.send(n)
        if status == 200:
            tally.answered += 1
            if window[0] <= due < window[1]:
                tally.latencies.append(time.perf_counter() - due)
            return True
        if status:
            tally.status(status)
        if status == 404:
            tally.lost_sessions += 1
            tally.lost_messages += 1
            return False
        if attempt == 0 and status in (0, 502, 503):
            tally.resent += 1
            await asyncio.sleep(0.2)
            continue
        break
    tally.lost_messages += 1
    return True


async def _talk(
    visitor: Visitor,
    tally: Seen,
    turns: int,
    load: Load,
    rng: random.Random,
    window: tuple[float, float],
    standing: bool,
) -> None:
    """``turns`` messages, each due a think time after the last was due; none after the window."""
    due = time.perf_counter()
    for n in range(turns):
        due += load.think.rest(rng) if standing and n == 0 else load.think.draw(rng)
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        if due >= window[1] or not await _turn(visitor, tally, n, due, window):
            return
    await visitor.finish()


async def step(
    make: Callable[[Seen, random.Random], Visitor],
    load: Load,
    rng: random.Random,
    kill: Callable[[float], Coroutine[Any, Any, None]] | None = None,
) -> Seen:
    """Offer ``load`` to visitors from ``make`` for its seconds; returns the tally."""
    tally = Seen()
    arrivals = load.rate / load.turns  # sessions per second
    standing = max(1, round(load.rate * load.think.mean))  # open in the steady state
    people = [make(tally, random.Random(rng.random())) for _ in range(standing)]
    opened = await asyncio.gather(*(p.open() for p in people))
    tally.sessions = sum(opened)
    begun = time.perf_counter()
    window = (begun, begun + load.seconds)
    tasks = [
        asyncio.create_task(_talk(p, tally, rng.randint(1, load.turns), load, rng, window, True))
        for p, ok in zip(people, opened, strict=True)
        if ok
    ]

    async def newcomer(person: Visitor) -> None:
        if await person.open():
            tally.sessions += 1
            await _talk(person, tally, load.turns, load, rng, window, False)

    killer = asyncio.create_task(kill(begun)) if kill else None
    coming = begun
    while True:  # arrival times run on a clock of their own, not on the driver's lateness
        coming += rng.expovariate(arrivals)
        if coming >= window[1]:
            break
        await asyncio.sleep(max(0.0, coming - time.perf_counter()))
        person = make(tally, random.Random(rng.random()))
        people.append(person)
        tasks.append(asyncio.create_task(newcomer(person)))
    await asyncio.gather(*tasks)
    if killer is not None:
        await killer
    await asyncio.gather(*(p.leave() for p in people))
    return tally


def verdict(tally: Seen, load: Load) -> dict[str, Any]:
    """One step's figures, and whether it passed."""
    p99 = percentile(tally.latencies, 99) if tally.latencies else float("inf")
    errors = sum(tally.server_errors.values()) + sum(tally.other_errors.values())
    # Open loop: a server that falls behind shows it in the p99, as people would feel it.
    ok = (
        p99 <= P99_MS
        and errors == 0
        and tally.broken == 0
        and tally.lost_messages == 0
        and tally.leaks == 0
    )
    return {
        "offered_per_s": round(load.rate, 1),
        "answered_per_s": round(len(tally.latencies) / load.seconds, 1),
        "turns": len(tally.latencies),
        "p50_ms": round(percentile(tally.latencies, 50), 1) if tally.latencies else None,
        "p99_ms": round(p99, 1),
        "errors": {**tally.server_errors, **tally.other_errors},
        "broken": tally.broken,
        "lost": tally.lost_messages,
        "leaks": tally.leaks,
        "passed": ok,
    }


def search(
    measure: Callable[[float], dict[str, Any]], start: float, factor: float, budget: float
) -> tuple[float, list[dict[str, Any]]]:
    """The highest rate whose step passes: up by ``factor`` from ``start`` (down while none has
    passed), then halving the gap between the last pass and the first fail, within ``budget``
    seconds (a step begun in time is finished)."""
    steps: list[dict[str, Any]] = []
    best = passed = 0.0
    failed: float | None = None
    rate = start
    until = time.monotonic() + budget
    while time.monotonic() < until and rate >= 1.0:
        figures = measure(rate)
        steps.append(figures)
        print(json.dumps(figures), flush=True)
        if figures["passed"]:
            best, passed = max(best, rate), rate
        else:
            failed = rate
        if failed is None:
            rate *= factor
        elif not passed:
            rate /= factor
        elif failed / passed <= 1.1:
            break  # pinned down to within 10 %
        else:
            rate = (passed + failed) / 2
    return best, steps


async def warm(visitor: Visitor) -> None:
    """A session of a few turns: a server's first turn loads what it loads lazily (seconds),
    which is start-up, not load."""
    if await visitor.open():
        for n in range(3):
            await visitor.send(n)
    await visitor.leave()
