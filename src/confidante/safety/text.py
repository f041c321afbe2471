"""Text handling shared by the lexicon, the model and the protocol: normalising, clauses, tokens.

Everything here is deterministic and free of Python's ``hash()``, so the training script and the
run-time model see exactly the same tokens on every machine.
"""

from __future__ import annotations

import re

# One shared definition of a sentence's remembered form; re-exported for the protocol.
from confidante.conversation import normalise_sentence as normalise_sentence

# The one normaliser every layer shares (apostrophes, quotes, accents, case, repeated letters).
from confidante.text import normalise as normalise

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Clause boundaries: sentence ends, semicolons, line breaks and contrastive "but", so that
# "I'm not suicidal, but I want to die" keeps the negation in its own clause.
_CLAUSE = re.compile(r"[.!?;:\n\u2026]+|,?\s+\bbut\b\s+|,\s*(?:though|although|except)\b")


def clauses(normalised: str) -> list[str]:
    """Split normalised text into clauses; negation and subjects are judged within one clause."""
    return [c.strip(" ,") for c in _CLAUSE.split(normalised) if c.strip(" ,")]


def clause_spans(normalised: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of normalised text, as :func:`clauses` splits them."""
    spans: list[tuple[int, int]] = []
    start = 0
    for sep in [*_CLAUSE.finditer(normalised), None]:
        end = len(normalised) if sep is None else sep.start()
        chunk = normalised[start:end]
        left = len(chunk) - len(chunk.lstrip(" ,"))
        right = len(chunk.rstrip(" ,"))
        if right > left:
            spans.append((start + left, start + right))
        if sep is not None:
            start = sep.end()
    return spans


def tokens(normalised: str) -> list[str]:
    """Word tokens of normalised text (letters, digits, one inner apostrophe)."""
    return _TOKEN.findall(normalised)
