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
        "Maybe you should kill yourself.",
        "I'm just so tired of all of it.",
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


def test_fallbacks_are_counted_by_reason() -> None:
    _, guarded = say("Maybe you should kill yourself.")
    assert guarded.fallback_reasons() == {"harm.encouragement": 1}


def test_a_failing_model_is_left_to_rest_then_tried_again() -> None:
    now = [0.0]
    guarded = GuardedVoice(BrokenVoice(), FakeVoice(["F."] * 5), monotonic=lambda: now[0])  # type: ignore[arg-type]
    ctx = VoiceContext(rng=random.Random(0))
    for _ in range(4):
        "".join(guarded.say(Plan(Move.VALIDATE), ctx))
    assert guarded.fallback_reasons() == {"voice.error": 3, "voice.resting": 1}
    now[0] += 61
    "".join(guarded.say(Plan(Move.VALIDATE), ctx))
    assert guarded.fallback_reasons() == {"voice.error": 4, "voice.resting": 1}


def test_the_model_draws_from_its_own_random_source() -> None:
    session_rng = random.Random(5)
    before = session_rng.getstate()
    guarded = GuardedVoice(FakeVoice(["It sounds hard."]), FakeVoice(["F."]))
    "".join(guarded.say(Plan(Move.VALIDATE), VoiceContext(rng=session_rng)))
    assert session_rng.getstate() == before


def test_every_voice_but_the_phrasebook_is_guarded_by_type() -> None:
    from confidante.listener import Listener
    from confidante.settings import Settings
    from confidante.voices.phrasebook import Phrasebook

    hand_built = Listener(voice=FakeVoice(["Maybe you should kill yourself."]), settings=Settings(locale="en_US"))
    assert isinstance(hand_built.voice, GuardedVoice)
    assert isinstance(Listener(voice=Phrasebook.load(), settings=Settings(locale="en_US")).voice, Phrasebook)


def test_a_session_says_fixed_text_itself() -> None:
    from confidante.listener import Listener
    from confidante.settings import Settings

    inner = FakeVoice()
    listener = Listener(voice=inner, settings=Settings(locale="en_US"))
    session = listener.session(rng=random.Random(1))
    session.open()
    reply = session.respond("Are you a real person?")
    assert reply.move is Move.DISCLOSURE
    assert all(p.fixed is None for p in inner.plans)


def test_crisis_turns_never_reach_a_model_voice() -> None:
    from confidante.listener import Listener
    from confidante.settings import Settings

    seen: list[str] = []

    class Spy(FakeVoice):
        def say(self, plan: Plan, context: VoiceContext):  # type: ignore[no-untyped-def]
            seen.extend(m.text for m in context.recent)
            return super().say(plan, context)

    listener = Listener(voice=Spy(), settings=Settings(locale="en_US"))
    session = listener.session(rng=random.Random(1))
    session.open()
    assert session.respond("I want to kill myself tonight.").move is Move.CRISIS
    session.summary()
    assert not any("kill myself" in t for t in seen)
