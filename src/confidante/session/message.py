"""Checks on what a person sends before the listener takes it.

Text can be damaged on its way here: UTF-8 read as Windows-1252 ("Iâ€™m"), C1 control codes
left by a half-done decode, bare carriage returns, lone surrogates from a broken JSON escape.
``repair_text`` mends what can be mended (with ftfy) and drops what cannot, and never raises.
``check_message`` is the gate: it repairs first, then refuses a message that is empty, too long,
or still looks like binary data, in reviewed wording that never quotes the message.
``clip_for_assessment`` gives the safety layer a bounded, repaired reading of a message that may
be too long to take, so that a crisis in an oversize message is still noticed before it is refused.
"""

from __future__ import annotations

import math
import re
import unicodedata

import ftfy
from ftfy import fixes

from confidante.conversation import normalise_sentence
from confidante.errors import InputError
from confidante.session.prompts import prompt

__all__ = [
    "ASSESS_FACTOR",
    "check_message",
    "clip_for_assessment",
    "normalise_sentence",
    "repair_text",
]

# How many times the limit the safety layer may read of an oversize message.
ASSESS_FACTOR = 4
# One real character is at most four mis-decoded ones (a four-byte UTF-8 sequence), so a
# message longer than this many times the limit cannot repair into one that fits; it is
# refused (or clipped) before any time is spent repairing it.
_MOJIBAKE_RATIO = 4
# Whitespace controls a message may carry; every other control character is dropped.
_KEPT_CONTROLS = frozenset("\n\t")
# A word boundary is looked for only this far back from the cut, so one long word costs little.
_WORD_LOOKBACK = 200
_SPACE = re.compile(r"\s")

# Mend encodings, quotes, widths, line breaks and surrogates; leave HTML entities alone (a
# message is not HTML) and leave control characters in place, so the gate can still see them.
_REPAIR = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    remove_control_chars=False,
    explain=False,
)


def _mend(text: str) -> str:
    """The text with mojibake, line breaks and surrogates fixed, controls still in place."""
    mended = ftfy.fix_text(text, _REPAIR)
    # ftfy turns lone surrogates into U+FFFD; make sure none survive whatever it missed.
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in mended)


def _is_stray_control(ch: str) -> bool:
    """Whether ``ch`` is a C0/C1 control character a message should not carry."""
    return ch not in _KEPT_CONTROLS and unicodedata.category(ch) == "Cc"


def _drop_controls(text: str) -> str:
    """The mended text without terminal escapes, byte-order marks or stray controls."""
    text = fixes.remove_control_chars(fixes.remove_terminal_escapes(text))
    return "".join(ch for ch in text if not _is_stray_control(ch))


def repair_text(text: str) -> str:
    """The text with mojibake mended, line ends as ``\\n``, other controls dropped; never raises."""
    return _drop_controls(_mend(text))


def _too_long(length: int, limit: int) -> InputError:
    """The refusal of a message of ``length`` characters, with a hint on how to split it."""
    parts = math.ceil(length / max(limit, 1))
    return InputError(
        prompt("input.too_long", length=length, limit=limit)
        + " "
        + prompt("input.split_hint", parts=parts, limit=limit)
    )


def check_message(text: str, limit: int) -> str:
    """Return the message repaired and stripped of outer whitespace, or raise ``InputError``.

    Binary means what repair cannot explain: U+FFFD (undecodable bytes, lone surrogates) or
    control characters other than tab and line ends. The error never quotes the message.
    """
    if len(text) > limit * _MOJIBAKE_RATIO:
        raise _too_long(len(text), limit)
    mended = _mend(text)
    if "\ufffd" in mended or any(_is_stray_control(ch) for ch in mended):
        raise InputError(prompt("input.binary"))
    cleaned = _drop_controls(mended).strip()
    if not cleaned:
        raise InputError(prompt("input.empty"))
    if len(cleaned) > limit:
        raise _too_long(len(cleaned), limit)
    return cleaned


def clip_for_assessment(text: str, limit: int) -> str:
    """The repaired, stripped message, cut on a word boundary to ``ASSESS_FACTOR * limit``."""
    bound = max(limit, 1) * ASSESS_FACTOR
    # Repair only as much as could survive the cut: mojibake shrinks by at most the ratio.
    repaired = repair_text(text[: bound * _MOJIBAKE_RATIO]).strip()
    if len(repaired) <= bound:
        return repaired
    cut = bound
    start = max(bound - _WORD_LOOKBACK, 0)
    for match in _SPACE.finditer(repaired, start, bound + 1):
        cut = match.start()
    return repaired[:cut].rstrip()
