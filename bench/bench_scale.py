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
   replica is sent once more, as a person would; ``resent`` counts them. Every message carries an
   Idempotency-Key of its own (the same on its resend), so HAProxy may retry a turn that was in
   flight on the killed replica on the other one, and neither it nor a resend is taken twice.

Reports each step, the sustained rate of 1 and 2 replicas and their ratio (target 1.5 on this
2-core machine), and the kill run's losses. The load generator, HAProxy and Redis share the
machine's cores with the replicas. Exit 1 on a lost session or message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from loadkit import HOST, Proc, fast_loop, free_port, percentile, serve_replica, wait_port
from openloop import Load, Person, Seen, Think, search, step, verdict, warm

ROOT = Path(__file__).resolve().parents[1]
LB_CONFIG = ROOT / "deploy" / "haproxy.local.cfg"
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


def people(port: int) -> Any:
    """Visitors through the balancer on ``port``, each with the shared script."""
    return lambda tally, rng: Person(port, tally, rng, SCRIPT)


def measure(
    port: int, args: argparse.Namespace, rng: random.Random, label: str, rate: float
) -> dict[str, Any]:
    """One search step at ``rate``."""
    load = Load(rate, args.step_seconds, args.turns, args.think)
    figures = verdict(asyncio.run(step(people(port), load, rng)), load)
    figures["replicas"] = label
    return figures


def kill_run(
    port: int, victim: Proc, args: argparse.Namespace, rate: float, rng: random.Random
) -> dict[str, Any]:
    """Load on two replicas; one is SIGKILLed a third of the way in."""
    seconds = args.kill_seconds
    load = Load(rate, seconds, args.turns, args.think)

    async def kill(begun: float) -> None:
        await asyncio.sleep(seconds / 3)
        await asyncio.to_thread(victim.kill)

    tally: Seen = asyncio.run(step(people(port), load, rng, kill=kill))
    return {
        "offered_per_s": round(rate, 1),
        "seconds": seconds,
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
    # Exponential think times of that mean: as many sessions open as people's would keep.
    args.think = Think((float(low) + float(high)) / 2 if high else float(low))
    if not re.match(r"^redis://(127\.0\.0\.1|localhost)[:/]", args.redis_url):
        parser.error("the benchmark runs on this machine only: use a redis://127.0.0.1 URL")
    haproxy = shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
    )
    if haproxy is None:
        parser.error("HAProxy is missing: apt-get install -y haproxy")
    fast_loop()
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
                asyncio.run(warm(Person(port, Seen(), random.Random(0), SCRIPT)))
            lb_port = free_port()
            lb = start_lb(haproxy, lb_port, ports[:1], directory)
            one, steps_one = search(
                partial(measure, lb_port, args, rng, "1"), args.start_rate, args.factor, args.budget
            )
            lb.stop()
            lb = start_lb(haproxy, lb_port, ports, directory)
            two, steps_two = search(
                partial(measure, lb_port, args, rng, "2"),
                max(args.start_rate, one * 0.9),
                args.factor,
                args.budget,
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
        "think_mean_s": args.think.mean,
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
