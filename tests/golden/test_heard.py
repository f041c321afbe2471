"""Issue 11 ("heard, not processed"): the golden conversations, checked point by point.

Each point of the issue is asserted on the played transcript: what is reflected, the correction
followed and never contradicted, the question answered, no self-insult said back as fact.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.golden.test_golden import CONVERSATIONS, _play

from confidante import Listener
from confidante.conversation import Move

BY_ID = {c["id"]: c for c in CONVERSATIONS}


def _replies(conv_id: str) -> list[tuple[str, Move, tuple[str, ...], str]]:
    """(what the person said, move, reasons, reply) for each person turn, then summary, close."""
    conv: dict[str, Any] = BY_ID[conv_id]
    _, replies = _play(conv)
    said = ["<disclosure>", "<open>", *conv["said"], "<summary>", "<close>"]
    return [(s, m, r, t) for s, (m, r, _, t) in zip(said, replies, strict=True)]


def _after(conv_id: str, message: str) -> tuple[Move, tuple[str, ...], str]:
    rows = _replies(conv_id)
    _, move, why, text = next(r for r in rows if r[0] == message)
    return move, why, text


def test_side_facts_are_not_what_is_reflected() -> None:
    move, _, text = _after("heard_not_processed", "My son is 16 and my daughter is 14.")
    assert "16" not in text and "14" not in text


def test_the_bills_are_about_worth_not_money() -> None:
    _, _, text = _after("heard_not_processed", "It's like I'm just the guy who pays the bills.")
    assert "money" not in text.lower()


def test_a_correction_is_thanked_for_and_followed() -> None:
    move, why, text = _after("heard_not_processed", "Lonely more than sad.")
    assert "correction.followed" in why
    assert "lonely" in text and "thank" in text.lower()


def test_a_corrected_feeling_never_comes_back() -> None:
    rows = _replies("heard_not_processed")
    start = next(i for i, r in enumerate(rows) if r[0] == "Lonely more than sad.")
    for said, _, _, text in rows[start + 1 :]:
        assert " sad" not in text.lower(), said


def test_no_she_never_hurt_me_is_heard_as_a_correction() -> None:
    move, why, text = _after(
        "heard_not_processed", "No, she's never hurt me. She's just not there."
    )
    assert "correction.followed" in why, (move, why, text)


def test_a_question_to_the_listener_is_answered_honestly() -> None:
    move, why, text = _after("heard_not_processed", "Do you think it's my fault?")
    assert "asked.fault" in why
    assert "can't" in text and text.rstrip().endswith("?")
    assert "guilty" not in text


def test_self_contempt_is_never_said_back_as_fact() -> None:
    said = "Maybe I'm just a boring old man nobody wants around."
    _, why, text = _after("heard_not_processed", said)
    assert "reflect.under" in why
    for _, _, _, reply in _replies("heard_not_processed"):
        assert "boring old man" not in reply and "nobody wants" not in reply


def test_every_correction_conversation_keeps_its_correction() -> None:
    withdrawn = {
        "corrected_anger": ("No, that's not it. Hurt more than angry.", "angry"),
        "bad_mother": ("Not guilty exactly, more ashamed.", "guilty"),
        "widower_evenings": ("No, not sad. Empty more than sad.", "sad"),
    }
    for conv_id, (message, word) in withdrawn.items():
        rows = _replies(conv_id)
        start = next(i for i, r in enumerate(rows) if r[0] == message)
        assert "correction.followed" in rows[start][2], conv_id
        for said, _, _, text in rows[start + 1 :]:
            assert f"feel {word}" not in text and f"feeling {word}" not in text, (conv_id, said)


FEELING_WORDS = ["sad", "angry", "anxious", "guilty", "lonely", "hurt", "ashamed", "afraid"]
FILLER = [
    "My wife barely speaks to me.",
    "I sat at the table on my own again.",
    "I feel {w} about all of it.",
    "My son never calls.",
    "Work has been a lot lately.",
    "I don't know what to do.",
    "It's been like this for months.",
]


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(FEELING_WORDS),
    st.sampled_from(FEELING_WORDS),
    st.lists(st.sampled_from(FILLER), min_size=1, max_size=6),
    st.integers(0, 10_000),
)
def test_a_correction_is_never_contradicted_later(
    wrong: str, right: str, later: list[str], seed: int
) -> None:
    if wrong == right:
        return
    session = Listener.default().session(rng=random.Random(seed), minutes=60, locale="en_US")
    session.open()
    session.respond(f"I feel {wrong}.")
    session.respond(f"{right.capitalize()} more than {wrong}.")
    texts = [session.respond(m.format(w=right)).text for m in later]
    texts += [session.summary().text, session.close().text]
    for text in texts:
        assert f"feel {wrong}" not in text and f"feeling {wrong}" not in text
        assert f"felt {wrong}" not in text and f" and {wrong}" not in text


def test_a_longing_gets_no_generic_question() -> None:
    move, why, _ = _after(
        "heard_not_processed", "There's a walking club at church. I'd feel like I belong there."
    )
    assert "question.open" not in why, (move, why)


def test_the_same_topic_frame_never_comes_back_in_a_session() -> None:
    frames = ("the relationship is on your mind", "your children are", "tell me more about that")
    for conv in CONVERSATIONS:
        _, replies = _play(conv)
        for frame in frames:
            said = [t for _, _, _, t in replies if frame in t.lower()]
            assert len(said) <= 1, (conv["id"], frame)


def test_both_sides_are_said_back_when_the_person_voices_both() -> None:
    for conv_id, message in [
        (
            "estranged_daughter",
            "I know I was out of line, but she didn't have to cut me off completely.",
        ),
        ("nurse_burnout", "I love the job, but I can't keep doing it like this."),
    ]:
        move, why, text = _after(conv_id, message)
        assert "reflect.two_sided" in why, (conv_id, why)
        assert "out of line" in text or "love the job" in text, text


def test_a_step_the_person_means_to_take_is_asked_about_not_doubted() -> None:
    _, why, _ = _after("nurse_burnout", "Maybe I'll ask my manager about fewer shifts.")
    assert "reflect.wondering" not in why


def test_no_minimal_encourager_after_a_long_heavy_message() -> None:
    for conv in CONVERSATIONS:
        _, replies = _play(conv)
        for said, (move, why, _, _) in zip(conv["said"], replies[2:-2], strict=True):
            if len(said.split()) >= 30:
                assert move is not Move.ENCOURAGE or "unloading" in why, (conv["id"], why)


def test_the_structures_vary_over_the_set() -> None:
    kinds: set[str] = set()
    for conv in CONVERSATIONS:
        _, replies = _play(conv)
        firsts = {why[0] for move, why, _, _ in replies if move.is_reflection and why}
        # No hour is one frame said again and again; an hour in which the crisis reader asked
        # the direct question (a false alarm on ordinary talk, see SAFETY.md) has fewer
        # listening turns, so three frames are enough there.
        asked = any(move is Move.CRISIS for move, _, _, _ in replies)
        assert len(firsts) >= (3 if asked else 4), conv["id"]
        kinds |= firsts
    shaped = {"reflect.two_sided", "reflect.earlier", "reflect.meaning.topic", "reflect.longing"}
    assert shaped <= kinds


def test_someone_elses_family_is_not_read_as_the_persons_own() -> None:
    _, why, text = _after(
        "nurse_burnout", "Yesterday a patient's family shouted at me because the doctor was late."
    )
    # said back as theirs ("a patient's family shouted at you") is right; as the person's is not
    low = text.lower()
    assert "your family" not in low and "family is" not in low, (why, text)
