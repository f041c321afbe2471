"""Choose the crisis reader's members and thresholds on the validation families, and write them.

The reader may average several fine-tunings of the same encoder (``crisis.json`` "members").
This script reads the validation split exactly as ``train_crisis.py`` builds it (15% of the
written families by CRC-32 of the family id, and every 20th weak-label row; no member was
trained on any of it), with each candidate: every member alone and all of them averaged. For
each it picks thresholds by the training script's rule (``choose_thresholds``), and reports
recall of crisis rows with false alarms on written hard negatives and on ordinary talk. Then the
elevated threshold is raised, step by step, until the whole guard (lexicon, post model and this
reader) raises at most ``--ordinary-cap`` of the ESConv *train-dev* seeker turns (the 15% of
ESConv train conversations that no model was trained on), each read after the previous turn as a
session reads it. The candidate with the best recall at its thresholds, among those within both
caps, is written with ``--write``; recalls within ``--recall-slack`` of the best count as equal
(a row or two of the validation split), and of those the fewest written false alarms wins.
The held-out sets in tests/safety/data/ are never read here.

Example usage (the project's .venv, with ../shared/datasets beside the checkout):
    .venv/bin/python scripts/calibrate_crisis.py --members crisis.onnx crisis_a.onnx --seed 11
    .venv/bin/python scripts/calibrate_crisis.py --members crisis.onnx crisis_a.onnx \
        --seed 11 --write
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from train_crisis import (  # noqa: E402  (a sibling script, for the same split and rule)
    KINDS,
    OUT,
    Row,
    choose_thresholds,
    figures,
    load_ours,
    load_weak,
    with_context_noise,
)
from train_risk import load_esconv, split_esconv_train  # noqa: E402

from confidante.conversation import (  # noqa: E402
    Assessment,
    Message,
    Move,
    Role,
    SessionState,
    Turn,
    Understanding,
)
from confidante.safety import SafetyGuard  # noqa: E402
from confidante.safety.lexicon import Lexicon  # noqa: E402

#: Threshold steps tried upwards until ordinary talk stays under the cap.
STEP = 0.025


def validation_rows(seed: int, weak_every: int) -> list[Row]:
    """The validation rows of a training run with this seed and weak sampling."""
    rng = random.Random(seed)
    ours = load_ours(sorted((ROOT / "scripts" / "data").glob("crisis_train_*.jsonl")))
    weak = load_weak(Lexicon.load(), every=weak_every)
    return [r for r in with_context_noise(ours + weak, rng) if r.valid]


def reader_of(members: tuple[str, ...]) -> Any:
    """A CrisisReader over these ONNX files of the package's models folder."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    from confidante.safety.reader import CrisisReader, session_options

    meta = json.loads((OUT / "crisis.json").read_text(encoding="utf-8"))
    tok = Tokenizer.from_file(str(OUT / "crisis_tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(int(meta["max_tokens"]), stride=32)
    options = session_options(threads=2)
    sessions = [ort.InferenceSession(str(OUT / m), options) for m in members]
    return CrisisReader(sessions, tok, meta)


def scores(reader: Any, rows: list[Row]) -> tuple[np.ndarray, np.ndarray]:
    """Kind probabilities (crisis mass on the likeliest kind) and now-probabilities."""
    kinds = np.zeros((len(rows), len(KINDS)))
    now = np.zeros(len(rows))
    for i, r in enumerate(rows):
        reading = reader.read(r.text, r.context)
        kinds[i, 0] = 1.0 - reading.crisis
        kinds[i, KINDS.index(reading.kind.value) if reading.kind.value in KINDS else 1] += (
            reading.crisis
        )
        now[i] = reading.now
    return kinds, now


def report(rows: list[Row], kinds: np.ndarray, now: np.ndarray) -> dict[str, Any]:
    """Thresholds by the training rule and the figures at them, written and weak apart."""
    t = choose_thresholds(rows, kinds, now)
    out: dict[str, Any] = {"thresholds": t}
    for source, pick in (("written", lambda r: r.source != "weak"),
                         ("weak", lambda r: r.source == "weak")):  # fmt: skip
        mask = [pick(r) for r in rows]
        sub = [r for r in rows if pick(r)]
        out[source] = figures(sub, kinds[mask], t["elevated"])
    return out


def ordinary_turns() -> list[tuple[str, str]]:
    """Seeker turns of the ESConv *train* conversations that no model was trained on (the 15%
    that ``split_esconv_train`` keeps apart), each with the seeker's previous turn, as a
    session brings them."""
    _, dev = split_esconv_train(load_esconv("train"))
    return [(t, conv[i - 1] if i else "") for conv in dev for i, t in enumerate(conv)]


def _after(previous: str) -> SessionState | None:
    """A session whose last turn was ``previous`` (an ordinary one): the reader's context."""
    if not previous:
        return None
    state = SessionState(minutes=60, locale="en_US", started_at=0.0)
    said, reply = Message(Role.PERSON, previous, 0.0), Message(Role.LISTENER, "", 0.0)
    state.turns.append(Turn(said, reply, Move.ENCOURAGE, Assessment(), Understanding()))
    return state


def ordinary_rate(reader: Any, turns: list[tuple[str, str]]) -> float:
    """The share of ordinary turns the whole guard (lexicon, post model, this reader) raises,
    each read in the light of the previous one as in a session."""
    base = SafetyGuard.load()
    guard = SafetyGuard(base.lexicon, base.model, base.texts, base.script, reader=reader)
    raised = sum(guard.assess(t, _after(prev)).is_crisis for t, prev in turns)
    return raised / max(1, len(turns))


def within_cap(
    reader: Any, turns: list[tuple[str, str]], start: float, cap: float
) -> tuple[float, float]:
    """The lowest elevated threshold from ``start`` up at which ordinary talk stays under
    ``cap``, and the rate there: the validation rule alone reads the reader, not the guard."""
    t = start
    while True:
        reader.elevated = t
        rate = ordinary_rate(reader, turns)
        print(f"    elevated {t:.3f}: ordinary turns raised {rate:.2%}", flush=True)
        if rate <= cap or t >= 0.99:
            return t, rate
        t = round(min(0.99, t + STEP), 3)


def choose(candidates: list[tuple[str, ...]], results: dict[Any, Any], slack: float) -> Any:
    """The best recall, counting recalls within ``slack`` of it as equal (a row or two of
    the split is noise); among those the fewest written false alarms, then fewer members."""
    top = max(results[m]["written"]["recall"] for m in candidates)
    near = [m for m in candidates if results[m]["written"]["recall"] >= top - slack]
    return min(near, key=lambda m: (results[m]["written"]["false_alarms"], len(m)))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--members", nargs="+", default=["crisis.onnx"], help="ONNX files in models/")
    p.add_argument("--seed", type=int, default=7, help="the training run's seed")
    p.add_argument("--weak-every", type=int, default=2, help="the training run's --weak-every")
    p.add_argument("--write", action="store_true", help="write the best candidate to crisis.json")
    p.add_argument("--recall-slack", type=float, default=0.01,
                   help="recalls this close to the best are equal; then fewest false alarms win")
    p.add_argument("--ordinary-cap", type=float, default=0.015,
                   help="most ordinary ESConv train-dev turns the whole guard may raise")
    args = p.parse_args(argv)
    rows = validation_rows(args.seed, args.weak_every)
    turns = ordinary_turns()
    candidates = [c for n in range(1, len(args.members) + 1)
                  for c in combinations(args.members, n)]  # fmt: skip
    results = {}
    for members in candidates:
        reader = reader_of(members)
        kinds, now = scores(reader, rows)
        results[members] = report(rows, kinds, now)
        # Then up from the rule's threshold until the whole guard keeps ordinary talk calm.
        t, rate = within_cap(reader, turns, results[members]["thresholds"]["elevated"],
                             args.ordinary_cap)  # fmt: skip
        results[members]["thresholds"]["elevated"] = t
        results[members]["thresholds"]["low"] = round(min(0.3, t), 3)
        for source, pick in (("written", lambda r: r.source != "weak"),
                             ("weak", lambda r: r.source == "weak")):  # fmt: skip
            mask = [pick(r) for r in rows]
            results[members][source] = figures([r for r in rows if pick(r)], kinds[mask], t)
        results[members]["ordinary_dev"] = {"turns": len(turns), "raised": round(rate, 4)}
        print("+".join(members), json.dumps(results[members]), flush=True)
    # The rule caps ordinary talk (1% of weak rows, and the whole guard on ESConv train-dev);
    # among candidates within both, the best recall wins; a tie goes to fewer members.
    within = [m for m in candidates if results[m]["weak"]["false_alarms"] <= 0.01
              and results[m]["ordinary_dev"]["raised"] <= args.ordinary_cap]  # fmt: skip
    best = choose(within or candidates, results, args.recall_slack)
    print("best:", "+".join(best))
    if args.write:
        meta = json.loads((OUT / "crisis.json").read_text(encoding="utf-8"))
        meta["members"] = list(best)
        meta["thresholds"] = results[best]["thresholds"]
        meta["calibration"] = {"+".join(m): r for m, r in results.items()}
        (OUT / "crisis.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
