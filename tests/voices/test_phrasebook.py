"""The phrasebook voice: verbatim fixed text, filled slots, grammar, and no repeated sentence."""

from __future__ import annotations

import random
import re
import tomllib
from importlib import resources

import pytest

from confidante.conversation import Move, sentences
from confidante.conversation import normalise_sentence as normalise
from confidante.errors import VoiceError
from confidante.listening.plan import Plan
from confidante.voices.base import Voice, VoiceContext
from confidante.voices.phrasebook import SHORT_WORDS, Phrasebook, fill

SLOTS = {
    "feeling",
    "person",
    "topic",
    "clause",
    "before",
    "earlier",
    "people",
    "topics",
    "feelings",
    "minutes",
    "continuity",
    "about",
    "lost",
    "side",
    "other",
    "moment",
}
LISTENING = [
    Move.OPEN,
    Move.ENCOURAGE,
    Move.REFLECT_FEELING,
    Move.REFLECT_CONTENT,
    Move.VALIDATE,
    Move.OPEN_QUESTION,
    Move.SUMMARIZE,
    Move.HELPFUL_COMMENT,
    Move.TIME_CUE,
    Move.CLOSE,
]


def _bank() -> dict[str, dict[str, list[str]]]:
    raw = resources.files("confidante.voices").joinpath("data", "phrases.toml").read_text("utf-8")
    moves: dict[str, dict[str, list[str]]] = tomllib.loads(raw)["moves"]
    return moves


def _say(book: Phrasebook, plan: Plan, ctx: VoiceContext) -> str:
    return "".join(book.say(plan, ctx))


def test_phrasebook_is_a_voice() -> None:
    book = Phrasebook.load()
    assert isinstance(book, Voice)
    assert book.name == "phrasebook"


def test_fixed_text_is_said_verbatim_and_not_remembered() -> None:
    ctx = VoiceContext(rng=random.Random(1))
    fixed = "Please call 988 now.  I'm here."
    assert _say(Phrasebook.load(), Plan(Move.CRISIS, fixed=fixed), ctx) == fixed
    assert ctx.used_sentences == set()


def test_bank_has_hundreds_of_reviewed_variants() -> None:
    bank = _bank()
    variants = [v for groups in bank.values() for group in groups.values() for v in group]
    assert len(variants) >= 300
    assert {Move(m) for m in bank} >= set(LISTENING)
    for text in variants:
        assert "!" not in text, text
        assert "  " not in text and text == text.strip(), text
        assert text[-1] in ".?", text
        assert set(re.findall(r"\{(?:a:)?([a-z_]+)\}", text)) <= SLOTS, text
        assert not re.search(r"\n|^\s*(?:-|\*|\d+\.)\s", text), text  # no lists


def test_no_sentence_is_repeated_when_a_move_is_used_again_and_again() -> None:
    book = Phrasebook.load()
    ctx = VoiceContext(rng=random.Random(3))
    said: list[str] = []
    for _ in range(200):
        said += sentences(_say(book, Plan(Move.ENCOURAGE), ctx))
    normalised = [normalise(s) for s in said]
    assert len(normalised) == len(set(normalised))


@pytest.mark.parametrize("move", LISTENING)
def test_every_move_is_fresh_for_a_whole_session_of_it(move: Move) -> None:
    book = Phrasebook.load()
    ctx = VoiceContext(rng=random.Random(5))
    slots = {"feeling": "lonely", "clause": "your wife ignores you", "minutes": "10"}
    seen: set[str] = set()
    for _ in range(60):
        for s in sentences(_say(book, Plan(move, slots), ctx)):
            assert normalise(s) not in seen, s
            seen.add(normalise(s))


def test_slots_are_filled_and_a_clause_is_capitalised_at_a_sentence_start() -> None:
    assert fill("{clause}. That's hard.", {"clause": "your wife ignores you"}) == (
        "Your wife ignores you. That's hard."
    )
    assert fill("It sounds like {clause}.", {"clause": "I'm tired"}) == "It sounds like I'm tired."


def test_articles_agree_with_the_word_that_follows() -> None:
    assert fill("That's {a:feeling} place.", {"feeling": "angry"}) == "That's an angry place."
    assert fill("That's {a:feeling} place.", {"feeling": "lonely"}) == "That's a lonely place."
    assert fill("{a:feeling} one.", {"feeling": "unusual"}) == "An unusual one."
    assert fill("{a:feeling} one.", {"feeling": "useful"}) == "A useful one."


def test_one_minute_is_singular() -> None:
    book = Phrasebook.load()
    ctx = VoiceContext(rng=random.Random(2))
    text = _say(book, Plan(Move.TIME_CUE, {"minutes": "1"}), ctx)
    assert "1 minute" in text and "1 minutes" not in text


def test_variants_use_every_slot_given_when_they_can() -> None:
    book = Phrasebook.load()
    ctx = VoiceContext(rng=random.Random(4))
    plan = Plan(Move.REFLECT_CONTENT, {"clause": "your boss shouts at you", "feeling": "hurt"})
    text = _say(book, plan, ctx)
    assert "your boss shouts at you" in text.lower() and "hurt" in text


def test_hints_pick_a_group_and_are_never_said() -> None:
    book = Phrasebook.load()
    ctx = VoiceContext(rng=random.Random(6))
    text = _say(book, Plan(Move.OPEN_QUESTION, {"angle": "callback", "earlier": "your son"}), ctx)
    assert "your son" in text
    text = _say(book, Plan(Move.ENCOURAGE, {"length": "short"}), ctx)
    assert "short" not in text and len(text.split()) <= 12


def test_a_continuity_note_is_woven_into_the_opening() -> None:
    book = Phrasebook.load()
    ctx = VoiceContext(rng=random.Random(8))
    note = "You were worried about your sister's wedding."
    assert note in _say(book, Plan(Move.OPEN, {"continuity": note}), ctx)


def test_when_variants_run_out_the_voice_still_says_something_new() -> None:
    book = Phrasebook.load()
    ctx = VoiceContext(rng=random.Random(9))
    for _ in range(150):  # far more time cues than the bank has
        before = set(ctx.used_sentences)
        text = _say(book, Plan(Move.TIME_CUE, {"minutes": "5"}), ctx)
        assert not {normalise(s) for s in sentences(text)} & before


def test_a_move_without_wording_says_what_to_do() -> None:
    ctx = VoiceContext(rng=random.Random(1))
    with pytest.raises(VoiceError, match="phrases.toml"):
        _say(Phrasebook.load(), Plan(Move.BOUNDARY), ctx)


def test_a_feeling_only_ever_follows_feel() -> None:
    # feelings are the person's words: "useless", "like a failure"; "you sound useless" or
    # "of course you're like a failure" would not read, "you feel ..." always does
    for groups in _bank().values():
        for group in groups.values():
            for text in group:
                for m in re.finditer(r"(\S+) \{feelings?\}", text):
                    assert m.group(1).lower() in ("feel", "feels", "feeling", "felt"), text


def test_a_clause_is_never_put_inside_a_when_frame() -> None:
    for groups in _bank().values():
        for group in groups.values():
            assert not any(re.search(r"\b(?:when|while) \{clause\}", t, re.I) for t in group)


def test_encouragers_never_brush_pain_aside() -> None:
    bank = _bank()["encourage"]
    for text in [*bank["plain"], *bank["gentle"]]:
        assert not text.startswith(("That's alright", "Okay", "Right")), text
    assert not any("?" in t for t in bank["gentle"])  # no probing after pain
    assert not any("?" in t for t in bank["light"])


def test_a_filled_reply_stays_short_when_a_short_wording_is_fresh() -> None:
    book = Phrasebook.load()
    ctx = VoiceContext(rng=random.Random(4))
    clause = "your father always said you would amount to nothing at all"
    for _ in range(8):
        text = _say(book, Plan(Move.REFLECT_CONTENT, {"clause": clause, "feeling": "hurt"}), ctx)
        assert len(text.split()) <= 22, text


def test_a_short_message_gets_a_short_reply_even_with_fewer_slots() -> None:
    book = Phrasebook.load()
    ctx = VoiceContext(rng=random.Random(5))
    clause = "your wife took her plate upstairs again"  # seven words
    for _ in range(3):
        plan = Plan(Move.REFLECT_CONTENT, {"clause": clause, "person": "your wife", "length": "short"})
        assert len(_say(book, plan, ctx).split()) <= SHORT_WORDS


def test_a_short_reply_still_says_the_feeling_it_was_planned_with() -> None:
    # a complex reflection cut down to "And your wife took her plate upstairs again." is a
    # simple one counted as complex: the feeling stays, with the fewest words around it
    book = Phrasebook.load()
    ctx = VoiceContext(rng=random.Random(5))
    clause = "your wife took her plate upstairs again"
    for _ in range(3):
        plan = Plan(Move.REFLECT_CONTENT, {"clause": clause, "feeling": "hurt", "length": "short"})
        text = _say(book, plan, ctx)
        assert "hurt" in text and len(text.split()) <= len(clause.split()) + 7, text


def test_a_short_answer_to_a_question_is_still_the_answer() -> None:
    # "Is it my fault?" is short, but the honest answer is never traded for "That makes sense."
    book = Phrasebook.load()
    answers = set(_bank()["validate"]["asked_fault"])
    ctx = VoiceContext(rng=random.Random(2))
    for _ in range(len(answers)):
        text = _say(book, Plan(Move.VALIDATE, {"angle": "asked_fault", "length": "short"}), ctx)
        assert text in answers


def test_two_sides_are_both_said() -> None:
    ctx = VoiceContext(rng=random.Random(3))
    slots = {"side": "you made a promise", "other": "you can't go on like this"}
    for _ in range(6):
        text = _say(
            Phrasebook.load(), Plan(Move.REFLECT_CONTENT, {**slots, "angle": "two_sided"}), ctx
        )
        assert "made a promise" in text and "go on like this" in text, text
