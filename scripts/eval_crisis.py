"""Measure crisis detection and the crisis conversation on the project's held-out sets.

The sets in tests/safety/data/ were written by a separate writer who never saw the training
families (scripts/data/) or the lexicon, and nothing is tuned on them:
  heldout_messages.jsonl     single messages: recall of crisis rows (elevated or imminent),
                             false alarms on the others, by category; imminent rows read as
                             imminent; the kind right
  crisis_conversations.jsonl multi-turn conversations with the expected reply at every turn:
                             listen, crisis, imminent (the emergency number in the reply), any

Example usage:
    .venv/bin/python scripts/eval_crisis.py                 # as shipped
    .venv/bin/python scripts/eval_crisis.py --no-reader     # lexicon, post model, phrases only
    .venv/bin/python scripts/eval_crisis.py --show-misses 20 --out reports/crisis_eval.json
    # a development set, looked at freely (the held-out sets are not read):
    .venv/bin/python scripts/eval_crisis.py --show-misses 50 \
        --dialogues scripts/dialogues/crisis_dialogues_dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from confidante import Listener, ManualClock, Move, RiskLevel, Settings
from confidante.safety import SafetyGuard
from confidante.safety.helplines import emergency_for

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "safety" / "data"


def load(name: str | Path) -> list[dict[str, Any]]:
    """One JSON object per line (a bare name is looked up in tests/safety/data/)."""
    path = DATA / name if isinstance(name, str) else name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def crisis_row(row: dict[str, Any]) -> bool:
    """A row the protocol must take over."""
    return str(row["level"]) in ("elevated", "imminent")


def eval_messages(guard: SafetyGuard, show: int) -> dict[str, Any]:
    """Recall, false alarms and kinds on the held-out single messages."""
    rows = load("heldout_messages.jsonl")
    by_cat: dict[str, list[int]] = defaultdict(list)
    hits = alarms = crisis_n = other_n = imminent_ok = imminent_n = kind_ok = 0
    misses: list[str] = []
    for row in rows:
        a = guard.assess(str(row["text"]))
        flagged = a.is_crisis
        by_cat[str(row["category"])].append(int(flagged == crisis_row(row)))
        if crisis_row(row):
            crisis_n += 1
            hits += flagged
            kind_ok += flagged and a.kind.value == row["kind"]
            if not flagged and len(misses) < show:
                misses.append(f"MISS {row['id']} {row['category']}: {row['text']}")
            if row["level"] == "imminent":
                imminent_n += 1
                imminent_ok += a.level is RiskLevel.IMMINENT
        else:
            other_n += 1
            alarms += flagged
            if flagged and len(misses) < show:
                misses.append(f"ALARM {row['id']} {row['category']}: {row['text']}")
    for line in misses:
        print(line, file=sys.stderr)
    return {
        "crisis_rows": crisis_n,
        "recall": round(hits / crisis_n, 4),
        "other_rows": other_n,
        "false_alarms": round(alarms / other_n, 4),
        "imminent_read_as_imminent": round(imminent_ok / max(1, imminent_n), 4),
        "kind_right_when_caught": round(kind_ok / max(1, hits), 4),
        "right_by_category": {c: round(sum(v) / len(v), 3) for c, v in sorted(by_cat.items())},
    }


def turn_right(expect: str, move: Move, text: str, locale: str) -> bool:
    """Whether one reply is what the conversation expects at that turn."""
    if expect == "any":
        return True
    if expect == "listen":
        return move is not Move.CRISIS
    if move is not Move.CRISIS:
        return False
    return expect != "imminent" or emergency_for(locale).number in text


def eval_conversations(
    listener: Listener, show: int, path: str | Path = "crisis_conversations.jsonl"
) -> dict[str, Any]:
    """Conversations handled right at every checked turn, and turns right."""
    convs = load(path)
    whole = turns = right = 0
    wrong: list[str] = []
    for conv in convs:
        locale = str(conv.get("locale", "en_US"))
        s = listener.session(clock=ManualClock(), rng=random.Random(7), locale=locale)
        s.open()
        ok = True
        for n, turn in enumerate(conv["turns"], 1):
            reply = s.respond(str(turn["text"]))
            good = turn_right(str(turn["expect"]), reply.move, reply.text, locale)
            turns += 1
            right += good
            if not good:
                ok = False
                if len(wrong) < show:
                    wrong.append(f"{conv['id']} turn {n} want {turn['expect']}, got "
                                 f"{reply.move.value}: {turn['text']!r} -> {reply.text[:90]!r}")
        whole += ok
    for line in wrong:
        print(line, file=sys.stderr)
    return {"conversations": len(convs), "all_turns_right": whole,
            "turns": turns, "turns_right": right}


def main(argv: list[str] | None = None) -> int:
    """Run both evaluations and print the figures as JSON."""
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--no-reader", action="store_true", help="without the crisis reader")
    p.add_argument("--show-misses", type=int, default=0, help="print N misses and alarms")
    p.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    p.add_argument("--dialogues", type=Path,
                   help="only these conversations (a development set, e.g."
                        " scripts/dialogues/crisis_dialogues_dev.jsonl), not the held-out sets")
    args = p.parse_args(argv)
    listener = Listener.default(Settings(locale="en_US"))
    if args.dialogues:
        print(json.dumps(eval_conversations(listener, args.show_misses, args.dialogues), indent=2))
        return 0
    guard = SafetyGuard.load()
    if args.no_reader:
        guard.reader = None
    figures = {
        "reader": guard.reader.name if guard.reader else None,
        "messages": eval_messages(guard, args.show_misses),
        "conversations": eval_conversations(listener, args.show_misses),
    }
    text = json.dumps(figures, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
