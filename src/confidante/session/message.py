"""Checks on what a person sends before the listener takes it."""

from __future__ import annotations

import unicodedata

from confidante.conversation import normalise_sentence
from confidante.errors import InputError
from confidante.session.prompts import prompt

_ALLOWED_CONTROLS = {"\n", "\t", "\r"}

__all__ = ["check_message", "normalise_sentence"]


def check_message(text: str, limit: int) -> str:
    """Return the message stripped of outer whitespace, or raise ``InputError`` saying why not.

    The error never quotes the message: it names the problem and what to do next.
    """
    if any(
        unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in text
    ) or "\ufffd" in text:
        raise InputError(prompt("input.binary"))
    cleaned = text.strip()
    if not cleaned:
        raise InputError(prompt("input.empty"))
    if len(cleaned) > limit:
        raise InputError(prompt("input.too_long", length=len(cleaned), limit=limit))
    return cleaned
