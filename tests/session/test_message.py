from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confidante.errors import InputError
from confidante.session.message import (
    ASSESS_FACTOR,
    check_message,
    clip_for_assessment,
    normalise_sentence,
    repair_text,
)

# Text nobody mangled: printable ASCII, tab, newline, and a few characters from other scripts
# that cannot be read as mojibake on their own.
CLEAN = st.text(
    st.sampled_from(
        [chr(c) for c in range(0x20, 0x7F)] + ["\n", "\t", "é", "ñ", "ß", "日", "本", "😀", "—"]
    ),
    max_size=200,
)


def stray_controls(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\t"]


def test_check_message_strips_and_keeps_newlines_inside() -> None:
    assert check_message("  line one\nline two \n", 100) == "line one\nline two"


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\r\n\r"])
def test_empty_messages_are_refused_with_what_to_do(text: str) -> None:
    with pytest.raises(InputError, match="empty"):
        check_message(text, 100)


def test_too_long_message_names_sizes_not_content() -> None:
    secret = "zebraquartz " * 50
    with pytest.raises(InputError) as info:
        check_message(secret, 100)
    assert "100" in str(info.value)
    assert "zebraquartz" not in str(info.value)


def test_too_long_message_says_how_many_parts_would_fit() -> None:
    with pytest.raises(InputError) as info:
        check_message("word " * 50, 100)  # 249 characters once stripped
    assert "3 messages of up to 100 characters" in str(info.value)


def test_far_too_long_message_is_refused_without_repair() -> None:
    with pytest.raises(InputError) as info:
        check_message("Iâ€™m " * 100_000, 100)
    assert "600000 characters" in str(info.value)  # the length as sent, not as repaired


def test_mojibake_that_repairs_into_the_limit_is_taken() -> None:
    broken = "Iâ€™m " * 20  # 120 characters as sent, 79 once repaired and stripped
    assert check_message(broken, 100) == ("I'm " * 20).strip()


@pytest.mark.parametrize(
    "text", ["hello\x00world", "a\x1b[31mred", "bad \ufffd byte", "form\x0cfeed", "lone \ud800 half"]
)
def test_binary_and_control_characters_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="plain text"):
        check_message(text, 100)


def test_normalise_sentence() -> None:
    assert normalise_sentence("  That  sounds HARD. ") == "that sounds hard"
    assert normalise_sentence("What happened next?") == "what happened next"


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("Iâ€™m so tired", "I'm so tired"),
        ("Ã©tÃ© Ã  Paris", "été à Paris"),
        ("she said â€œnoâ€\x9d", 'she said "no"'),
    ],
)
def test_mojibake_is_repaired(broken: str, fixed: str) -> None:
    assert repair_text(broken) == fixed


def test_c1_codes_from_misdecoded_utf8_are_repaired_and_pass_the_gate() -> None:
    broken = "â\x80\x9cI canâ\x80\x99t sleepâ\x80\x9d"
    assert repair_text(broken) == '"I can\'t sleep"'
    assert check_message(broken, 100) == '"I can\'t sleep"'


def test_stray_controls_are_dropped_and_line_ends_become_newlines() -> None:
    assert repair_text("a\x00b\x07c\x1b[1md\x7fe\x81f\ufeffg") == "abcdefg"
    assert repair_text("one\rtwo\r\nthree\nfour\tfive") == "one\ntwo\nthree\nfour\tfive"


def test_repaired_text_passes_the_gate() -> None:
    assert check_message("  Iâ€™m so tired\r\n", 100) == "I'm so tired"


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "\udc00\ud800", "x\ud83d"])
def test_lone_surrogates_are_replaced_never_raising(text: str) -> None:
    repaired = repair_text(text)
    assert not any("\ud800" <= ch <= "\udfff" for ch in repaired)
    repaired.encode("utf-8")  # would raise on a surrogate


def test_a_paired_surrogate_becomes_its_character() -> None:
    assert repair_text("\ud83d\ude00") == "😀"


@given(CLEAN)
def test_repair_leaves_clean_text_as_it_is(text: str) -> None:
    assert repair_text(text) == text
    assert repair_text(repair_text(text)) == text


# Any characters at all, lone surrogates and controls included, with mojibake mixed in.
ANY = st.lists(
    st.text(st.characters(exclude_categories=()), max_size=20)
    | st.sampled_from(["\ud800", "\udfff", "â€™", "â\x80\x9c", "\r", "\x1b[1m", "Ã"]),
    max_size=12,
).map("".join)


@given(ANY)
def test_repair_is_safe_on_any_text(text: str) -> None:
    repaired = repair_text(text)
    assert stray_controls(repaired) == []
    assert "\r" not in repaired
    repaired.encode("utf-8")


def test_clip_keeps_a_message_within_bounds_as_the_gate_would() -> None:
    assert clip_for_assessment("  Iâ€™m so tired\r\n", 100) == "I'm so tired"


def test_clip_cuts_an_oversize_message_on_a_word_boundary() -> None:
    text = "I want to end it all tonight. " + "so much going on " * 200
    clipped = clip_for_assessment(text, 100)
    assert len(clipped) <= ASSESS_FACTOR * 100
    assert clipped.startswith("I want to end it all tonight.")
    assert text.startswith(clipped)
    assert text[len(clipped)] == " "  # the cut fell between words


def test_clip_cuts_one_endless_word_at_the_bound() -> None:
    assert clip_for_assessment("x" * 10_000, 100) == "x" * (ASSESS_FACTOR * 100)


def test_clip_repairs_what_it_keeps() -> None:
    clipped = clip_for_assessment("Iâ€™m\x00 done " * 500, 100)
    assert clipped.startswith("I'm done I'm done")
    assert stray_controls(clipped) == [] and "â" not in clipped
