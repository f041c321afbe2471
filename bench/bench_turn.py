"""Time one turn of the embedded listener against a minimal keyword-reflection listener.

Usage: python bench/bench_turn.py [--data FILE] [-n 3000] [--turns 25] [--seed 7]

Messages are the seeker turns of ESConv ``valid.jsonl`` (from ../shared/datasets/esconv by
default) or, when that file is absent, a small built-in sample. Both listeners see the same
messages in sessions of ``--turns`` messages, in the same run, interleaved so machine load hits
both alike. For the embedded listener it times ``Session.respond`` (safety, understanding,
policy, phrasing, clock) and, apart, each listening stage. Prints p50/p99 in milliseconds of wall
clock, and of CPU time (which a busy machine does not inflate); the target is a wall-clock p99
under 50 ms per turn with the crisis reader. It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from confidante import Listener
from confidante.conversation import SessionState
from confidante.listening import Policy, Understander
from confidante.session.clock import ManualClock
from confidante.voices.base import VoiceContext
from confidante.voices.phrasebook import Phrasebook

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/datasets/esconv/valid.jsonl"
WARMUP = 100
TARGET_P99_MS = 50.0  # with the crisis reader in the turn (issues 10 and 11)
# Written for this benchmark (no user text).
SAMPLE = (
    "My wife barely speaks to me anymore.",
    "I lost my job on Friday and I haven't told anyone.",
    "I'm exhausted all the time, the ward is short-staffed every shift.",
    "What should I do?",
    "Yeah.",
    "My son only calls when he needs money and it really hurts.",
    "I keep replaying it at night, I said the wrong thing again.",
    "Thank you, it helps to say it out loud.",
)


class KeywordListener:
    """The minimal baseline: a keyword picks a template, the rest is a pronoun swap."""

    SWAP = {"i": "you", "me": "you", "my": "your", "am": "are", "i'm": "you're", "mine": "yours"}
    RULES = (
        (re.compile(r"\b(?:sad|alone|lonely|angry|tired|scared|hurt)\b", re.I), "You feel {0}."),
        (
            re.compile(r"\b(?:wife|husband|son|daughter|mother|father|boss)\b", re.I),
            "Tell me more about your {0}.",
        ),
        (re.compile(r"\bi (?:feel|am|think) (.+)", re.I), "Why do you say you {0}?"),
    )

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def respond(self, text: str) -> str:
        """The first matching rule's template, or a stock encourager."""
        for pattern, template in self.RULES:
            if m := pattern.search(text):
                said = m.group(1) if m.groups() else m.group(0)
                return template.format(" ".join(self.SWAP.get(w.lower(), w) for w in said.split()))
        return self._rng.choice(("Go on.", "I see.", "Tell me more."))


def load_messages(path: Path, n: int) -> tuple[list[str], str]:
    """Up to ``n`` seeker messages and where they came from."""
    if not path.is_file():
        return [SAMPLE[i % len(SAMPLE)] for i in range(n)], "built-in sample"
    messages: list[str] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            messages += [t["text"] for t in json.loads(line)["dialog"] if t["speaker"] == "usr"]
            if len(messages) >= n:
                break
    return messages[:n], str(path)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def timed(fn: Callable[[], object], wall: list[float], cpu: list[float]) -> None:
    """Call ``fn``; append its wall-clock and CPU (this thread) milliseconds."""
    start, start_cpu = time.perf_counter(), time.thread_time()
    fn()
    cpu.append((time.thread_time() - start_cpu) * 1000)
    wall.append((time.perf_counter() - start) * 1000)


def main() -> None:
    """Run both listeners over the same sessions and print p50/p99 per turn."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="ESConv JSON lines")
    parser.add_argument("-n", type=int, default=3000, help="number of messages")
    parser.add_argument("--turns", type=int, default=25, help="messages per session")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    start = time.perf_counter()
    listener = Listener.default()
    understander, policy, voice = Understander.load(), Policy(), Phrasebook.load()
    load_ms = (time.perf_counter() - start) * 1000
    messages, source = load_messages(args.data, args.n + WARMUP)
    rng = random.Random(args.seed)
    full: list[float] = []
    full_cpu: list[float] = []
    baseline_cpu: list[float] = []
    stages: dict[str, list[float]] = {"understand": [], "policy": [], "phrase": []}
    baseline: list[float] = []
    for at in range(0, len(messages), args.turns):
        clock = ManualClock()
        session = listener.session(clock=clock, rng=random.Random(rng.random()), minutes=60)
        session.open()
        keyword = KeywordListener(random.Random(rng.random()))
        state = SessionState(minutes=60, locale="en_US", started_at=0.0)
        ctx = VoiceContext(rng=random.Random(rng.random()), used_sentences=state.used_sentences)
        for i, text in enumerate(messages[at : at + args.turns]):
            warm = at + i >= WARMUP
            clock.advance(60 * 60 / (args.turns + 1))
            timed(partial(session.respond, text), *((full, full_cpu) if warm else ([], [])))
            timed(partial(keyword.respond, text), *((baseline, baseline_cpu) if warm else ([], [])))
            begin = time.perf_counter()
            u = understander.understand(text, state)
            mid = time.perf_counter()
            plan = policy.choose(u, state, ctx.rng)
            end = time.perf_counter()
            "".join(voice.say(plan, ctx))
            done = time.perf_counter()
            if warm:
                stages["understand"].append((mid - begin) * 1000)
                stages["policy"].append((end - mid) * 1000)
                stages["phrase"].append((done - end) * 1000)
            state.turns.append(session.state.turns[-1])  # same memory shape as the session

    print(f"messages: {len(full)} timed turns from {source}, sessions of {args.turns}")
    print(f"load (listener + stages): {load_ms:.0f} ms")
    print(f"{'wall-clock':36s} {'p50 ms':>8s} {'p99 ms':>8s} {'max ms':>8s}")
    rows = [("embedded listener (Session.respond)", full)]
    rows += [(f"  stage: {name}", values) for name, values in stages.items()]
    rows += [("keyword-reflection baseline", baseline)]
    rows += [("CPU time, embedded listener", full_cpu), ("CPU time, baseline", baseline_cpu)]
    for name, values in rows:
        p50, p99 = percentile(values, 50), percentile(values, 99)
        print(f"{name:36s} {p50:8.3f} {p99:8.3f} {max(values):8.3f}")
    verdict = "meets" if percentile(full, 99) < TARGET_P99_MS else "MISSES"
    print(f"embedded wall-clock p99 {verdict} the {TARGET_P99_MS:.0f} ms target")


if __name__ == "__main__":
    main()
