"""Variety by structure: two sides, links, meaning, threads, questions tied to what was said,
encouragers only mid-story and short replies to short messages (issue 11, items 6 and 7)."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from typing import Any

from confidante import Listener
from confidante.conversation import (
    Assessment,
    Message,
    Move,
    Role,
    SessionState,
    Turn,
    Understanding,
)
from confidante.listening import Policy
from confidante.listening.lexicon import load_lexicon
from confidante.listening.memory import COMPLEX, Memory
from confidante.listening.questions import Questions
from confidante.listening.script import load_script
from confidante.listening.shapes import Shapes


def _state(us: list[Understanding], reasons: tuple[str, ...] = (COMPLEX,)) -> SessionState:
    state = SessionState(minutes=60, locale="en_US", started_at=0.0)
    msg = Message(Role.PERSON, "...", 0.0)
    state.turns += [Turn(msg, msg, Move.REFLECT_FEELING, Assessment(), u, reasons) for u in us]
    return state


def _plans(u: Understanding, state: SessionState, seeds: range = range(40)) -> list[str]:
    """The first reason of the plan chosen for ``u`` under each seed."""
    policy = Policy()
    return [policy.choose(u, state, random.Random(s)).reasons[0] for s in seeds]


def _shapes() -> Shapes:
    return Shapes(load_lexicon(), load_script())


def test_both_sides_of_one_clause_are_said_back() -> None:
    u = Understanding(
        clause="your brother says you should leave her, but you made a promise", words=12
    )
    assert _shapes().sides(u.clause) == (
        "your brother says you should leave her",
        "you made a promise",
    )
    assert "reflect.two_sided" in _plans(u, _state([]))
    assert _shapes().sides("your boss shouts at you, but not today") is None


def test_two_parts_of_the_person_are_both_said_back() -> None:
    clause = "part of you wants to put him in a home, part of you feels like that's betraying him"
    assert _shapes().sides(clause) == (
        "part of you wants to put him in a home",
        "part of you feels like that's betraying him",
    )
    assert _shapes().sides(
        "on one hand you love him, on the other hand you can't go on like this"
    ) == (
        "you love him",
        "you can't go on like this",
    )
    assert "reflect.two_sided" in _plans(Understanding(clause=clause, words=17), _state([]))


def test_whether_wanting_a_life_back_is_selfish_gets_an_honest_answer() -> None:
    listener = Listener.default()
    session = listener.session(rng=random.Random(3))
    session.open()
    session.respond("My dad has dementia and I'm his only carer now.")
    reply = session.respond("Do you think it's selfish to want my own life back?")
    assert reply.reasons[0] == "asked.okay"
    # a view is given ("I don't think it's wrong"), not a refusal to judge, and handed back
    assert re.search(r"\b(?:don't think|don't see anything wrong|doesn't make)\b", reply.text)
    assert reply.text.rstrip().endswith("?")


def test_a_link_to_an_earlier_turn_needs_the_same_person_or_part_of_life() -> None:
    old = Understanding(clause="your wife barely speaks to you", people=("your wife",), words=8)
    filler = [Understanding(words=3)] * 3
    now = Understanding(clause="she walked out of the room", people=("your wife",), words=9)
    plans = _shapes().earlier(now, Memory.of(_state([old, *filler])))
    assert plans and plans[0].slots["before"] == "your wife barely speaks to you"
    stranger = Understanding(clause="the bus was late again", words=6)
    assert not _shapes().earlier(stranger, Memory.of(_state([old, *filler])))


def test_what_a_part_of_life_means_is_said_once_and_only_for_its_message() -> None:
    shapes = _shapes()
    u = Understanding(topics=("self_worth",), clause="you're just the one who pays", words=10)
    plans = shapes.meaning(u, Memory.of(_state([])), weighty=True)
    assert plans and plans[0].slots["angle"] == "meaning_self_worth"
    assert not shapes.meaning(u, Memory.of(_state([])), weighty=False)
    said = _state([u, *[Understanding(words=3)] * 6], ("reflect.meaning.topic", COMPLEX))
    assert not shapes.meaning(u, Memory.of(said), weighty=True)
    # someone else's family is not the person's own: no word on what family means to them
    other = Understanding(topics=("family",), clause="a patient's family shouted at you", words=12)
    assert not shapes.meaning(other, Memory.of(_state([])), weighty=True)
    own = Understanding(
        topics=("family",), people=("your mum",), clause="your mum is cold", words=6
    )
    assert not shapes.meaning(own, Memory.of(_state([])), weighty=True)  # said in passing
    hurt = Understanding(
        feelings=("hurt",), topics=("family",), people=("your mum",), clause="your mum is cold",
        words=9,
    )  # fmt: skip
    assert shapes.meaning(hurt, Memory.of(_state([])), weighty=True)
    # a short message is said back as it is ("my mum is cold"), not what a family means
    assert not shapes.meaning(replace(hurt, words=4), Memory.of(_state([])), weighty=True)


def test_a_thread_gathers_one_persons_part_of_the_story() -> None:
    a = Understanding(clause="your son only calls for money", people=("your son",), words=8)
    b = Understanding(clause="your son left early at Christmas", people=("your son",), words=8)
    now = Understanding(clause="your son never asks about you", people=("your son",), words=8)
    plans = _shapes().thread(now, Memory.of(_state([a, b, Understanding(words=2)])))
    assert plans and plans[0].slots["before"] == "your son only calls for money"
    assert not _shapes().thread(now, Memory.of(_state([a, Understanding(words=2)])))


def _questions() -> Questions:
    lex = load_lexicon()
    return Questions(lex, load_script(), {t.id: t.label for t in lex.topics})


def test_a_question_goes_into_the_moment_the_feeling_or_the_step() -> None:
    q, mem = _questions(), Memory.of(_state([]))
    moment = Understanding(clause="she took the plate to her room", words=12)
    seen = {
        q.question(moment, mem, random.Random(s), "question", None).reasons[1] for s in range(30)
    }
    assert "question.moment" in seen
    plan = next(
        p
        for s in range(30)
        if "question.moment" in (p := q.question(moment, mem, random.Random(s), "q", None)).reasons
    )
    assert plan.slots["moment"] == "she took the plate to her room"
    step = Understanding(clause="you'll ask her to go for a walk", words=10)
    assert q.question(step, mem, random.Random(1), "q", None).reasons[1] == "question.step"
    lonely = Understanding(feelings=("lonely",), words=6)
    seen = {q.question(lonely, mem, random.Random(s), "q", "lonely").reasons[1] for s in range(30)}
    assert "question.feeling" in seen
    mild = Understanding(feelings=("frustrated",), words=6)
    seen = {
        q.question(mild, mem, random.Random(s), "q", "frustrated").reasons[1] for s in range(30)
    }
    assert "question.feeling" not in seen  # a guess at a milder feeling is not asked into


def test_a_state_is_no_moment_and_an_ongoing_silence_is_no_event() -> None:
    q = _questions()
    assert q.moment("you're tired of feeling grateful for crumbs") is None
    assert not q.past("your wife and you haven't really talked in years")
    assert q.past("she walked out of the room")
    # a habit is no moment: "how did you feel when your parents were always careful?"
    assert q.moment("your parents were always careful with money") is None
    assert q.moment("she used to call me on sundays") is None


def test_a_minimal_encourager_comes_mid_story_not_after_a_long_heavy_message() -> None:
    story = Understanding(clause="then she walked out of the room", words=14)
    heavy = Understanding(
        feelings=(), topics=("loneliness",), clause="nobody at home asks about your day", words=40
    )
    begun = _state([Understanding(clause="your wife came home late", words=6)])
    assert "encourage.mid_story" in _plans(story, begun)
    assert "encourage.mid_story" not in _plans(story, _state([]))  # an opening deserves more
    assert not any(r.startswith("encourage") for r in _plans(heavy, begun))


def test_short_messages_get_short_replies_in_a_whole_session() -> None:
    session = Listener.default().session(rng=random.Random(3), minutes=60, locale="en_US")
    session.open()
    said = ["I feel lonely.", "Yeah.", "My wife ignores me.", "It hurts.", "I don't know."]
    said += ["She never asks about my day.", "I miss her.", "I'm tired."]
    person = listener = 0
    for text in said:
        reply = session.respond(text)
        person += len(text.split())
        listener += len(reply.text.split())
        assert len(reply.text.split()) <= 14, reply.reasons
    assert listener < 3 * person


def test_a_good_feeling_beside_a_denial_is_not_said_back() -> None:
    u = Understanding(feelings=("happy",), clause="it's like you're no fun anymore", words=12)
    policy, state = Policy(), _state([])
    for seed in range(30):
        plan = policy.choose(u, state, random.Random(seed))
        assert plan.slots.get("feeling") != "happy", plan.reasons


def test_a_plain_clause_gets_its_weight_only_when_something_in_it_is_hard() -> None:
    policy, state = Policy(), _state([])
    hard = Understanding(clause="your best mate stopped answering your calls", words=10)
    kind = Understanding(clause="you drank together every Friday for years", words=9)
    angles = {
        policy.choose(u, state, random.Random(s)).slots.get("angle"): u
        for u in (hard, kind)
        for s in range(40)
    }
    assert angles.get("weight") is hard and angles.get("matters") is kind


def _session_replies(said: list[str], seed: int = 8) -> list[Any]:
    session = Listener.default().session(rng=random.Random(seed))
    session.open()
    return [session.respond(text) for text in said]


def test_saying_a_feeling_more_exactly_is_not_thanked_as_a_correction() -> None:
    # the listener never said "sad", so there is nothing to put right: no "thank you"
    first, clarified = _session_replies(
        [
            "Work is fine, I go in and come home.",
            "It's not that I'm sad exactly, more that I feel invisible.",
        ]
    )
    assert "sad" not in first.text.lower()
    assert "invisible" in clarified.text and "thank" not in clarified.text.lower()


def test_a_correction_of_what_the_listener_said_is_thanked() -> None:
    replies = _session_replies(
        ["I feel so sad since she left.", "Not sad exactly, more lonely."], seed=1
    )
    assert "sad" in replies[0].text.lower()
    assert "lonely" in replies[1].text and "thank" in replies[1].text.lower()


def test_should_i_gets_a_way_to_weigh_the_choice_not_a_topic_tip() -> None:
    said = [
        "I moved to Leeds for a job six months ago and I don't really know anyone.",
        "Weekends are the worst. I just sit in my flat and scroll.",
        "My colleagues are nice but they all have families and go home at five.",
        "I tried a climbing club once but everyone already knew each other.",
        "My mum keeps asking when I'm coming home.",
        "Do you think I should just move back home?",
    ]
    reply = _session_replies(said)[-1]
    assert reply.reasons[0] in ("advice.asked", "asked.choice")
    assert re.search(r"\b(?:yours|for you|choice)\b", reply.text)
    assert "work" not in reply.text.lower()


def test_thanks_for_the_talk_is_received_not_reflected_as_news() -> None:
    said = [
        "My dad has dementia and I'm his only carer now.",
        "Thanks, this helped more than I expected.",
    ]
    reply = _session_replies(said)[-1]
    assert reply.reasons[0] == "validate.thanks"
    assert "expected" not in reply.text


def test_a_first_message_of_loneliness_is_said_back_not_met_with_i_am_here() -> None:
    reply = _session_replies(
        ["I moved to Leeds for a job six months ago and I don't really know anyone."]
    )[0]
    assert reply.move is Move.REFLECT_CONTENT and "know anyone" in reply.text
