"""Advice asked for, turned down, and questions about what lies ahead: answered as asked."""

from __future__ import annotations

import pytest
from tests.listening.conftest import run_policy

from confidante.conversation import Move, SessionState, Understanding
from confidante.listening import Understander
from confidante.listening.plan import Plan


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander.load()


def _state() -> SessionState:
    return SessionState(minutes=60, locale="en_US", started_at=0.0)


def _run(us: list[Understanding], seed: int) -> list[Plan]:
    return run_policy(us, seed)[1]


def test_advice_turned_down_is_not_read_as_advice_asked(understander: Understander) -> None:
    u = understander.understand(
        "I don't want advice really. I just want someone to get it", _state()
    )
    assert u.declines_advice and not u.asks_advice
    assert understander.understand("I need some advice", _state()).asks_advice


def test_advice_turned_down_is_heard_and_no_helpful_comment_comes_unasked() -> None:
    talk = Understanding(topics=("work",), feelings=("exhausted",), clause="work never stops")
    no = Understanding(declines_advice=True, words=12)
    for seed in range(10):
        plans = _run([talk, no, *[talk] * 14], seed)
        assert plans[1].reasons == ("advice.declined",)
        assert not any(p.move is Move.HELPFUL_COMMENT for p in plans[2:])
    # asked again later, the person gets what they now ask for
    asked = Understanding(asks_advice=True, is_question=True, words=4)
    plans = _run([talk, no, *[talk] * 6, asked], 1)
    assert plans[-1].move is Move.HELPFUL_COMMENT


def test_a_question_about_the_future_is_answered_as_unknowable(
    understander: Understander,
) -> None:
    for text in (
        "do you think I'll ever trust someone again?",
        "will it ever get better?",
        "is this going to get any easier?",
    ):
        assert understander.understand(text, _state()).asks == "future", text


def test_advice_after_a_break_up_is_not_about_talking_to_the_partner() -> None:
    ended = Understanding(topics=("partner",), clause="your girlfriend left you", words=5)
    talk = Understanding(topics=("partner",), feelings=("angry",), clause="she lied to you")
    asked = Understanding(asks="you_would", is_question=True, words=4)
    plans = _run([ended, *[talk] * 5, asked], 2)
    assert plans[-1].move is Move.HELPFUL_COMMENT and plans[-1].slots["angle"] == "ended"
