"""The direct question left unanswered: asked once more, never skipped for the means question;
and a danger told as a story of the past."""

from __future__ import annotations

import random

from confidante import Listener, ManualClock, Move
from confidante.conversation import Assessment, CrisisEpisode, RiskKind, RiskLevel
from confidante.safety import SafetyGuard
from confidante.safety.crisis import CrisisScript, CrisisTalk, Heard

_SCRIPT = CrisisScript.load()
_AGAIN = {" ".join(v) for v in (x for x in _SCRIPT.answers["ask_again"])}


def _talk(*, reviewed: bool = False) -> tuple[CrisisTalk, CrisisEpisode]:
    talk = CrisisTalk(_SCRIPT, lambda a, rng, used: "first", lambda s: s)
    # opened by a sure reading of the model (not a guess), or by a reviewed phrase
    episode = CrisisEpisode(
        RiskKind.SUICIDE_SELF_HARM, RiskLevel.ELEVATED, ["ask_direct"], reviewed=reviewed
    )
    return talk, episode


def _heard(text: str, *, fresh: bool = False, quiet: bool = True) -> Heard:
    return Heard(spelled=text, fresh=fresh, means=False, time=False, quiet=quiet)


_DANGER = Assessment(RiskLevel.ELEVATED, RiskKind.SUICIDE_SELF_HARM, ("reader:x",))


def _asked_again() -> tuple[CrisisTalk, CrisisEpisode, random.Random]:
    """A sure reading's episode after "work gave me three days off" left the question unanswered
    (read as danger only through the turn before it): the question has been asked again."""
    talk, ep = _talk()
    rng = random.Random(1)
    talk.turn(_heard("work gave me three days off", fresh=True, quiet=False), _DANGER, ep,
              rng, set())  # fmt: skip
    return talk, ep, rng


def test_an_unanswered_direct_question_is_asked_again_before_any_means_question() -> None:
    talk, ep = _talk()
    # "work gave me three days off" after "are you thinking about killing yourself?", read
    # as danger only through the turn before it
    out = talk.turn(_heard("work gave me three days off", fresh=True, quiet=False), _DANGER,
                    ep, random.Random(1), set())  # fmt: skip
    assert out.reply in _AGAIN and ep.steps[-1] == "ask_again"
    assert "ask_means" not in ep.steps


def test_asked_twice_and_answered_with_nothing_of_danger_a_models_reading_passes() -> None:
    talk, ep, rng = _asked_again()
    talk.turn(_heard("i keep picking up the phone to call him"), Assessment(), ep, rng, set())
    assert ep.safe_said and ep.safe_confirmed  # listening again, still watchful


def test_a_reviewed_wish_to_die_is_not_let_go_because_the_question_went_unanswered() -> None:
    talk, ep = _talk(reviewed=True)  # "I want to die" opened it
    rng = random.Random(1)
    out = talk.turn(_heard("work gave me three days off"), Assessment(), ep, rng, set())
    assert out.reply not in _AGAIN  # no second direct question: the protocol goes on
    talk.turn(_heard("i keep picking up the phone"), Assessment(), ep, rng, set())
    assert not ep.safe_said


def test_a_yes_to_the_question_asked_again_bears_the_reading_out() -> None:
    talk, ep, rng = _asked_again()
    talk.turn(_heard("yeah. sometimes"), Assessment(), ep, rng, set())
    assert ep.reviewed and not ep.safe_said and "ask_means" in ep.steps


def test_a_no_to_the_question_asked_again_is_an_answer() -> None:
    talk, ep, rng = _asked_again()
    talk.turn(_heard("no, i'm not. i just miss him"), Assessment(), ep, rng, set())
    assert ep.safe_said and ep.safe_confirmed


def test_a_new_sign_after_a_passed_reading_is_asked_about_directly_before_means() -> None:
    talk, ep = _talk()
    ep.safe_said = ep.safe_confirmed = True  # the first reading passed, never answered
    # "ok. I just want it to stop": a reviewed phrase, but no answer to the question yet
    heard = Heard(spelled="ok. i just want it to stop", fresh=True, means=False, time=False,
                  certain=True, sure=True)  # fmt: skip
    out = talk.turn(heard, _DANGER, ep, random.Random(1), set())
    assert out.reply in _AGAIN and "ask_means" not in ep.steps


def test_a_bodys_danger_told_as_a_story_is_not_an_emergency() -> None:
    s = Listener.default().session(clock=ManualClock(), rng=random.Random(6), locale="en_GB")
    s.open()
    s.respond("I had a panic attack on the train this morning")
    told = s.respond("my heart was racing and I thought I was dying")
    assert told.move is not Move.CRISIS
    assert SafetyGuard.load().assess("my heart is racing and I think I'm dying").is_crisis


def test_an_emergency_just_found_is_not_taken_for_a_story() -> None:
    guard = SafetyGuard.load()
    # past tense, but no time well past: it may be happening now
    assert guard.assess("she was unconscious when I found her").level is not RiskLevel.LOW
