"""Load and isolation benchmark of the server, on 127.0.0.1 only, bounded in count and time.

    .venv/bin/python bench/bench_load.py                      # 200 sessions x 30 turns
    .venv/bin/python bench/bench_load.py --sessions 20 --turns 5 --json reports/load.json

What it does, in one run:

1. Starts ``confidante serve``'s app (memory store, phrasebook voice, rate limits off, the
   listener in the server process, as ``serve`` runs it) and a bare FastAPI echo endpoint (the
   floor), each on a free 127.0.0.1 port. (``bench_scale.py`` measures several processes behind
   a load balancer.)
2. Drives N concurrent sessions of T turns each over HTTP keep-alive (one connection per
   session, a minimal client so the client costs little). Every session talks about its own
   canary ("my friend Zorbel017x"); every reply is checked: no reply may name another session's
   canary (a leak), and every message must get its reply (none lost).
3. Drives the echo endpoint with the same pattern and the same message sizes: N sessions, T
   turns each and then on for as long as the server's run took, so that the floor meets the
   machine's slow stretches as often as the server did.
4. Times the engine alone (``Session.respond`` in this process, no server) on the same script.
5. Reports turn latency p50/p99 for both servers and the engine, and the server's memory per
   open session (RSS growth of the server process with all sessions open, divided by N).

Target: p99(server) <= 1.5 x p99(echo) + engine time under load, where engine time under load is
the engine's mean time per turn inside the server (``confidante_engine_seconds`` from /metrics)
times the number of concurrent sessions: one process answers its sessions one after another, so
a turn waits for the engine's work on every other session's turn as well as its own. The engine
alone (no server, one session at a time) is reported beside it.

A second reading of the same target puts the engine's own p99 wait in place of that mean: the
engine alone in this process answers N sessions in turn for T rounds, and the p99 of the
rounds' durations is how long the slowest turns wait for the engine's own work, slow stretches
of the machine included (``target_by_rounds_p99_ms``). ``replies_per_100ms`` shows how steady
the server's pace was: a slowest window far below the median means the machine was disturbed.

All sessions start their turns
together (a barrier), and so do the echo's, so start-up is not measured. The run fails (exit 1)
on any leak or lost message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from loadkit import HOST, Barrier, Connection, free_port, percentile, window_rates
from pydantic import BaseModel

METRICS_TOKEN = "bench-metrics-token"  # /metrics asks for the operator's token

MAX_SESSIONS = 1000
MAX_TURNS = 200
SCRIPT = (
    "My friend {canary} has stopped talking to me.",
    "I keep thinking about {canary} and what went wrong between us.",
    "Work has been hard too, everyone is so busy.",
    "I miss {canary}, we used to laugh a lot together.",
    "Maybe I should write to {canary} first, but I'm scared.",
    "My mother says I always push people away.",
    "I don't sleep well, I lie awake going over it.",
    "Last week I saw {canary} in town and we didn't speak.",
    "I feel stupid for caring so much.",
    "Sometimes I think nobody would notice if I stopped calling anyone.",
)


def canary(n: int) -> str:
    """The unique name session ``n`` talks about."""
    return f"Zorbel{n:03d}x"


CANARY = re.compile(r"Zorbel\d{3}x")


def message(n: int, turn: int) -> str:
    """Session ``n``'s message for ``turn``.

    Each session starts at its own point of the script, so every round mixes all its messages,
    as two hundred people would: if all said the same sentence at once, a round would cost that
    sentence's engine time two hundred times over, not the engine's mean time.
    """
    return SCRIPT[(turn + n) % len(SCRIPT)].format(canary=canary(n)) + f" ({turn + 1})"


# -- the servers (run in child processes) ------------------------------------------------------


def serve(kind: str, port: int, redis_url: str = "") -> None:
    """Run the Confidante app or the echo floor on 127.0.0.1:port until killed."""
    import uvicorn

    if kind == "confidante":
        from confidante import Settings
        from confidante.server import Limits, create_app

        settings = Settings(
            locale="en_US", minutes=600, redis_url=redis_url, metrics_token=METRICS_TOKEN
        )
        app: Any = create_app(settings, limits=Limits.unbounded())
    else:
        app = echo_app()
    # As `confidante serve` runs it (both servers alike): no proxy headers, no server header.
    uvicorn.run(
        app, host=HOST, port=port, access_log=False, log_level="warning",
        proxy_headers=False, server_header=False,
    )


class EchoSay(BaseModel):
    """The echo floor's body: the same shape as a message."""

    text: str


def echo_app() -> Any:
    """A bare FastAPI endpoint that parses a message and sends it back: the floor."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/echo")
    async def echo(body: EchoSay) -> dict[str, Any]:
        return {"reply": {"text": body.text}}

    return app


class Server:
    """A server child process."""

    def __init__(self, kind: str, redis_url: str = "") -> None:
        self.port = free_port()
        extra = ["--redis-url", redis_url] if redis_url else []
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", kind, "--port", str(self.port), *extra],
            stdout=subprocess.DEVNULL,
            stderr=None if os.environ.get("BENCH_SERVER_LOG") else subprocess.DEVNULL,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        """Block until the port accepts connections."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("server did not start in time")

    def rss_kib(self) -> int:
        """Resident memory of the server process, in KiB."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        return int(found.group(1)) if found else 0

    def stop(self) -> None:
        """Stop the child (its own process id, nothing broader)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# -- a minimal HTTP/1.1 keep-alive client ------------------------------------------------------


@dataclass
class SessionResult:
    """What one simulated person saw."""

    n: int
    latencies: list[float] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)  # perf_counter of each reply
    answered: int = 0
    leaks: list[str] = field(default_factory=list)
    echoed_own: int = 0
    errors: list[int] = field(default_factory=list)


async def person(n: int, turns: int, port: int, ready: Barrier, done: Barrier,
                 measured: asyncio.Event) -> SessionResult:
    """One person's session: start; when all have started, T turns; when all are done (and the
    memory reading is taken), the summary and the close."""
    result = SessionResult(n)
    conn = await Connection.open(port)
    try:
        status, created = await conn.request("POST", "/api/sessions", {})
        if status != 201:
            result.errors.append(status)
            await ready.wait()
            await done.wait()
            return result
        token = created["token"]
        await conn.request("POST", "/api/session/start", {"relief": 6}, token)
        await ready.wait()
        for turn in range(turns):
            begun = time.perf_counter()
            status, body = await conn.request(
                "POST", "/api/session/messages", {"text": message(n, turn)}, token
            )
            result.answered_at.append(time.perf_counter())
            result.latencies.append(result.answered_at[-1] - begun)
            if status != 200:
                result.errors.append(status)
                continue
            result.answered += 1
            check(result, body["reply"]["text"])
        await done.wait()  # every session is open with all its turns: memory is read now
        await measured.wait()
        # The server closes keep-alive connections idle for 5 s; the wait may have been longer.
        await conn.close()
        conn = await Connection.open(port)
        status, summary = await conn.request("POST", "/api/session/summary", None, token)
        if status == 200:
            check(result, summary["reply"]["text"])
        await conn.request("POST", "/api/session/close", {"relief": 4}, token)
    finally:
        await conn.close()
    return result


def check(result: SessionResult, reply: str) -> None:
    """Record any other session's canary in a reply (a leak), and our own echoes."""
    names = set(CANARY.findall(reply))
    own = canary(result.n)
    result.leaks.extend(sorted(names - {own}))
    result.echoed_own += own in names


async def echo_person(
    n: int, turns: int, port: int, ready: Barrier, seconds: float = 0.0
) -> list[float]:
    """The same pattern against the echo floor: T turns, and on until ``seconds`` have passed."""
    conn = await Connection.open(port)
    latencies = []
    try:
        await ready.wait()
        until = time.perf_counter() + seconds
        turn = 0
        while turn < turns or time.perf_counter() < until:
            begun = time.perf_counter()
            status, _ = await conn.request("POST", "/echo", {"text": message(n, turn)})
            latencies.append(time.perf_counter() - begun)
            assert status == 200
            turn += 1
    finally:
        await conn.close()
    return latencies


async def server_metrics(port: int) -> dict[str, float]:
    """Mean engine time and mean turn time as the server measured them (from /metrics)."""
    conn = await Connection.open(port)
    try:
        conn.writer.write(
            f"GET /metrics HTTP/1.1\r\nHost: {HOST}\r\n"
            f"Authorization: Bearer {METRICS_TOKEN}\r\n\r\n".encode()
        )
        await conn.writer.drain()
        await conn.reader.readline()
        length = 0
        while (line := await conn.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        text = (await conn.reader.readexactly(length)).decode()
    finally:
        await conn.close()

    def value(pattern: str) -> float:
        found = re.search(pattern + r" (\S+)$", text, re.MULTILINE)
        return float(found.group(1)) if found else 0.0

    engine_count = value(r"^confidante_engine_seconds_count") or 1.0
    turn_count = value(r'^confidante_turn_seconds_count\{channel="http"\}') or 1.0
    return {
        "engine_mean_ms": value(r"^confidante_engine_seconds_sum") / engine_count * 1000,
        "turn_mean_ms": value(r"^confidante_turn_seconds_sum\{channel=\"http\"\}")
        / turn_count
        * 1000,
    }


def engine_alone(sessions: int, turns: int) -> dict[str, float]:
    """Session.respond timed in this process (no server), on the same script."""
    from confidante import Listener, ManualClock, Settings
    from confidante.vault.sessionbox import new_session_token, seal_state

    listener = Listener.default(Settings(locale="en_US", minutes=600))
    times: list[float] = []
    sealed = 0
    for n in range(sessions):
        session = listener.session(clock=ManualClock(), rng=random.Random(n), minutes=600)
        session.open()
        for turn in range(turns):
            begun = time.perf_counter()
            session.respond(message(n, turn))
            times.append(time.perf_counter() - begun)
        sealed = max(sealed, len(seal_state(session.state.to_dict(), new_session_token().token)))
    return {
        "p50_ms": percentile(times, 50),
        "p99_ms": percentile(times, 99),
        "mean_ms": statistics.fmean(times) * 1000,
        "sealed_state_bytes": sealed,
    }


def engine_rounds(sessions: int, turns: int) -> list[float]:
    """The engine alone answering N sessions in turn, T rounds: each round's seconds.

    With every session waiting, one engine answers a session's message only after one message
    of every other session: a round is how long a turn waits for the engine's own work.
    """
    from confidante import Listener, ManualClock, Settings

    listener = Listener.default(Settings(locale="en_US", minutes=600))
    live = [
        listener.session(clock=ManualClock(), rng=random.Random(n), minutes=600)
        for n in range(sessions)
    ]
    for session in live:
        session.open()
    rounds = []
    for turn in range(turns):
        begun = time.perf_counter()
        for n, session in enumerate(live):
            session.respond(message(n, turn))
        rounds.append(time.perf_counter() - begun)
    return rounds


async def drive(sessions: int, turns: int, app: Server, echo: Server) -> dict[str, Any]:
    """Both load runs; returns the raw figures."""
    ready, done, measured = Barrier(sessions), Barrier(sessions + 1), asyncio.Event()
    rss_before = app.rss_kib()
    tasks = [
        asyncio.create_task(person(n, turns, app.port, ready, done, measured))
        for n in range(sessions)
    ]
    await ready.go.wait()
    began = time.perf_counter()
    await done.wait()
    app_seconds = time.perf_counter() - began
    rss_open = app.rss_kib()
    measured.set()
    results = await asyncio.gather(*tasks)
    inside = await server_metrics(app.port)
    echo_ready = Barrier(sessions)
    echo_tasks = [
        # As long as the server's run took: a shared machine has slow stretches, and the floor
        # must meet them as often as the server did, not slip between them in a second.
        asyncio.create_task(echo_person(n, turns, echo.port, echo_ready, app_seconds))
        for n in range(sessions)
    ]
    await echo_ready.go.wait()
    began = time.perf_counter()
    echo_runs = await asyncio.gather(*echo_tasks)
    echo_seconds = time.perf_counter() - began
    return {
        "results": results,
        "echo": [x for run in echo_runs for x in run],
        "rss_before_kib": rss_before,
        "rss_open_kib": rss_open,
        "app_seconds": app_seconds,
        "inside": inside,
        "echo_seconds": echo_seconds,
    }


async def warm(app: Server, echo: Server) -> None:
    """A few requests to each server, so imports and first-time work are not measured."""
    conn = await Connection.open(app.port)
    _, created = await conn.request("POST", "/api/sessions", {})
    await conn.request("POST", "/api/session/start", {"relief": None}, created["token"])
    for turn in range(5):
        await conn.request("POST", "/api/session/messages", {"text": message(999, turn)},
                           created["token"])
    await conn.request("POST", "/api/session/close", {"relief": None}, created["token"])
    await conn.close()
    conn = await Connection.open(echo.port)
    for turn in range(5):
        await conn.request("POST", "/echo", {"text": message(999, turn)})
    await conn.close()


def main() -> int:
    """Run the benchmark; print a report; exit 1 on a leak, a lost message or a timeout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=600, help="Seconds before giving up.")
    parser.add_argument("--json", type=Path, help="Also write the figures as JSON here.")
    parser.add_argument(
        "--redis-url",
        default="",
        help="Keep sessions sealed in this Redis (127.0.0.1 only) instead of process memory.",
    )
    parser.add_argument("--serve", choices=["confidante", "echo"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.redis_url)
        return 0
    if not (1 <= args.sessions <= MAX_SESSIONS and 1 <= args.turns <= MAX_TURNS):
        parser.error(f"sessions must be 1..{MAX_SESSIONS} and turns 1..{MAX_TURNS}")
    if args.redis_url and not re.match(r"^redis://(127\.0\.0\.1|localhost)[:/]", args.redis_url):
        parser.error("the benchmark runs on this machine only: use a redis://127.0.0.1 URL")
    engine = engine_alone(min(args.sessions, 20), args.turns)
    rounds = engine_rounds(args.sessions, args.turns)
    app = Server("confidante", args.redis_url)
    echo = Server("echo")
    try:
        app.wait_ready()
        echo.wait_ready()
        asyncio.run(asyncio.wait_for(warm(app, echo), 60))
        raw = asyncio.run(asyncio.wait_for(drive(args.sessions, args.turns, app, echo),
                                           args.timeout))
    except TimeoutError:
        print(f"Gave up after {args.timeout:.0f} s.", file=sys.stderr)
        return 1
    finally:
        app.stop()
        echo.stop()
    results: list[SessionResult] = raw["results"]
    latencies = [x for r in results for x in r.latencies]
    sent = args.sessions * args.turns
    answered = sum(r.answered for r in results)
    leaks = sum(len(r.leaks) for r in results)
    p99_app = percentile(latencies, 99)
    p99_echo = percentile(raw["echo"], 99)
    inside = raw["inside"]
    engine_under_load = inside["engine_mean_ms"] * args.sessions
    target = 1.5 * p99_echo + engine_under_load
    # The same with the engine's own p99 wait (its slowest rounds alone, with no server), for a
    # machine whose speed wanders: a mean hides the slow stretches that set a p99.
    rounds_p99 = percentile(rounds, 99)
    target_rounds = 1.5 * p99_echo + rounds_p99
    median_rate, slowest_rate = window_rates([x for r in results for x in r.answered_at])
    figures = {
        "store": "redis (sealed)" if args.redis_url else "memory",
        "sessions": args.sessions,
        "turns": args.turns,
        "cpus": os.cpu_count(),
        "messages_sent": sent,
        "messages_answered": answered,
        "lost": sent - answered,
        "leaks": leaks,
        "own_canary_echoed_in_replies": sum(r.echoed_own for r in results),
        "errors": sorted({s for r in results for s in r.errors}),
        "server_p50_ms": percentile(latencies, 50),
        "server_p99_ms": p99_app,
        "server_turns_per_s": sent / raw["app_seconds"],
        "echo_p50_ms": percentile(raw["echo"], 50),
        "echo_p99_ms": p99_echo,
        "echo_requests": len(raw["echo"]),
        "echo_requests_per_s": len(raw["echo"]) / raw["echo_seconds"],
        "engine_alone_p50_ms": engine["p50_ms"],
        "engine_alone_p99_ms": engine["p99_ms"],
        "engine_alone_mean_ms": engine["mean_ms"],
        "engine_in_server_mean_ms": inside["engine_mean_ms"],
        "server_turn_mean_ms": inside["turn_mean_ms"],
        "server_turn_service_ms": 1000 / (sent / raw["app_seconds"]),
        "echo_service_ms": 1000 * raw["echo_seconds"] / len(raw["echo"]),
        "engine_under_load_ms": engine_under_load,
        "target_p99_ms": target,
        "meets_target": p99_app <= target,
        "engine_alone_rounds_p50_ms": percentile(rounds, 50),
        "engine_alone_rounds_p99_ms": rounds_p99,
        "target_by_rounds_p99_ms": target_rounds,
        "meets_target_by_rounds": p99_app <= target_rounds,
        "replies_per_100ms_median": median_rate,
        "replies_per_100ms_slowest": slowest_rate,
        "sealed_state_bytes_at_end": engine["sealed_state_bytes"],
        "rss_before_kib": raw["rss_before_kib"],
        "rss_all_open_kib": raw["rss_open_kib"],
        "memory_per_session_kib": (raw["rss_open_kib"] - raw["rss_before_kib"]) / args.sessions,
    }
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        detail = {"figures": figures, "leaks": [asdict(r) for r in results if r.leaks]}
        args.json.write_text(json.dumps(detail, indent=2))
    return 0 if leaks == 0 and answered == sent and not figures["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
