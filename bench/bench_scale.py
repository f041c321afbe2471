"""Scale benchmark: 1 then 2 replicas behind HAProxy over Redis, under open-loop load, then a
replica killed with SIGKILL mid-run. The topology of ``deploy/``, as local processes.

    .venv/bin/python bench/bench_scale.py                      # about 3 minutes
    .venv/bin/python bench/bench_scale.py --step-seconds 20 --think 10,30 --json reports/scale.json

What it does, in one run:

1. Starts two replicas (``confidante serve``'s app and uvicorn options, rate limits off, sessions
   in the local Redis, the vault in the local PostgreSQL when it answers) and HAProxy from
   Debian with ``deploy/haproxy.local.cfg`` (its ports replaced by free ones).
2. For 1, then 2 replicas behind HAProxy: open-loop load, as people arrive: sessions start as a
   Poisson process, each sends ``--turns`` messages with exponential think times of mean
   ``--think`` (a compressed stand-in for people's 10-30 s: think time sets how many sessions
   are open at once, not how requests arrive), whatever the server's pace. Each step starts
   with the sessions a steady state would already have open (opened before the clock starts),
   so no ramp is measured. The rate rises by ``--factor`` while a step passes (turn p99 <= 100
   ms, no error, no broken connection), then steps halve the gap to the first that fails.
3. With 2 replicas at 60 % of one replica's sustained rate, SIGKILLs one replica a third of the
   way in and counts sessions lost (a turn answered 404), messages lost (no 200 even after one
   resend), 5xx answers and broken connections. A message whose answer was lost with the
   replica is sent once more, as a person would; ``resent`` counts them.

Reports each step, the sustained rate of 1 and 2 replicas and their ratio (target 1.5 on this
2-core machine), and the kill run's losses. The load generator, HAProxy and Redis share the
machine's cores with the replicas. Exit 1 on a lost session or message.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadkit import HOST, Connection, free_port, percentile

ROOT = Path(__file__).resolve().parents[1]
LB_CONFIG = ROOT / "deploy" / "haproxy.local.cfg"
P99_MS = 100.0
SCRIPT = (
    "My friend has stopped talking to me and I don't know why.",
    "Work has been hard too, everyone is so busy.",
    "I miss how we used to laugh together.",
    "Maybe I should write first, but I'm scared.",
    "My mother says I always push people away.",
    "I don't sleep well, I lie awake going over it.",
    "I feel stupid for caring so much.",
    "I keep thinking about what went wrong between us.",
)


# -- the topology ------------------------------------------------------------------------------


def serve_replica(port: int) -> None:
    """Run one replica on 127.0.0.1:port, as ``confidante serve`` runs it but unlimited."""
    import uvicorn

    from confidante import Settings
    from confidante.cli.serve import uvicorn_options
    from confidante.server import Limits, create_app

    app = create_app(Settings.from_env(), limits=Limits.unbounded())
    options = uvicorn_options() | {"log_config": None, "log_level": "warning"}
    uvicorn.run(app, host=HOST, port=port, **options)


class Proc:
    """A child process, stopped by its own pid."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        quiet = None if os.environ.get("BENCH_SERVER_LOG") else subprocess.DEVNULL
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=quiet)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


def wait_port(port: int, proc: Proc, timeout: float = 120) -> None:
    """Block until 127.0.0.1:port accepts connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.proc.poll() is not None:
            raise SystemExit(f"a process exited with {proc.proc.returncode} before it listened")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return
        time.sleep(0.2)
    raise SystemExit(f"nothing listened on port {port} in time")


async def warm(port: int) -> None:
    """A session of a few turns straight to one replica: its first turn loads what it loads
    lazily (seconds), which is start-up, not load."""
    person = Person(port, Seen(), random.Random(0))
    if await person.open():
        for n in range(3):
            await person.turn(n, (0.0, 0.0))
    await person.leave()


def lb_config(lb_port: int, replicas: list[int], directory: Path) -> Path:
    """``deploy/haproxy.local.cfg`` with these ports in place of 8000 and the replica lines."""
    text = LB_CONFIG.read_text()
    text = text.replace(f"bind {HOST}:8000", f"bind {HOST}:{lb_port}")
    servers = "\n".join(f"    server replica{n + 1} {HOST}:{p}" for n, p in enumerate(replicas))
    text = re.sub(r"(?m)^    server replica\d+ .*\n?", "", text).rstrip("\n")
    text = f"{text}\n{servers}\n"
    path = directory / f"haproxy-{len(replicas)}.cfg"
    path.write_text(text)
    return path


def start_lb(haproxy: str, lb_port: int, replicas: list[int], directory: Path) -> Proc:
    """HAProxy in the foreground on ``lb_port`` over ``replicas``, once it has found them up."""
    config = lb_config(lb_port, replicas, directory)
    lb = Proc([haproxy, "-db", "-f", str(config)])
    wait_port(lb_port, lb)
    time.sleep(2.5)  # health checks every second, two to rise: every replica is in service
    return lb


def database_url(wanted: str, directory: Path) -> str:
    """``wanted`` if PostgreSQL answers there (creating its database), else SQLite here."""
    try:
        import psycopg

        name = wanted.rsplit("/", 1)[1]
        admin = wanted.replace("postgresql+psycopg", "postgresql").rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if found.fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')
        return wanted
    except Exception as err:  # no PostgreSQL here: the vault's SQLite, and say so
        print(f"PostgreSQL not used ({type(err).__name__}); the vault is SQLite", file=sys.stderr)
        return f"sqlite:///{directory / 'vault.db'}"


# -- the load ----------------------------------------------------------------------------------


@dataclass
class Seen:
    """What the simulated people saw in one step."""

    latencies: list[float] = field(default_factory=list)  # turns sent inside the window
    answered_in_window: int = 0
    sent: int = 0
    answered: int = 0
    lost_messages: int = 0
    lost_sessions: int = 0
    resent: int = 0
    server_errors: dict[int, int] = field(default_factory=dict)
    other_errors: dict[int, int] = field(default_factory=dict)
    broken: int = 0  # connections that broke under a request
    open_failed: int = 0

    def status(self, code: int) -> None:
        box = self.server_errors if code >= 500 else self.other_errors
        box[code] = box.get(code, 0) + 1


class Person:
    """One session over its own keep-alive connection through the balancer."""

    def __init__(self, port: int, tally: Seen, rng: random.Random) -> None:
        self.port = port
        self.tally = tally
        self.rng = rng
        self.conn: Connection | None = None
        self.token = ""

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One request; a broken connection counts and answers as status 0."""
        try:
            if self.conn is None:
                self.conn = await Connection.open(self.port)
            return await self.conn.request(method, path, body, self.token or None)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            self.tally.broken += 1
            await self.close()
            return 0, None

    async def open(self) -> bool:
        status, created = await self.call("POST", "/api/sessions", {})
        if status != 201:
            self.tally.open_failed += 1
            if status:
                self.tally.status(status)
            return False
        self.token = created["token"]
        status, _ = await self.call("POST", "/api/session/start", {"relief": 6})
        return status == 200

    async def turn(self, n: int, window: tuple[float, float]) -> bool:
        """Send one message (once more if its answer was lost); False when the session is gone."""
        text = SCRIPT[(n + self.rng.randrange(len(SCRIPT))) % len(SCRIPT)]
        self.tally.sent += 1
        begun = time.perf_counter()
        for attempt in range(2):
            status, _ = await self.call("POST", "/api/session/messages", {"text": text})
            if status == 200:
                done = time.perf_counter()
                self.tally.answered += 1
                if window[0] <= begun < window[1]:
                    self.tally.latencies.append(done - begun)
                    self.tally.answered_in_window += 1
                return True
            if status:
                self.tally.status(status)
            if status == 404:
                self.tally.lost_sessions += 1
                self.tally.lost_messages += 1
                return False
            if attempt == 0 and status in (0, 502, 503):
                self.tally.resent += 1
                await asyncio.sleep(0.2)
                continue
            break
        self.tally.lost_messages += 1
        return True

    async def talk(self, turns: int, think: float, window: tuple[float, float]) -> None:
        """``turns`` messages, each after an exponential think time, none after the window."""
        for n in range(turns):
            await asyncio.sleep(self.rng.expovariate(1 / think))
            if time.perf_counter() >= window[1] or not await self.turn(n, window):
                return
        await self.call("POST", "/api/session/summary")
        await self.call("POST", "/api/session/close", {"relief": 5})
        self.token = ""

    async def close(self) -> None:
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
    turns: int
    think: float


async def step(port: int, load: Load, rng: random.Random, kill: Any = None) -> tuple[Seen, float]:
    """Offer ``load`` for its seconds; returns the tally and the seconds measured."""
    tally = Seen()
    arrivals = load.rate / load.turns  # sessions per second
    standing = max(1, round(arrivals * load.turns * load.think))  # open in the steady state
    people = [Person(port, tally, random.Random(rng.random())) for _ in range(standing)]
    opened = await asyncio.gather(*(p.open() for p in people))
    begun = time.perf_counter()
    window = (begun, begun + load.seconds)
    tasks = [
        asyncio.create_task(p.talk(rng.randint(1, load.turns), load.think, window))
        for p, ok in zip(people, opened, strict=True)
        if ok
    ]

    async def newcomer(person: Person) -> None:
        if await person.open():
            await person.talk(load.turns, load.think, window)

    killer = asyncio.create_task(kill(begun)) if kill else None
    while time.perf_counter() < window[1]:
        await asyncio.sleep(rng.expovariate(arrivals))
        person = Person(port, tally, random.Random(rng.random()))
        people.append(person)
        tasks.append(asyncio.create_task(newcomer(person)))
    await asyncio.gather(*tasks)
    if killer is not None:
        await killer
    await asyncio.gather(*(p.leave() for p in people))
    return tally, load.seconds


def verdict(tally: Seen, seconds: float, load: Load) -> dict[str, Any]:
    """One step's figures, and whether it passed."""
    achieved = tally.answered_in_window / seconds
    p99 = percentile(tally.latencies, 99) if tally.latencies else float("inf")
    errors = sum(tally.server_errors.values()) + sum(tally.other_errors.values())
    # Open loop: a server that falls behind shows it in the p99, as people would feel it.
    ok = p99 <= P99_MS and errors == 0 and tally.broken == 0 and tally.lost_messages == 0
    return {
        "offered_per_s": round(load.rate, 1),
        "answered_per_s": round(achieved, 1),
        "turns": len(tally.latencies),
        "p50_ms": round(percentile(tally.latencies, 50), 1) if tally.latencies else None,
        "p99_ms": round(p99, 1),
        "errors": {**tally.server_errors, **tally.other_errors},
        "broken": tally.broken,
        "passed": ok,
    }


def search(
    port: int, args: argparse.Namespace, start: float, budget: float, rng: random.Random, label: str
) -> tuple[float, list[dict[str, Any]]]:
    """The highest rate that passes: up by ``factor`` from ``start`` (down while none has
    passed), then halving the gap between the last pass and the first fail, within ``budget``."""
    steps: list[dict[str, Any]] = []
    best = passed = 0.0
    failed: float | None = None
    rate = start
    until = time.monotonic() + budget
    while time.monotonic() < until and rate >= 1.0:
        load = Load(rate, args.step_seconds, args.turns, args.think)
        figures = verdict(*asyncio.run(step(port, load, rng)), load=load)
        figures["replicas"] = label
        steps.append(figures)
        print(json.dumps(figures), flush=True)
        if figures["passed"]:
            best, passed = max(best, rate), rate
        else:
            failed = rate
        if failed is None:
            rate *= args.factor
        elif not passed:
            rate /= args.factor
        elif failed / passed <= 1.1:
            break  # pinned down to within 10 %
        else:
            rate = (passed + failed) / 2
    return best, steps


def kill_run(
    port: int, victim: Proc, args: argparse.Namespace, rate: float, rng: random.Random
) -> dict[str, Any]:
    """Load on two replicas; one is SIGKILLed a third of the way in."""
    seconds = args.kill_seconds
    load = Load(rate, seconds, args.turns, args.think)

    async def kill(begun: float) -> None:
        await asyncio.sleep(seconds / 3)
        await asyncio.to_thread(victim.kill)

    tally, measured = asyncio.run(step(port, load, rng, kill=kill))
    return {
        "offered_per_s": round(rate, 1),
        "seconds": measured,
        "messages_sent": tally.sent,
        "messages_answered": tally.answered,
        "messages_lost": tally.lost_messages,
        "sessions_lost": tally.lost_sessions,
        "sessions_refused_at_start": tally.open_failed,
        "resent": tally.resent,
        "server_errors_5xx": tally.server_errors,
        "other_errors": tally.other_errors,
        "broken_connections": tally.broken,
        "p99_ms": round(percentile(tally.latencies, 99), 1) if tally.latencies else None,
    }


def main() -> int:
    """Run the benchmark; print the figures; exit 1 on a lost session or message."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/confidante_bench"
    )
    parser.add_argument("--turns", type=int, default=6, help="Messages per session.")
    parser.add_argument(
        "--think",
        default="1.0",
        help="Mean seconds between a person's messages, or LOW,HIGH for their "
        "middle (10,30 as people do; slower to run).",
    )
    parser.add_argument("--step-seconds", type=float, default=8.0)
    parser.add_argument("--kill-seconds", type=float, default=15.0)
    parser.add_argument("--start-rate", type=float, default=12.0, help="Turns/s of the first step.")
    parser.add_argument("--factor", type=float, default=1.5)
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="Seconds of load for each replica count's search.",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="Also write the figures as JSON here.")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_replica(args.serve)
        return 0
    low, _, high = args.think.partition(",")
    args.think = (float(low) + float(high)) / 2 if high else float(low)
    if not re.match(r"^redis://(127\.0\.0\.1|localhost)[:/]", args.redis_url):
        parser.error("the benchmark runs on this machine only: use a redis://127.0.0.1 URL")
    haproxy = shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
    )
    if haproxy is None:
        parser.error("HAProxy is missing: apt-get install -y haproxy")
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())  # a cheaper load generator
    rng = random.Random(args.seed)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        directory = Path(tmp)
        (directory / "address.key").write_bytes(os.urandom(32))
        os.chmod(directory / "address.key", 0o600)
        env = {
            **os.environ,
            "CONFIDANTE_REDIS_URL": args.redis_url,
            "CONFIDANTE_DATABASE_URL": database_url(args.database_url, directory),
            "CONFIDANTE_ADDRESS_KEY_FILE": str(directory / "address.key"),
            "CONFIDANTE_HOME": str(directory / "home"),
            "CONFIDANTE_LOCALE": "en_US",
            "CONFIDANTE_MINUTES": "600",
        }
        ports = [free_port(), free_port()]
        replicas = [Proc([sys.executable, __file__, "--serve", str(p)], env) for p in ports]
        lb: Proc | None = None
        try:
            for port, replica in zip(ports, replicas, strict=True):
                wait_port(port, replica)
                asyncio.run(warm(port))
            lb_port = free_port()
            lb = start_lb(haproxy, lb_port, ports[:1], directory)
            one, steps_one = search(lb_port, args, args.start_rate, args.budget, rng, "1")
            lb.stop()
            lb = start_lb(haproxy, lb_port, ports, directory)
            two, steps_two = search(
                lb_port, args, max(args.start_rate, one * 0.9), args.budget, rng, "2"
            )
            killed = kill_run(lb_port, replicas[1], args, max(10.0, 0.6 * one), rng)
        finally:
            if lb is not None:
                lb.stop()
            for replica in replicas:
                replica.stop()
    figures = {
        "cpus": os.cpu_count(),
        "turns_per_session": args.turns,
        "think_mean_s": args.think,
        "step_seconds": args.step_seconds,
        "sustained_1_replica_per_s": one,
        "sustained_2_replicas_per_s": two,
        "ratio": round(two / one, 2) if one else None,
        "kill_run": killed,
        "wall_seconds": round(time.monotonic() - began, 1),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"figures": figures, "steps": steps_one + steps_two}, indent=2)
        )
    return 0 if killed["messages_lost"] == 0 and killed["sessions_lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
