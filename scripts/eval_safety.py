"""Evaluate the SafetyGuard on held-out shared data and the labelled test messages.

Figures (each names its split; none of it was trained on, see scripts/train_risk.py):
  cssrs_test     recall of Ideation/Behavior/Attempt users flagged elevated+ on any post
                 (40% of the 400 available users, stratified); flag rate of the other users
  esconv_valid   share of ESConv *valid* seeker turns assessed elevated+ (false alarms)
  sdcnl_dev      elevated+ share of held-out r/SuicideWatch and r/depression posts
  labelled       the hand-written rows of tests/safety/data/labelled_messages.csv

Example usage:
    .venv/bin/python scripts/eval_safety.py                # guard as shipped
    .venv/bin/python scripts/eval_safety.py --no-model     # lexicon only
    .venv/bin/python scripts/eval_safety.py --out reports/safety_eval.json --show-flagged 20
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_risk import (  # noqa: E402
    DATA,
    POSITIVE_LABELS,
    load_cssrs,
    load_esconv,
    load_sdcnl,
    split_cssrs,
    training_set,
)

from confidante.conversation import RiskLevel  # noqa: E402
from confidante.safety import SafetyGuard  # noqa: E402
from confidante.safety.lexicon import Lexicon  # noqa: E402
from confidante.safety.protocol import Texts  # noqa: E402
from confidante.safety.text import normalise  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "safety" / "data" / "labelled_messages.csv"


def crisis(guard: SafetyGuard, text: str) -> bool:
    """True when the guard assesses ``text`` elevated or above."""
    return guard.assess(text).level.at_least(RiskLevel.ELEVATED)


def eval_cssrs(guard: SafetyGuard, data: Path) -> dict[str, object]:
    """User-level recall on the held-out C-SSRS users."""
    _, test = split_cssrs(load_cssrs(data))
    by_label: dict[str, list[int]] = {}
    for u in test:
        flagged = any(crisis(guard, p) for p in u.posts)
        by_label.setdefault(u.label, []).append(int(flagged))
    pos = [f for lab in POSITIVE_LABELS for f in by_label.get(lab, [])]
    neg = [f for lab, fs in by_label.items() if lab not in POSITIVE_LABELS for f in fs]
    return {
        "split": "C-SSRS 40% of users held out (stratified, CRC-32 of user id)",
        "users": len(test),
        "recall_ideation_behavior_attempt": round(sum(pos) / len(pos), 4),
        "positive_users": len(pos),
        "missed_positive_users": len(pos) - sum(pos),
        "flag_rate_supportive_indicator": round(sum(neg) / len(neg), 4),
        "by_label": {lab: f"{sum(fs)}/{len(fs)}" for lab, fs in sorted(by_label.items())},
    }


def eval_esconv(guard: SafetyGuard, data: Path, show: int) -> dict[str, object]:
    """False alarms on every seeker turn of ESConv valid."""
    turns = [t for c in load_esconv("valid", data) for t in c]
    flagged = []
    rules: Counter[str] = Counter()
    for t in turns:
        a = guard.assess(t)
        if a.is_crisis:
            flagged.append((a, t))
            rules.update(r for r in a.reasons if r.startswith(("lexicon:", "model:", "escalate:")))
    for a, t in flagged[:show]:
        print(
            f"  [{a.level.value}/{a.kind.value} {','.join(a.reasons)}] {t[:160]}", file=sys.stderr
        )
    return {
        "split": "ESConv valid, every seeker turn (never trained on)",
        "turns": len(turns),
        "elevated_or_above": len(flagged),
        "false_alarm_rate": round(len(flagged) / len(turns), 4),
        "imminent": sum(1 for a, _ in flagged if a.level is RiskLevel.IMMINENT),
        "by_reason": dict(rules.most_common()),
    }


def eval_sdcnl(guard: SafetyGuard, data: Path) -> dict[str, object]:
    """Elevated+ shares on held-out SDCNL posts (noisy subreddit labels)."""
    _, dev = load_sdcnl(data)
    sw = [crisis(guard, t) for t, y in dev if y == 1]
    dep = [crisis(guard, t) for t, y in dev if y == 0]
    return {
        "split": "SDCNL training-set.csv, 20% held out (CRC-32 of the post)",
        "suicidewatch_posts": len(sw),
        "suicidewatch_elevated_rate": round(sum(sw) / len(sw), 4),
        "depression_posts": len(dep),
        "depression_elevated_rate": round(sum(dep) / len(dep), 4),
    }


def eval_labelled(guard: SafetyGuard, path: Path = LABELLED) -> dict[str, object]:
    """Exact level and kind agreement on the hand-written labelled messages."""
    if not path.is_file():
        return {"rows": 0}
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    exact = kind_ok = missed = false_alarm = 0
    for r in rows:
        a = guard.assess(r["text"])
        want = RiskLevel(r["level"])
        exact += a.level is want
        kind_ok += a.kind.value == r["kind"]
        missed += want.at_least(RiskLevel.ELEVATED) and not a.is_crisis
        false_alarm += not want.at_least(RiskLevel.ELEVATED) and a.is_crisis
    return {
        "rows": len(rows),
        "level_exact": exact,
        "kind_exact": kind_ok,
        "crisis_missed": missed,
        "crisis_false_alarm": false_alarm,
    }


def leakage(data: Path) -> dict[str, int]:
    """Held-out C-SSRS posts whose text also appears in the training set (should be 0)."""
    seen = {normalise(t)[:200] for t in training_set(Lexicon.load(), data).texts}
    _, test = split_cssrs(load_cssrs(data))
    return {
        "cssrs_test_posts_in_training": sum(
            normalise(p)[:200] in seen for u in test for p in u.posts
        )
    }


def main(argv: list[str] | None = None) -> int:
    """Run every evaluation, print the figures as JSON and optionally write them."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--no-model", action="store_true", help="lexicon and context only")
    parser.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--show-flagged", type=int, default=0, help="print N flagged ESConv turns")
    parser.add_argument("--leakage", action="store_true", help="check held-out posts vs training")
    args = parser.parse_args(argv)

    guard = SafetyGuard.load()
    if args.no_model:
        guard = SafetyGuard(Lexicon.load(), None, Texts.load())
    figures: dict[str, object] = {
        "model": guard.model.name if guard.model else None,
        "cssrs_test": eval_cssrs(guard, args.data),
        "esconv_valid": eval_esconv(guard, args.data, args.show_flagged),
        "sdcnl_dev": eval_sdcnl(guard, args.data),
        "labelled": eval_labelled(guard),
    }
    if args.leakage:
        figures["leakage"] = leakage(args.data)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
