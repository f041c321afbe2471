"""A model voice is held to the phrasebook's rules and falls back when it breaks one."""

from __future__ import annotations

import random

import pytest

from confidante.conversation import Move
from confidante.errors import VoiceError
from confidante.listening.plan import Plan
from confidante.voices.base import VoiceContext
from confidante.voices.fake import FakeVoice
from confidante.voices.guarded import GuardedVoice


class BrokenVoice:
    name = "broken"

    def say(self, plan: Plan, context: VoiceContext) -> list[str]:
        raise VoiceError("down")


def say(inner_reply: str, used: set[str] | None = None) -> tuple[str, GuardedVoice]:
    guarded = GuardedVoice(FakeVoice([inner_reply]), FakeVoice(["FALLBACK."]))
    ctx = VoiceContext(rng=random.Random(0), used_sentences=used or set())
    return "".join(guarded.say(Plan(Move.REFLECT_FEELING), ctx)), guarded


def test_a_good_reply_passes_through() -> None:
    text, guarded = say("It sounds like the evenings are lonely.")
    assert text == "It sounds like the evenings are lonely." and guarded.fallbacks == 0


@pytest.mark.parametrize(
    "bad",
    [
        "I'm a real person, don't worry.",
        "You should ask your doctor for 20 mg of something.",
        "That is amazing!",
        "word " * 80,
        "",
    ],
)
def test_a_reply_that_breaks_a_rule_falls_back(bad: str) -> None:
    text, guarded = say(bad)
    assert text == "FALLBACK." and guarded.fallbacks == 1


def test_a_repeated_sentence_falls_back() -> None:
    text, _ = say("That sounds hard.", used={"that sounds hard"})
    assert text == "FALLBACK."


def test_an_extra_check_can_veto() -> None:
    guarded = GuardedVoice(FakeVoice(["Fine words."]), FakeVoice(["FALLBACK."]), check=lambda t: False)
    assert "".join(guarded.say(Plan(Move.VALIDATE), VoiceContext(rng=random.Random(0)))) == "FALLBACK."


def test_a_voice_that_fails_mid_session_falls_back() -> None:
    guarded = GuardedVoice(BrokenVoice(), FakeVoice(["FALLBACK."]))  # type: ignore[arg-type]
    assert "".join(guarded.say(Plan(Move.VALIDATE), VoiceContext(rng=random.Random(0)))) == "FALLBACK."
