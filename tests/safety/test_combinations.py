"""Combination rules: means with despair, a past attempt with despair now, and calm closings."""

from __future__ import annotations

import pytest

from confidante.conversation import (
    Assessment,
    Message,
    Move,
    RiskLevel,
    Role,
    SessionState,
    Turn,
    Understanding,
)
from confidante.safety import SafetyGuard


def _state(*turns: tuple[str, Assessment, Move]) -> SessionState:
    state = SessionState(minutes=60, locale="en_GB", started_at=0.0)
    for i, (text, assessment, move) in enumerate(turns):
        said = Message(Role.PERSON, text, float(i))
        reply = Message(Role.LISTENER, "...", float(i))
        state.turns.append(Turn(said, reply, move, assessment, Understanding()))
        if assessment.level.rank > state.highest_risk.rank:
            state.highest_risk = assessment.level
        if assessment.is_crisis:
            state.crisis_kinds.append(assessment.kind)
    return state


@pytest.fixture(scope="module")
def guard() -> SafetyGuard:
    return SafetyGuard.load()


def test_means_with_despair_is_elevated(guard: SafetyGuard) -> None:
    # Means alone: at most the direct question (the reader may be sure), never an emergency.
    assert guard.assess("I have the pills").level.rank <= RiskLevel.ELEVATED.rank
    assert guard.assess("what's the point").level is RiskLevel.LOW
    a = guard.assess("I have the pills. what's the point anymore")
    assert a.level is RiskLevel.ELEVATED
    assert "escalate:means+despair" in a.reasons


def test_past_attempt_with_despair_now_is_elevated(guard: SafetyGuard) -> None:
    a = guard.assess("I attempted last year. I feel so hopeless now")
    assert a.level is RiskLevel.ELEVATED
    assert "escalate:past+present" in a.reasons
    # The past alone, or the past with recovery, stays low.
    assert guard.assess("years ago I tried; I'm in a better place now").level is RiskLevel.LOW


@pytest.mark.parametrize(
    "text",
    [
        "Thanks. It helped to say it.",
        "Thank you, I feel a bit better now.",
        "Thanks, I'm ready to sleep now, it's time for bed.",
        "thanks for listening, I'm done for tonight",
        "Thanks. That helped a lot. Goodnight",
        "Thank you so much for listening to me tonight. It really helped to say all of it "
        "out loud and I think I can sleep now. Bye for now.",
    ],
)
def test_positive_closings_after_a_crisis_stay_low(guard: SafetyGuard, text: str) -> None:
    first = guard.assess("I want to kill myself")
    state = _state(("...", first, Move.CRISIS), ("ok", Assessment(), Move.REFLECT_FEELING))
    assert guard.assess(text, state).level is RiskLevel.LOW
    assert guard.assess(text).level is RiskLevel.NONE


def test_a_closing_does_not_hide_its_own_words(guard: SafetyGuard) -> None:
    first = guard.assess("I want to kill myself")
    state = _state(("...", first, Move.CRISIS))
    # A farewell after ideation is still imminent, thanks or not.
    assert (
        guard.assess("Thanks for everything. This is goodbye.", state).level is RiskLevel.IMMINENT
    )
    # Without a positive closing, "I'm ready" after ideation still escalates.
    assert guard.assess("thank you for everything. I'm ready now", state).is_crisis
    # An explicit yes to the direct question is never a closing.
    assert guard.assess("yes. thanks, it helped to say it", state).level is RiskLevel.ELEVATED


def test_a_wish_to_be_with_someone_who_died_is_a_wish_to_die(guard: SafetyGuard) -> None:
    wish = "i keep thinking i should just go be with him"
    # Alone, "him" may be alive and across town: watchful, no crisis.
    assert guard.assess(wish).level is RiskLevel.LOW
    told = _state(("rough week, my grandpa died on tuesday", Assessment(), Move.ENCOURAGE),
                  ("he taught me how to fish", Assessment(), Move.REFLECT_CONTENT))
    a = guard.assess(wish, told)
    assert a.level is RiskLevel.ELEVATED
    assert "escalate:reunion+bereaved" in a.reasons
    # A visit is not a wish to die, whatever was told before.
    assert not guard.assess("I want to be with him tonight, he's been away for weeks", told).is_crisis


def test_a_gun_in_the_house_after_a_wish_to_die_is_imminent(guard: SafetyGuard) -> None:
    gun = "my dad has a handgun in the hall closet. the safe code is my birthday"
    assert guard.assess(gun).level.rank <= RiskLevel.ELEVATED.rank
    wished = _state(("I want to die", guard.assess("I want to die"), Move.CRISIS))
    a = guard.assess(gun, wished)
    assert a.level is RiskLevel.IMMINENT
    assert "escalate:means+ideation" in a.reasons


def test_a_second_quiet_sign_after_another_is_elevated(guard: SafetyGuard) -> None:
    affairs = "been sorting out my affairs. updated my will"
    first = guard.assess(affairs)
    assert first.level is RiskLevel.LOW
    assert "lexicon:prep.affairs" in first.reasons
    a = guard.assess("rehomed my cat with the neighbour too", _state((affairs, first, Move.ENCOURAGE)))
    assert a.level is RiskLevel.ELEVATED
    assert "escalate:sign+sign" in a.reasons
    # The same sign after an ordinary message stays low.
    plain = _state(("we're moving to Spain in May", Assessment(), Move.ENCOURAGE))
    assert guard.assess("rehomed my cat with the neighbour", plain).level is RiskLevel.LOW


@pytest.mark.parametrize(
    "text",
    [
        "i'm honestly thinking of ending it this weekend",
        "I want to die and I've picked next friday",
        "going to kill myself after the funeral",
    ],
)
def test_a_wish_to_die_with_a_day_named_is_imminent(guard: SafetyGuard, text: str) -> None:
    assert guard.assess(text).level is RiskLevel.IMMINENT


@pytest.mark.parametrize(
    "text",
    [
        "i dont want to wake up tomorrow",  # the wish itself, no day decided
        "there was a moment on tuesday where i thought about killing myself",  # a past day
    ],
)
def test_a_day_that_is_no_plan_leaves_a_wish_elevated(guard: SafetyGuard, text: str) -> None:
    assert guard.assess(text).level is RiskLevel.ELEVATED
