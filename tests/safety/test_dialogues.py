"""The development conversations (scripts/dialogues/): a regression floor, not a held-out figure.

They were written apart from the tests, the lexicon and the training data, and are looked at
freely while the protocol is built; SAFETY.md gives the figure measured when this floor was set.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

from confidante import Listener, ManualClock, Reply

DEV = Path(__file__).resolve().parents[2] / "scripts" / "dialogues" / "crisis_dialogues_dev.jsonl"
#: Turns right when the floor was set: 378 of 382 (stop 25; 366 at stop 21, 337 at stop 20).
FLOOR = 374


def test_the_development_conversations_hold_their_floor(
    listener: Listener, turn_right: Callable[[str, Reply, str], bool]
) -> None:
    convs = [json.loads(x) for x in DEV.read_text(encoding="utf-8").splitlines() if x]
    assert len(convs) == 48
    right = total = 0
    for conv in convs:
        locale = str(conv["locale"])
        s = listener.session(clock=ManualClock(), rng=random.Random(7), locale=locale)
        s.open()
        for turn in conv["turns"]:
            reply = s.respond(str(turn["text"]))
            right += turn_right(str(turn["expect"]), reply, locale)
            total += 1
    assert total == 382 and right >= FLOOR, f"{right} of {total}"
