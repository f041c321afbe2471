from __future__ import annotations

import pytest

from confidante.errors import InputError
from confidante.session.message import check_message, normalise_sentence


def test_check_message_strips_and_keeps_newlines_inside() -> None:
    assert check_message("  line one\nline two \n", 100) == "line one\nline two"


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_messages_are_refused_with_what_to_do(text: str) -> None:
    with pytest.raises(InputError, match="empty"):
        check_message(text, 100)


def test_too_long_message_names_sizes_not_content() -> None:
    secret = "zebraquartz " * 50
    with pytest.raises(InputError) as info:
        check_message(secret, 100)
    assert "100" in str(info.value)
    assert "zebraquartz" not in str(info.value)


@pytest.mark.parametrize("text", ["hello\x00world", "a\x1b[31mred", "bad \ufffd byte"])
def test_binary_and_control_characters_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="plain text"):
        check_message(text, 100)


def test_normalise_sentence() -> None:
    assert normalise_sentence("  That  sounds HARD. ") == "that sounds hard"
    assert normalise_sentence("What happened next?") == "what happened next"
