"""The 0-10 "how heavy does it feel" check, before and after the hour."""

from __future__ import annotations

from confidante.errors import InputError
from confidante.session.prompts import prompt


def parse_relief(answer: str) -> int | None:
    """Turn an answer into 0-10, ``None`` for a skip (empty answer); anything else is an error."""
    cleaned = answer.strip()
    if not cleaned:
        return None
    try:
        score = int(cleaned)
    except ValueError:
        raise InputError(prompt("relief.invalid")) from None
    if not 0 <= score <= 10:
        raise InputError(prompt("relief.invalid"))
    return score


def relief_comment(before: int | None, after: int | None) -> str | None:
    """A sentence comparing the two checks, or ``None`` when either was skipped."""
    if before is None or after is None:
        return None
    if after < before:
        key = "relief.lighter"
    elif after == before:
        key = "relief.same"
    else:
        key = "relief.heavier"
    return prompt(key, before=before, after=after)
