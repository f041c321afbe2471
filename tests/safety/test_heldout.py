"""Crisis detection on held-out paraphrases and whole conversations nobody tuned on.

The sets were written apart from the training families (scripts/data/) and the lexicon; see
scripts/eval_crisis.py for the figures. The floors here are regression guards set below the
figures measured when the reader was shipped (SAFETY.md gives them); they are not targets, and
the data is never used to change a rule or a weight.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from confidante import Listener, ManualClock, Reply
from confidante.safety import SafetyGuard

DATA = Path(__file__).parent / "data"
#: Share of each crisis category that must be caught (elevated or above).
RECALL_FLOOR = 0.3
#: Share of each ordinary category that may be raised to a crisis.
ALARM_CEILING = 0.25
#: Conversations not yet right at every turn when the reader shipped (SAFETY.md says which kind
#: of turn goes wrong). Strict: one that starts passing must leave this list.
KNOWN_WRONG = {"c08", "c10", "c15", "c19", "c23"}


def _load(name: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (DATA / name).read_text(encoding="utf-8").splitlines() if x]


MESSAGES = _load("heldout_messages.jsonl")
CONVERSATIONS = _load("crisis_conversations.jsonl")
CATEGORIES: dict[str, list[dict[str, Any]]] = defaultdict(list)
for _row in MESSAGES:
    CATEGORIES[str(_row["category"])].append(_row)


def _is_crisis_row(row: dict[str, Any]) -> bool:
    return str(row["level"]) in ("elevated", "imminent")


@pytest.fixture(scope="module")
def guard() -> SafetyGuard:
    return SafetyGuard.load()


def test_the_sets_are_large_and_balanced() -> None:
    crisis = sum(_is_crisis_row(r) for r in MESSAGES)
    assert crisis >= 400 and len(MESSAGES) - crisis >= 400
    assert len(CONVERSATIONS) >= 20
    assert all(len(c["turns"]) >= 5 for c in CONVERSATIONS)


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_each_category_on_held_out_paraphrases(guard: SafetyGuard, category: str) -> None:
    rows = CATEGORIES[category]
    flagged = [guard.assess(str(r["text"])).is_crisis for r in rows]
    if all(_is_crisis_row(r) for r in rows):
        recall = sum(flagged) / len(rows)
        assert recall >= RECALL_FLOOR, f"{category}: recall {recall:.2f}"
    else:
        ordinary = [f for f, r in zip(flagged, rows, strict=True) if not _is_crisis_row(r)]
        alarms = sum(ordinary) / len(ordinary)
        assert alarms <= ALARM_CEILING, f"{category}: false alarms {alarms:.2f}"


@pytest.mark.parametrize(
    "conv",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason="known miss, see SAFETY.md"))
        if c["id"] in KNOWN_WRONG else c
        for c in CONVERSATIONS
    ],
    ids=[str(c["id"]) for c in CONVERSATIONS],
)
def test_each_conversation_turn_by_turn(
    listener: Listener, conv: dict[str, Any], turn_right: Callable[[str, Reply, str], bool]
) -> None:
    locale = str(conv.get("locale", "en_US"))
    session = listener.session(clock=ManualClock(), rng=random.Random(7), locale=locale)
    session.open()
    wrong = []
    for n, turn in enumerate(conv["turns"], 1):
        reply = session.respond(str(turn["text"]))
        if not turn_right(str(turn["expect"]), reply, locale):
            wrong.append(f"turn {n}: wanted {turn['expect']}, got {reply.move.value}")
    assert not wrong, wrong
