"""Time ``SafetyGuard.assess`` per message: p50 and p99 in milliseconds.

Targets (issue 10): with the crisis reader, assess p50 <= 5 ms and p99 <= 40 ms on two cores,
start-up <= 3 s. The same messages are also assessed without the reader in the same run, so the
reader's cost is a ratio of one run, not a figure from another day.

Usage: python bench/bench_safety.py [--data DIR] [-n 3000]

Assesses ESConv valid seeker turns (chat-length messages, from ../shared/datasets/esconv by
default) followed by the hand-written rows of tests/safety/data/labelled_messages.csv, or a small
built-in sample when the dataset is absent; each message is assessed alone and again inside a
40-turn session. Also times the boundary check and a crisis reply. Prints figures only; it asserts
nothing about speed.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from confidante.conversation import (
    Assessment,
    Message,
    Move,
    RiskKind,
    RiskLevel,
    Role,
    SessionState,
    Turn,
    Understanding,
)
from confidante.safety import SafetyGuard

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "esconv"
LABELLED = ROOT / "tests" / "safety" / "data" / "labelled_messages.csv"
WARMUP = 100
# Written for this benchmark (no user text).
SAMPLE = (
    "I feel so alone since she left",
    "My boss keeps piling work on me and I can't cope anymore, it's all too much",
    "everyone would be better off without me",
    "this traffic is killing me",
    "I have the pills ready tonight",
    "My sister ignored me at the party and it really hurt, "
    "she talked to everyone else all evening and I just stood there by the food",
)


def load_texts(data: Path, n: int) -> tuple[list[str], str]:
    """Up to ``n`` messages and where they came from."""
    texts: list[str] = []
    source = "built-in sample"
    valid = data / "valid.jsonl"
    if valid.is_file():
        with valid.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    texts.extend(
                        t["text"] for t in json.loads(line)["dialog"] if t["speaker"] == "usr"
                    )
        source = str(valid)
    if LABELLED.is_file():
        with LABELLED.open(newline="", encoding="utf-8") as f:
            texts.extend(r["text"] for r in csv.DictReader(f))
        source += " + labelled_messages.csv"
    if not texts:
        texts = list(SAMPLE)
    return [texts[i % len(texts)] for i in range(n)], source


def session(turns: int) -> SessionState:
    """A session that already holds ``turns`` turns, one of them a crisis."""
    state = SessionState(minutes=60, locale="en_GB", started_at=0.0)
    for i in range(turns):
        crisis = i == turns // 2
        a = Assessment(RiskLevel.ELEVATED, RiskKind.SUICIDE_SELF_HARM) if crisis else Assessment()
        state.turns.append(
            Turn(
                said=Message(Role.PERSON, "message", float(i)),
                reply=Message(Role.LISTENER, "reply", float(i)),
                move=Move.CRISIS if crisis else Move.REFLECT_FEELING,
                assessment=a,
                understanding=Understanding(),
            )
        )
    state.highest_risk = RiskLevel.ELEVATED
    state.crisis_kinds.append(RiskKind.SUICIDE_SELF_HARM)
    return state


def timed(texts: list[str], call: Callable[[str], object]) -> np.ndarray:
    """Milliseconds per call, after a warm-up."""
    for text in texts[:WARMUP]:
        call(text)
    times = np.empty(len(texts))
    for i, text in enumerate(texts):
        start = time.perf_counter()
        call(text)
        times[i] = (time.perf_counter() - start) * 1000
    return times


def report(name: str, times: np.ndarray) -> None:
    """Print p50, p99 and max."""
    p50, p99 = np.percentile(times, [50, 99])
    print(f"{name}: p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {times.max():.3f} ms")


def main() -> None:
    """Load the guard, then time assess (alone and in a session), boundary and crisis_reply."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="ESConv folder")
    parser.add_argument("-n", type=int, default=3000, help="number of messages")
    args = parser.parse_args()

    start = time.perf_counter()
    guard = SafetyGuard.load()
    load_ms = (time.perf_counter() - start) * 1000
    texts, source = load_texts(args.data, args.n)
    words = np.array([len(t.split()) for t in texts])
    print(f"messages: {len(texts)} from {source}")
    print(f"words per message: p50 {np.median(words):.0f}, max {words.max()}")
    reader = guard.reader
    print(f"load: {load_ms:.0f} ms (post model: {guard.model.name if guard.model else 'none'},"
          f" reader: {reader.name if reader else 'none'})")
    with_reader = timed(texts, guard.assess)
    report("assess()", with_reader)
    guard.reader = None
    without = timed(texts, guard.assess)
    guard.reader = reader
    report("assess() without the reader", without)
    if reader is not None:
        report("reader.read() alone", timed(texts, reader.read))
        # Same members, same messages, one after another: the side-by-side gain as a ratio.
        sequence = reader.in_sequence()
        report("reader.read() members in sequence", timed(texts, sequence.read))
        same = all(reader.read(t) == sequence.read(t) for t in texts[:200])
        print(f"side by side and in sequence read the same: {same}")
        ratio = np.percentile(with_reader, 50) / np.percentile(without, 50)
        print(f"reader cost: p50 x{ratio:.1f} of the guard without it")
    state = session(40)
    report("assess(state: 40 turns)", timed(texts, lambda t: guard.assess(t, state)))
    report("boundary()", timed(texts, guard.boundary))
    rng = random.Random(0)
    a = Assessment(RiskLevel.IMMINENT, RiskKind.SUICIDE_SELF_HARM)
    report(
        "crisis_reply()", timed(texts[:1000], lambda _: guard.crisis_reply(a, "en_US", rng, set()))
    )


if __name__ == "__main__":
    main()
