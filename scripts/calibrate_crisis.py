"""Choose the crisis reader's members and thresholds on the validation families, and write them.

The reader may average several fine-tunings of the same encoder (``crisis.json`` "members").
This script reads the validation split exactly as ``train_crisis.py`` builds it (15% of the
written families by CRC-32 of the family id, and every 20th weak-label row; no member was
trained on any of it), with each candidate: every member alone and all of them averaged. For
each it picks thresholds by the training script's rule (``choose_thresholds``), and reports
recall of crisis rows with false alarms on written hard negatives and on ordinary talk. The
candidate with the best recall at its thresholds, among those whose ordinary-talk false alarms
stay within the rule, is written with ``--write``. The held-out sets in tests/safety/data/ are
never read here.

Example usage (the project's .venv, with ../shared/datasets beside the checkout):
    .venv/bin/python scripts/calibrate_crisis.py --members crisis.onnx crisis_a.onnx
    .venv/bin/python scripts/calibrate_crisis.py --members crisis.onnx crisis_a.onnx --write
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

from confidante.safety.lexicon import Lexicon  # noqa: E402


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

    from confidante.safety.reader import CrisisReader

    meta = json.loads((OUT / "crisis.json").read_text(encoding="utf-8"))
    tok = Tokenizer.from_file(str(OUT / "crisis_tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(int(meta["max_tokens"]), stride=32)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--members", nargs="+", default=["crisis.onnx"], help="ONNX files in models/")
    p.add_argument("--seed", type=int, default=7, help="the training run's seed")
    p.add_argument("--weak-every", type=int, default=2, help="the training run's --weak-every")
    p.add_argument("--write", action="store_true", help="write the best candidate to crisis.json")
    args = p.parse_args(argv)
    rows = validation_rows(args.seed, args.weak_every)
    candidates = [c for n in range(1, len(args.members) + 1)
                  for c in combinations(args.members, n)]  # fmt: skip
    results = {}
    for members in candidates:
        kinds, now = scores(reader_of(members), rows)
        results[members] = report(rows, kinds, now)
        print("+".join(members), json.dumps(results[members]))
    # The rule caps ordinary talk at 1%; among candidates within it, the best recall wins.
    within = [m for m in candidates if results[m]["weak"]["false_alarms"] <= 0.01]
    best = max(within or candidates, key=lambda m: results[m]["written"]["recall"])
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
