"""Text handling every layer shares: one normaliser and one negation rule set.

``normalise`` folds what people type into one form (apostrophes and quotes through
``conversation.normalise_apostrophes``, the one folding table; accents by NFKC; case; letters
repeated for emphasis; spaces). ``negation()`` is the one set of words that negate what follows,
read from ``text.toml``; the listener and the safety layer each choose only how many words
before a phrase they look. Everything here is deterministic and holds no text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from confidante.conversation import normalise_apostrophes
from confidante.datafiles import load_toml
from confidante.errors import DataFileError

__all__ = ["Negation", "negation", "normalise", "normalise_apostrophes"]

_SPACES = re.compile(r"\s+")
# "sooooo", "dieeee": letters repeated three times or more are squeezed to one, so spelling for
# emphasis matches the same rules as plain spelling.
_REPEATS = re.compile(r"([a-z])\1{2,}")


def normalise(text: str) -> str:
    """Lower-case, fold apostrophes, quotes and accents, squeeze repeated letters and spaces."""
    folded = normalise_apostrophes(unicodedata.normalize("NFKC", text)).lower()
    folded = _REPEATS.sub(r"\1", folded)
    return _SPACES.sub(" ", folded).strip()


@dataclass(frozen=True)
class Negation:
    """The shared negators, words of absence and the phrases that only look negative."""

    negators: frozenset[str]
    absence: tuple[str, ...]
    cancel: re.Pattern[str]

    def negates(self, before: Sequence[str], window: int) -> bool:
        """True when one of the last ``window`` tokens of ``before`` is a negator."""
        return any(t in self.negators for t in before[-window:]) if window > 0 else False

    def negates_text(self, before: str, window: int) -> bool:
        """Like :meth:`negates` on normalised text, after blanking what only looks negative."""
        return self.negates(self.cancel.sub(" ", before).split(), window)

    def alternation(self, absence: bool = False) -> str:
        """The negators (and words of absence) as one regular-expression alternation."""
        words = sorted({*self.negators, *(self.absence if absence else ())}, key=len, reverse=True)
        return "|".join(re.escape(w) for w in words)


@cache
def negation() -> Negation:
    """The one negation rule set, read from ``text.toml`` once per process."""
    data = load_toml("confidante", "text.toml")
    try:
        return Negation(
            negators=frozenset(str(w) for w in data["negators"]),
            absence=tuple(str(w) for w in data["absence"]),
            cancel=re.compile(str(data["cancel"]), re.IGNORECASE),
        )
    except (KeyError, TypeError, re.error) as ex:
        raise DataFileError(
            f"confidante/text.toml: missing or malformed entry {ex}; fix the file and try again."
        ) from None
