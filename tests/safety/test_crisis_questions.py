"""Questions asked in a crisis: about the listener, about themselves, about taking more."""

from __future__ import annotations

import random

from confidante.conversation import Assessment, CrisisEpisode, RiskKind, RiskLevel
from confidante.safety.crisis import CrisisScript, CrisisTalk, Heard

_SCRIPT = CrisisScript.load()


def _first_sentence_of(answer: str) -> set[str]:
    return {v[0] for v in _SCRIPT.answers[answer]}


def _reply(text: str, kind: RiskKind = RiskKind.SUICIDE_SELF_HARM) -> str:
    talk = CrisisTalk(_SCRIPT, lambda a, rng, used: "first", lambda s: s)
    episode = CrisisEpisode(kind, RiskLevel.ELEVATED, ["ask_direct", "ask_means"], reviewed=True)
    heard = Heard(spelled=text, fresh=False, means=False, time=False, quiet=True)
    out = talk.turn(heard, Assessment(), episode, random.Random(1), set())
    assert out.reply is not None
    return out.reply


def test_a_question_about_the_listener_is_answered_as_an_ai() -> None:
    reply = _reply("why do you even care?")
    assert any(reply.startswith(s) for s in _first_sentence_of("question"))


def test_a_question_of_their_own_is_not_answered_as_one_about_the_listener() -> None:
    reply = _reply("is it normal to feel this way after?")
    assert any(reply.startswith(s) for s in _first_sentence_of("question_theirs"))
    assert not any(reply.startswith(s) for s in _first_sentence_of("question"))


def test_asking_whether_to_take_more_medicine_is_told_not_without_a_doctor() -> None:
    reply = _reply("my doctor gave me propranolol, should I take more of it?",
                   RiskKind.MEDICAL_EMERGENCY)  # fmt: skip
    assert any(reply.startswith(s) for s in _first_sentence_of("more_medicine"))
