"""The understander: feelings, topics, people, the clause to say back, advice and questions."""

from __future__ import annotations

import pytest

from confidante.conversation import SessionState
from confidante.listening import Understander
from confidante.listening.lexicon import load_lexicon


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander.load()


def _state() -> SessionState:
    return SessionState(minutes=60, locale="en_US", started_at=0.0)


def test_people_and_things_are_turned_to_the_listener_s_words(understander: Understander) -> None:
    u = understander.understand(
        "My wife and our eldest son think the job is all I care about.", _state()
    )
    assert u.people == ("your wife", "your eldest son", "the job")
    assert u.topics[:2] == ("partner", "children")
    assert "work" in u.topics


def test_the_clause_is_reflected_and_starts_in_lower_case(understander: Understander) -> None:
    u = understander.understand("Well, honestly, my wife ignores me.", _state())
    assert u.clause == "your wife ignores you"
    u = understander.understand("Work is killing me. I can't keep up.", _state())
    assert u.clause in ("work is killing you", "you can't keep up")


def test_a_long_sentence_is_cut_to_a_clause_worth_saying(understander: Understander) -> None:
    text = (
        "So yesterday after dinner I tried again to talk to my husband about the money, "
        "and he just walked out of the room without saying a word to me"
    )
    u = understander.understand(text, _state())
    assert u.clause is not None and len(u.clause.split()) <= 16
    assert "you" in u.clause.split() or "your" in u.clause.split()


def test_nothing_to_reflect_in_small_talk(understander: Understander) -> None:
    for text in ("Yeah.", "I don't know.", "Thank you so much for listening to me.", "ok"):
        assert understander.understand(text, _state()).clause is None, text


@pytest.mark.parametrize(
    "text",
    ["What should I do?", "Any advice?", "should I leave him", "What would you do in my place?"],
)
def test_asking_for_advice(understander: Understander, text: str) -> None:
    assert understander.understand(text, _state()).asks_advice


def test_not_asking_for_advice(understander: Understander) -> None:
    u = understander.understand("I told her what she should do with her life.", _state())
    assert not u.asks_advice and not u.is_question


def test_questions_and_word_counts(understander: Understander) -> None:
    u = understander.understand("Why does nobody ever call me back?", _state())
    assert u.is_question and u.words == 7
    assert understander.understand("   ", _state()).words == 0


def test_feelings_are_words_the_listener_can_say_back(understander: Understander) -> None:
    known = load_lexicon().feeling_words
    for text in (
        "I feel so alone since she left.",
        "I'm furious with my father.",
        "I'm so ashamed of what I did.",
        "I'm terrified of the scan results.",
    ):
        feelings = understander.understand(text, _state()).feelings
        assert feelings and set(feelings) <= known, text
        assert len(feelings) <= 2


def test_topics_found_by_keyword(understander: Understander) -> None:
    cases = {
        "I got laid off on Friday.": "work",
        "The mortgage payment bounced again.": "money",
        "My mum passed away in March.": "grief",
        "The doctor found a lump.": "health",
        "I feel worthless most days.": "self_worth",
    }
    for text, topic in cases.items():
        assert topic in understander.understand(text, _state()).topics, text


def test_the_clause_reads_well_in_the_middle_of_a_reply(understander: Understander) -> None:
    u = understander.understand("No, my boss keeps shouting at me, But I stay quiet.", _state())
    assert u.clause == "your boss keeps shouting at you, but you stay quiet"
    u = understander.understand("I tried to call her....she never picked up", _state())
    assert u.clause is not None and "...." not in u.clause
    u = understander.understand("Recently I started sleeping on the sofa.", _state())
    assert u.clause == "recently you started sleeping on the sofa"
    u = understander.understand("Sarah left me last spring.", _state())
    assert u.clause == "Sarah left you last spring"


def test_words_to_the_listener_are_not_said_back_as_the_person_s_story(
    understander: Understander,
) -> None:
    for text in ("You should go back to school.", "Talking to you I feel calmer about you."):
        assert understander.understand(text, _state()).clause is None, text
