"""Replies to hard moments, through the whole listener: properties, not exact wording.

Each case replays a few messages (written for these tests) over many seeds and checks what any
good reply must do: a feeling the person names is said back in their word, a short
self-judgement is never brushed aside, a death is named as a loss, a joke gets no probing
question, a summary says each thing once, a goodbye reads naturally.
"""

from __future__ import annotations

import random
import re

from confidante import Listener
from confidante.conversation import Move
from confidante.session.clock import ManualClock
from confidante.session.hour import Reply
from confidante.settings import Settings

SEEDS = range(12)
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def _replies(said: list[str], seed: int, close: bool = False) -> list[Reply]:
    listener = Listener.default(Settings(locale="en_US", minutes=60, cue_minutes=(10, 5)))
    clock = ManualClock()
    session = listener.session(clock=clock, rng=random.Random(seed), minutes=60, locale="en_US")
    session.open()
    replies = []
    for text in said:
        clock.advance(60)
        replies.append(session.respond(text))
    if close:
        replies += [session.summary(), session.close()]
    return replies


def test_a_short_self_judgement_after_pain_is_reflected_not_brushed_aside() -> None:
    said = ["My father always said I would amount to nothing.", "Maybe he was right."]
    for seed in SEEDS:
        reply = _replies(said, seed)[-1]
        assert reply.move is Move.REFLECT_CONTENT, reply.text
        assert "he was right" in reply.text and not reply.text.startswith("That's alright")


def test_a_feeling_the_person_names_is_said_back_in_their_word() -> None:
    for seed in SEEDS:
        reply = _replies(["I feel useless these days."], seed)[-1]
        assert "useless" in reply.text, reply.text
        assert not re.search(r"\b(?:You're|You sound) useless", reply.text)


def test_a_lost_job_is_named_as_a_loss() -> None:
    said = ["I lost my job last spring and since then I feel useless."]
    for seed in SEEDS:
        reply = _replies(said, seed)[-1].text
        assert "your job" in reply and "since then you feel" not in reply, reply


def test_a_death_is_acknowledged_as_a_loss_with_its_missing_goodbye() -> None:
    said = ["My mother died in March and I never got to say goodbye."]
    for seed in SEEDS:
        reply = _replies(said, seed)[-1].text
        assert "your mother" in reply and "goodbye" in reply, reply
        assert len(reply.split()) <= 22


def test_a_feared_or_asked_about_loss_is_not_named_as_one() -> None:
    cases = [
        ["My wife ignores me.", "My son noticed it too. He asked if we are getting divorced."],
        ["I'm so scared my father will die before I get there."],
    ]
    for said in cases:
        for seed in SEEDS:
            reply = _replies(said, seed)[-1].text
            assert "loss" not in reply and "Losing" not in reply and "end of your" not in reply, reply


def test_a_joke_gets_a_light_reply_and_no_question() -> None:
    said = ["Work has been a lot lately.", "This traffic is killing me every morning though, haha."]
    for seed in SEEDS:
        reply = _replies(said, seed)[-1]
        assert reply.move is Move.ENCOURAGE and "?" not in reply.text, reply.text


def test_the_summary_says_each_thing_once_in_a_few_short_sentences() -> None:
    said = [
        "My wife and I argue all the time, mostly about the kids.",
        "My wife thinks I'm too soft on the kids.",
        "Our marriage used to be good. My kids hear us shouting.",
        "I feel so tired of it all.",
    ]
    for seed in SEEDS:
        summary = _replies(said, seed, close=True)[-2]
        assert summary.move is Move.SUMMARIZE
        text = summary.text.lower()
        assert len(_SENTENCE_END.split(summary.text)) <= 3
        assert not ("your wife" in text and "your relationship" in text), summary.text
        assert not ("the kids" in text and "your children" in text), summary.text


def test_the_goodbye_reads_naturally_for_any_feeling() -> None:
    for feeling_said in ["I feel so confused.", "I feel like a failure.", "I feel numb."]:
        for seed in range(4):
            close = _replies([feeling_said], seed, close=True)[-1].text
            assert "I hope feeling" not in close and "  " not in close, close


def test_replies_stay_short_and_never_chain_a_clause_into_a_frame() -> None:
    said = [
        "I lost my job last spring and since then I feel useless because nobody calls back.",
        "My wife is supportive but I can see she's worried and it makes me feel worse.",
        "I drive my son to school and then I just sit in the car park for an hour.",
    ]
    for seed in SEEDS:
        for reply in _replies(said, seed):
            assert len(reply.text.split()) <= 24, reply.text
            assert not re.search(r"\bWhen you\b.*, (?:feeling|it makes sense)", reply.text)
