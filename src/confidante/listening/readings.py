"""Readings of a message beyond its keywords, from ``data/readings.toml``.

A *correction* withdraws something the listener read ("lonely more than sad" withdraws "sad");
an *ask* is a question put to the listener ("is it my fault?"), by kind; *self-contempt* is a
self-insult that must never be said back as a fact; a *figure* is a phrase whose meaning is not
its keywords ("just the guy who pays the bills" is about worth, not money). *Salience* tells a
clause that carries feeling (people, love, longing, loss) from one of numbers and arrangements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from confidante.errors import DataFileError
from confidante.listening.lexicon import read_toml
from confidante.text import negation


@dataclass(frozen=True)
class Figure:
    """A phrase that means a topic, and the literal topics it is not about."""

    pattern: re.Pattern[str]
    topic: str
    not_topics: frozenset[str]


@dataclass(frozen=True)
class Readings:
    """The compiled readings; immutable, shared between sessions."""

    swaps: tuple[re.Pattern[str], ...]
    refusals: tuple[re.Pattern[str], ...]
    negators: str
    endings: tuple[str, ...]
    not_about: re.Pattern[str]
    asks: tuple[tuple[str, re.Pattern[str]], ...]
    self_contempt: tuple[re.Pattern[str], ...]
    figures: tuple[Figure, ...]
    context: re.Pattern[str]
    carries: re.Pattern[str]
    longing: re.Pattern[str]
    implied: tuple[tuple[str, re.Pattern[str]], ...]

    def swap(self, text: str) -> tuple[str, str] | None:
        """(right, wrong) for "lonely more than sad", else None."""
        for pattern in self.swaps:
            m = pattern.search(text)
            if m and m.group("right").lower() != m.group("wrong").lower():
                return m.group("right").lower(), m.group("wrong").lower()
        return None

    def refuses(self, text: str) -> bool:
        """True for "No, that's not it": the last reading is withdrawn."""
        return any(p.search(text) for p in self.refusals)

    def negated(self, text: str, heard: Iterable[str]) -> tuple[str, ...]:
        """The feelings of ``heard`` that ``text`` negates ("she's never hurt me": "hurt")."""
        found = []
        for feeling in heard:
            if feeling.startswith("like ") or not feeling.isalpha():
                continue
            forms = "|".join(re.escape(feeling + e) for e in self.endings)
            if re.search(rf"{self.negators}(?:{forms})\b", text, re.IGNORECASE):
                found.append(feeling)
        return tuple(found)

    def not_about_word(self, text: str) -> str | None:
        """The word after "it's not about ..." (for the caller to map to a topic)."""
        m = self.not_about.search(text)
        return m.group("word").lower() if m else None

    def ask(self, text: str) -> str | None:
        """The kind of question put to the listener ("fault", "judge", "loves", "you_would")."""
        return next((kind for kind, p in self.asks if p.search(text)), None)

    def contempt(self, text: str) -> bool:
        """True when ``text`` holds a self-insult."""
        return any(p.search(text) for p in self.self_contempt)

    def implied_feeling(self, text: str) -> str | None:
        """The feeling a moment carries though it is not named ("she asked who I was": hurt)."""
        return next((feeling for feeling, p in self.implied if p.search(text)), None)

    def figured(self, text: str) -> tuple[Figure, ...]:
        """The figures of speech in ``text``."""
        return tuple(f for f in self.figures if f.pattern.search(text))


@cache
def load_readings(feelings: tuple[str, ...]) -> Readings:
    """Compile ``data/readings.toml`` for the listener's ``feelings`` (read once per process)."""
    data = read_toml("readings.toml")
    words = "|".join(re.escape(f) for f in sorted(feelings, key=len, reverse=True) if " " not in f)
    flags = re.IGNORECASE
    try:
        c = data["corrections"]
        s = data["salience"]
        return Readings(
            swaps=tuple(re.compile(p.replace("{feeling}", words), flags) for p in c["swaps"]),
            refusals=tuple(re.compile(p, flags) for p in c["refusals"]),
            negators=str(c["negators"]).replace("{negators}", negation().alternation(absence=True)),
            endings=tuple(c["endings"]),
            not_about=re.compile(str(c["not_about"]), flags),
            asks=tuple((k, re.compile(_any_of(p), flags)) for k, p in data["asks"].items()),
            self_contempt=tuple(re.compile(p, flags) for p in data["self_contempt"]["patterns"]),
            figures=tuple(
                Figure(
                    re.compile(str(f["pattern"]), flags),
                    str(f["topic"]),
                    frozenset(f["not_topics"]),
                )
                for f in data["figure"]
            ),
            context=re.compile(str(s["context"]), flags),
            carries=re.compile(str(s["carries"]), flags),
            longing=re.compile(str(s["longing"]), flags),
            implied=tuple(
                (str(feeling), re.compile("|".join(f"(?:{p})" for p in patterns), flags))
                for feeling, patterns in data["implied"].items()
            ),
        )
    except (KeyError, TypeError, re.error) as ex:
        raise DataFileError(
            f"data/readings.toml: missing or malformed entry {ex}; fix the file and try again."
        ) from None


def _any_of(pattern: str | list[str]) -> str:
    """One pattern, or a list of them (each kept readable in the data file) as alternatives."""
    return "|".join(f"(?:{p})" for p in pattern) if isinstance(pattern, list) else str(pattern)
