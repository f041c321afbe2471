"""Time ``EmotionModel.feelings`` per message: p50 and p99 in milliseconds.

Usage: python bench/bench_emotion.py [--data DIR] [-n 2000]

Scores the first n texts of GoEmotions ``test.tsv`` (from ../shared/datasets/goemotions by
default), or, when that folder is absent, a small built-in sample of listener-style messages
repeated to n. Prints figures only; it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from confidante.listening.emotion import EmotionModel

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "goemotions"
WARMUP = 50
# Written for this benchmark (no user text): short and long, plain and emotional.
SAMPLE = (
    "I feel so alone since she left",
    "My boss keeps piling work on me and I can't cope anymore, it's all too much",
    "Thanks for listening, it helps to say it out loud",
    "I went to the shop and then came home",
    "I'm scared he'll leave me if I tell him what happened last summer",
    "It's my fault that we broke up and I keep going over it every night",
    "I'm so tired of everything, work is endless and nothing ever changes",
    "I don't know why he did that",
    "We finally got the test results back and it's nothing serious, what a relief",
    "My sister ignored me at the party and it really hurt, "
    "she talked to everyone else all evening and I just stood there by the food",
)


def load_texts(data: Path, n: int) -> tuple[list[str], str]:
    """Up to ``n`` texts and where they came from."""
    test = data / "test.tsv"
    if test.is_file():
        with test.open(encoding="utf-8") as f:
            texts = [line.split("\t", 1)[0] for _, line in zip(range(n), f, strict=False)]
        return texts, str(test)
    return [SAMPLE[i % len(SAMPLE)] for i in range(n)], "built-in sample"


def main() -> None:
    """Load the packaged model, warm up, then time one ``feelings`` call per text."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="GoEmotions folder")
    parser.add_argument("-n", type=int, default=2000, help="number of texts")
    args = parser.parse_args()

    start = time.perf_counter()
    model = EmotionModel.load()
    load_ms = (time.perf_counter() - start) * 1000
    texts, source = load_texts(args.data, args.n)
    for text in texts[:WARMUP]:
        model.feelings(text)
    times = np.empty(len(texts))
    for i, text in enumerate(texts):
        start = time.perf_counter()
        model.feelings(text)
        times[i] = (time.perf_counter() - start) * 1000
    p50, p99 = np.percentile(times, [50, 99])
    print(f"texts: {len(texts)} from {source}")
    print(f"load: {load_ms:.0f} ms")
    print(f"feelings(): p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {times.max():.3f} ms")


if __name__ == "__main__":
    main()
