"""The phrases named in the safety issue, each assessed on its own and in context."""

from __future__ import annotations

import pytest

from confidante.conversation import (
    Assessment,
    Message,
    Move,
    RiskKind,
    RiskLevel,
    Role,
    SessionState,
    Turn,
    Understanding,
)
from confidante.safety import SafetyGuard

NONE, LOW, ELEVATED, IMMINENT = (
    RiskLevel.NONE,
    RiskLevel.LOW,
    RiskLevel.ELEVATED,
    RiskLevel.IMMINENT,
)
SUICIDE = RiskKind.SUICIDE_SELF_HARM


@pytest.fixture(scope="module")
def guard() -> SafetyGuard:
    return SafetyGuard.load()


@pytest.mark.parametrize(
    "text",
    [
        "everyone would be better off without me",
        "I've been giving my things away",
        "I won't be a burden much longer",
        "kms",
        "honestly i just want to unalive",
        "I want to kill myself",
        "I want to die",
        "i dont want to be here anymore",
    ],
)
def test_indirect_and_informal_ideation_is_elevated(guard: SafetyGuard, text: str) -> None:
    a = guard.assess(text)
    assert a.level is ELEVATED
    assert a.kind is SUICIDE
    assert a.reasons and all(text.lower() not in r for r in a.reasons)


def test_pills_ready_tonight_is_imminent(guard: SafetyGuard) -> None:
    a = guard.assess("I have the pills ready tonight")
    assert (a.level, a.kind) == (IMMINENT, SUICIDE)


@pytest.mark.parametrize(
    "text",
    [
        "this traffic is killing me",
        "I could kill for a coffee",
        "I'm dying to see it",
        "my feet are killing me after that shift",
        "I'm not suicidal, just worn out",
        "I would never kill myself, I just need to vent",
    ],
)
def test_idioms_and_negation_do_not_fire(guard: SafetyGuard, text: str) -> None:
    a = guard.assess(text)
    # The crisis reader may keep a watchful "low" (no reply changes) where it is very sure.
    reader_low = a.level is LOW and all(r.startswith("reader:") for r in a.reasons)
    assert not a.level.at_least(LOW) or reader_low


def test_someone_else_at_risk_is_third_party(guard: SafetyGuard) -> None:
    a = guard.assess("my friend says she wants to die")
    assert (a.level, a.kind) == (ELEVATED, RiskKind.THIRD_PARTY)


def test_the_past_is_low_not_elevated(guard: SafetyGuard) -> None:
    a = guard.assess("years ago I tried; I'm in a better place now")
    assert (a.level, a.kind) == (LOW, SUICIDE)
    b = guard.assess("I tried to kill myself when I was 16, but I'm doing better now")
    assert b.level is LOW


def test_the_past_coming_back_is_elevated(guard: SafetyGuard) -> None:
    a = guard.assess("years ago I tried to kill myself and lately I want to die again")
    assert a.level is ELEVATED


@pytest.mark.parametrize(
    ("text", "level", "kind"),
    [
        ("my husband hits me", ELEVATED, RiskKind.HARMED_BY_OTHERS),
        ("I'm scared he'll hurt me tonight", IMMINENT, RiskKind.HARMED_BY_OTHERS),
        ("I'm going to hurt him", ELEVATED, RiskKind.HARMING_OTHERS),
        ("I took a whole bottle of pills", IMMINENT, RiskKind.MEDICAL_EMERGENCY),
        ("chest pain and can't breathe", IMMINENT, RiskKind.MEDICAL_EMERGENCY),
    ],
)
def test_other_kinds(guard: SafetyGuard, text: str, level: RiskLevel, kind: RiskKind) -> None:
    a = guard.assess(text)
    assert (a.level, a.kind) == (level, kind)


def _state(*turns: tuple[str, Assessment, Move]) -> SessionState:
    state = SessionState(minutes=60, locale="en_GB", started_at=0.0)
    for i, (text, assessment, move) in enumerate(turns):
        state.turns.append(
            Turn(
                said=Message(Role.PERSON, text, float(i)),
                reply=Message(Role.LISTENER, "...", float(i)),
                move=move,
                assessment=assessment,
                understanding=Understanding(),
            )
        )
        if assessment.level.rank > state.highest_risk.rank:
            state.highest_risk = assessment.level
        if assessment.is_crisis:
            state.crisis_kinds.append(assessment.kind)
    return state


def test_pills_after_earlier_ideation_escalate(guard: SafetyGuard) -> None:
    assert guard.assess("I have the pills").level.rank <= ELEVATED.rank  # never "now" alone
    first = guard.assess("I just want to die")
    state = _state(("I just want to die", first, Move.CRISIS), ("ok", Assessment(), Move.ENCOURAGE))
    a = guard.assess("I have the pills", state)
    assert (a.level, a.kind) == (IMMINENT, SUICIDE)
    assert "escalate:means+ideation" in a.reasons


def test_yes_to_the_direct_question_is_elevated(guard: SafetyGuard) -> None:
    first = guard.assess("everyone would be better off without me")
    state = _state(("...", first, Move.CRISIS))
    assert guard.assess("yes", state).level is ELEVATED
    assert guard.assess("yeah, tonight", state).level is IMMINENT
    assert guard.assess("yes").level is NONE


def test_after_a_crisis_nothing_is_none(guard: SafetyGuard) -> None:
    first = guard.assess("I want to kill myself")
    state = _state(("...", first, Move.CRISIS), ("ok", Assessment(), Move.REFLECT_FEELING))
    a = guard.assess("work was long today", state)
    assert (a.level, a.kind) == (LOW, SUICIDE)


def test_ambiguous_despair_is_low_alone_elevated_after_ideation(guard: SafetyGuard) -> None:
    assert guard.assess("I can't do this anymore").level is LOW
    first = guard.assess("I wish I was dead")
    state = _state(("...", first, Move.CRISIS), ("no", Assessment(), Move.ENCOURAGE))
    assert guard.assess("I can't do this anymore", state).level is ELEVATED


def test_reasons_never_hold_text(guard: SafetyGuard) -> None:
    a = guard.assess("Marigold says she wants to die tonight")
    assert a.reasons
    assert not any("marigold" in r.lower() or "tonight" in r for r in a.reasons)


def test_load_is_cached(guard: SafetyGuard) -> None:
    assert SafetyGuard.load() is guard
