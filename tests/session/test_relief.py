from __future__ import annotations

import pytest

from confidante.errors import InputError
from confidante.session.relief import parse_relief, relief_comment


@pytest.mark.parametrize(("answer", "score"), [("0", 0), (" 7 ", 7), ("10", 10), ("", None), ("  ", None)])
def test_parse_relief_accepts_0_to_10_and_skip(answer: str, score: int | None) -> None:
    assert parse_relief(answer) == score


@pytest.mark.parametrize("answer", ["11", "-1", "seven", "7.5", "7/10"])
def test_parse_relief_rejects_other_answers_with_a_hint(answer: str) -> None:
    with pytest.raises(InputError, match="0 to 10"):
        parse_relief(answer)


def test_relief_comment_compares_before_and_after() -> None:
    assert "lifted" in (relief_comment(8, 4) or "")
    assert "gentle" in (relief_comment(3, 6) or "")
    assert "8" in (relief_comment(8, 8) or "")
    assert relief_comment(None, 4) is None
    assert relief_comment(5, None) is None
