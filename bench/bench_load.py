"""Open-loop load benchmark of one server process, beside a bare echo and the engine alone.

    .venv/bin/python bench/bench_load.py                      # under 3 minutes
    .venv/bin/python bench/bench_load.py --compress 1 --json reports/load.json   # people's pace

People arrive as a Poisson process and each sends ``--turns`` messages, one every 10-30 s
(``--think``, uniform), whatever the server's pace (``openloop``: open loop, each turn timed from
the moment it was due). ``--compress K`` divides the think times by K so that a short run holds
K times fewer sessions open at once (the output says so); turns still arrive at the same rate.

What it does, in one run, on 127.0.0.1:

1. Starts ``confidante serve``'s app (its uvicorn options, the listener in the process, the
   phrasebook voice, sessions in memory or ``--redis-url``, rate limits off) and a bare FastAPI
   echo endpoint with the same options, each in a process of its own.
2. Searches the highest rate of turns the server sustains with turn p99 <= 100 ms and no error:
   up by ``--factor`` from ``--start-rate``, then halving the gap, within ``--budget`` seconds.
   The default start is a quarter of the engine's own pace (turns one after another, timed in
   this process), so that the search spends its steps near the answer.
3. At 50 % and 80 % of that rate offers the same load to the server, to the echo endpoint (the
   same messages, no session) and to the engine alone: the listener's ``respond`` in this
   process, one session object per person, no HTTP, no store.

Every session talks about its own canary ("my friend Zorbel00017x"); every reply, the echo's
included, is checked for another session's canary (a leak). Lost messages (no 200, even after
one resend), leaks and 5xx answers are counted over the whole run; any one fails it (exit 1).

Target, at 50 %: p99(server) - p99(engine alone) <= 2 x p99(echo): the server adds at most
twice what a bare endpoint costs to the engine's own p99. The load generator shares the
machine's cores with the server; ``load_average`` says how busy the machine was besides.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from loadkit import Proc, fast_loop, free_port, serve_replica, wait_port
from openloop import Load, Person, Seen, Think, Visitor, search, step, verdict, warm
from pydantic import BaseModel

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
CANARY = re.compile(r"Zorbel\d{5}x")
FRACTIONS = (0.5, 0.8)


def canary(n: int) -> str:
    """The unique name session ``n`` talks about."""
    return f"Zorbel{n:05d}x"


def lines_of(n: int) -> tuple[str, ...]:
    """Session ``n``'s script: its own canary in the shared sentences."""
    return tuple(line.format(canary=canary(n)) for line in SCRIPT)


def look(tally: Seen, own: str, text: str) -> None:
    """Count another session's canary in a reply (a leak), and our own."""
    names = set(CANARY.findall(text))
    tally.leaks += len(names - {own})
    tally.echoed_own += own in names


# -- the three visitors ------------------------------------------------------------------------


class Witness(Person):
    """A person whose every reply is checked for other sessions' canaries."""

    def __init__(self, port: int, tally: Seen, rng: random.Random, n: int) -> None:
        super().__init__(port, tally, rng, lines_of(n))
        self.own = canary(n)

    def heard(self, text: str) -> None:
        look(self.tally, self.own, text)


class Echo(Witness):
    """The same messages to the echo endpoint: a connection, no session."""

    async def open(self) -> bool:
        return True

    async def send(self, n: int) -> int:
        status, body = await self.call("POST", "/echo", {"text": self.line(n)})
        if status == 200:
            self.heard(body["reply"]["text"])
        return status

    async def finish(self) -> None:
        return None


class Alone:
    """The engine alone: the listener's session in this process, answering in the event loop
    as the server's desk runs the phrasebook (no HTTP, no store, no sealing)."""

    def __init__(self, listener: Any, tally: Seen, rng: random.Random, n: int) -> None:
        self.listener = listener
        self.tally = tally
        self.rng = rng
        self.lines = lines_of(n)
        self.own = canary(n)
        self.session: Any = None

    async def open(self) -> bool:
        from confidante.session.clock import WallClock

        self.session = self.listener.session(clock=WallClock(), rng=self.rng, minutes=600)
        look(self.tally, self.own, self.session.disclosure().text)
        self.session.set_relief_before(6)
        look(self.tally, self.own, self.session.open().text)
        return True

    async def send(self, n: int) -> int:
        text = self.lines[(n + self.rng.randrange(len(self.lines))) % len(self.lines)]
        look(self.tally, self.own, self.session.respond(text).text)
        return 200

    async def finish(self) -> None:
        look(self.tally, self.own, self.session.summary().text)
        self.session.set_relief_after(5)
        self.session.close()
        self.session = None

    async def leave(self) -> None:
        self.session = None


# -- the servers (run in child processes) ------------------------------------------------------


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


class Bench:
    """The two servers, the engine and every step's tally, for one run."""

    def __init__(self, args: argparse.Namespace, env: dict[str, str]) -> None:
        from confidante import Listener, Settings

        self.args = args
        self.rng = random.Random(args.seed)
        self.ports = {"server": free_port(), "echo": free_port()}
        argv = [sys.executable, __file__, "--port"]
        self.procs = {
            kind: Proc([*argv, str(port), "--serve", kind], env)
            for kind, port in self.ports.items()
        }
        self.listener = Listener.default(Settings.from_env(env))
        self.tallies: list[Seen] = []
        self.pace = 0.0

    def maker(self, kind: str) -> Any:
        """Visitors of ``kind``, numbered so that each has its own canary."""
        numbers = itertools.count()
        port = self.ports.get(kind, 0)

        def make(tally: Seen, rng: random.Random) -> Visitor:
            n = next(numbers)
            if kind == "server":
                return Witness(port, tally, rng, n)
            if kind == "echo":
                return Echo(port, tally, rng, n)
            return Alone(self.listener, tally, rng, n)

        return make

    def ready(self) -> None:
        """Wait for both servers and warm all three."""
        for kind, port in self.ports.items():
            wait_port(port, self.procs[kind])
        for kind in ("server", "echo", "engine"):
            asyncio.run(warm(self.maker(kind)(Seen(), random.Random(0))))

    def engine_pace(self, turns: int = 20) -> float:
        """Turns a second the engine alone answers one after another, in this process."""

        async def run() -> float:
            alone = Alone(self.listener, Seen(), random.Random(1), 0)
            await alone.open()
            begun = time.perf_counter()
            for n in range(turns):
                await alone.send(n)
            return turns / (time.perf_counter() - begun)

        return asyncio.run(run())

    def measure(self, kind: str, rate: float, seconds: float) -> dict[str, Any]:
        """One step of ``kind`` at ``rate`` turns/s."""
        load = Load(rate, seconds, self.args.turns, self.args.think)
        tally = asyncio.run(step(self.maker(kind), load, self.rng))
        self.tallies.append(tally)
        figures = {"target": kind, **verdict(tally, load), "sessions": tally.sessions}
        return figures

    def stop(self) -> None:
        """Stop both servers."""
        for proc in self.procs.values():
            proc.stop()


def compare(bench: Bench, best: float) -> list[dict[str, Any]]:
    """Server, echo and engine alone at each fraction of the sustained rate."""
    rows = []
    for fraction in FRACTIONS:
        for kind in ("server", "echo", "engine"):
            figures = bench.measure(kind, best * fraction, bench.args.compare_seconds)
            figures["fraction"] = fraction
            print(json.dumps(figures), flush=True)
            rows.append(figures)
    return rows


def target(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """At 50 %: what the server adds to the engine's own p99, against twice the echo's p99."""
    at = {r["target"]: r["p99_ms"] for r in rows if r["fraction"] == FRACTIONS[0]}
    if len(at) < 3:
        return {"measured": False}
    added = at["server"] - at["engine"]
    return {
        "server_adds_ms": round(added, 1),
        "allowed_ms": round(2 * at["echo"], 1),
        "meets_target": added <= 2 * at["echo"],
    }


def parse() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=30, help="Messages per session.")
    parser.add_argument(
        "--think", default="10,30", help="LOW,HIGH seconds between a person's messages."
    )
    parser.add_argument(
        "--compress", type=float, default=20.0, help="Divide think times by this (1: as people)."
    )
    parser.add_argument("--step-seconds", type=float, default=8.0, help="Each search step.")
    parser.add_argument(
        "--compare-seconds", type=float, default=12.0, help="Each step at 50 and 80 %%."
    )
    parser.add_argument(
        "--start-rate",
        type=float,
        default=0.0,
        help="Turns/s of the first step (0: from the engine).",
    )
    parser.add_argument("--factor", type=float, default=1.5)
    parser.add_argument("--budget", type=float, default=60.0, help="Seconds for the rate search.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="Also write the figures as JSON here.")
    parser.add_argument(
        "--redis-url", default="", help="Keep sessions sealed in this Redis (127.0.0.1 only)."
    )
    parser.add_argument("--serve", choices=["server", "echo"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return args
    if args.redis_url and not re.match(r"^redis://(127\.0\.0\.1|localhost)[:/]", args.redis_url):
        parser.error("the benchmark runs on this machine only: use a redis://127.0.0.1 URL")
    low, _, high = args.think.partition(",")
    args.people_think = (float(low), float(high or low))
    if not (0 < args.people_think[0] <= args.people_think[1] and args.compress >= 1):
        parser.error("--think needs 0 < LOW <= HIGH, and --compress at least 1")
    args.think = Think(*(t / args.compress for t in args.people_think))
    return args


def environment(args: argparse.Namespace, home: Path) -> dict[str, str]:
    """The servers' and the engine's settings: a fresh home, long sessions, English."""
    env = {
        **os.environ,
        "CONFIDANTE_HOME": str(home),
        "CONFIDANTE_LOCALE": "en_US",
        "CONFIDANTE_MINUTES": "600",
    }
    if args.redis_url:
        key = home / "address.key"
        key.write_bytes(os.urandom(32))
        key.chmod(0o600)
        env |= {"CONFIDANTE_REDIS_URL": args.redis_url, "CONFIDANTE_ADDRESS_KEY_FILE": str(key)}
    return env


def report(
    args: argparse.Namespace,
    bench: Bench,
    best: float,
    steps: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    began: float,
    load_before: float,
) -> dict[str, Any]:
    """The run's figures, printed."""
    tallies = bench.tallies
    low, high = args.people_think
    figures = {
        "think": f"people's {low:g}-{high:g} s compressed {args.compress:g}x to "
        f"{args.think.low:.2f}-{args.think.high:.2f} s (fewer sessions open at once)",
        "turns_per_session": args.turns,
        "store": "redis (sealed)" if args.redis_url else "memory",
        "cpus": os.cpu_count(),
        "engine_pace_per_s": round(bench.pace, 1),
        "sustained_per_s": round(best, 1),
        "p99_at_sustained_ms": next(
            (s["p99_ms"] for s in steps if s["offered_per_s"] == round(best, 1) and s["passed"]),
            None,
        ),
        "first_failed": next(
            (
                f"{s['offered_per_s']}/s (p99 {s['p99_ms']} ms)"
                for s in sorted(steps, key=lambda s: s["offered_per_s"])
                if not s["passed"] and s["offered_per_s"] > best
            ),
            None,
        ),
        "at": {
            f"{r['fraction']:.0%} {r['target']}": f"{r['offered_per_s']}/s: p50 {r['p50_ms']} ms, "
            f"p99 {r['p99_ms']} ms ({r['sessions']} sessions)"
            for r in rows
        },
        "target_at_50": target(rows),
        "messages_sent": sum(t.sent for t in tallies),
        "messages_lost": sum(t.lost_messages for t in tallies),
        "leaks": sum(t.leaks for t in tallies),
        "own_canary_in_replies": sum(t.echoed_own for t in tallies),
        "server_errors_5xx": sum(sum(t.server_errors.values()) for t in tallies),
        "other_errors": sum(sum(t.other_errors.values()) for t in tallies),
        "broken_connections": sum(t.broken for t in tallies),
        "load_average": f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after",
        "wall_seconds": round(time.monotonic() - began, 1),
    }
    print(json.dumps(figures, indent=2))
    return figures


def main() -> int:
    """Run the benchmark; print the figures; exit 1 on a loss, a leak, a 5xx or no rate."""
    args = parse()
    if args.serve:
        serve_replica(args.port, echo_app() if args.serve == "echo" else None)
        return 0
    fast_loop()
    began, load_before = time.monotonic(), os.getloadavg()[0]
    print(
        f"think times: {args.people_think[0]:g}-{args.people_think[1]:g} s, compressed "
        f"{args.compress:g}x to {args.think.low:.2f}-{args.think.high:.2f} s",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        bench = Bench(args, environment(args, Path(tmp)))
        try:
            bench.ready()
            pace = bench.pace = bench.engine_pace()
            start = args.start_rate or max(1.0, pace / 4)
            print(f"engine alone: {pace:.0f} turns/s one after another; search from {start:.1f}/s")
            best, steps = search(
                lambda rate: bench.measure("server", rate, args.step_seconds),
                start,
                args.factor,
                args.budget,
            )
            rows = compare(bench, best) if best else []
        finally:
            bench.stop()
    figures = report(args, bench, best, steps, rows, began, load_before)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        detail = {"figures": figures, "search": steps, "compare": rows}
        args.json.write_text(json.dumps(detail, indent=2))
    clean = not (figures["messages_lost"] or figures["leaks"] or figures["server_errors_5xx"])
    return 0 if clean and best else 1


if __name__ == "__main__":
    sys.exit(main())
