"""Pronoun reflection: turn what a person said about themselves into what the listener says back.

"my wife ignores me" becomes "your wife ignores you"; "you never listen to me" (said to the
listener) becomes "I never listen to you". The person's first person becomes the second person and
the other way round (swapped words come out in lower case, "I" apart, so the result can sit in
the middle of a sentence); the verb right after a swapped subject is made to agree ("I am" ->
"you are", "you were" -> "I was"). Whether "you" becomes "I" or "me" depends on its position:
at the start of a clause, after an auxiliary ("do you"), or before a verb it is a subject; after
a preposition or a verb it is an object. The word lists live in ``data/reflection.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from confidante.conversation import normalise_apostrophes
from confidante.listening.lexicon import read_toml

_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\s+|[^A-Za-z\s]")
_WORD = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class _Table:
    """The swap tables, read once from the data file."""

    first: dict[str, str]  # first person -> second person ("my" -> "your")
    second: dict[str, str]  # second person -> first person, except "you" itself
    after_i: dict[str, str]  # verb agreement after a new "I" ("are" -> "am")
    after_you: dict[str, str]  # verb agreement after a new "you" ("am" -> "are")
    subject_before: frozenset[str]  # a "you" right after these words is a subject
    object_after: frozenset[str]  # a "you" right after these words is an object
    verbs_next: frozenset[str]  # a "you" right before these words is a subject
    adverbs: frozenset[str]  # may stand between a subject and its verb ("I really am")


@cache
def _table() -> _Table:
    data = read_toml("reflection.toml")
    return _Table(
        first=dict(data["first_to_second"]),
        second=dict(data["second_to_first"]),
        after_i=dict(data["agree_after_i"]),
        after_you=dict(data["agree_after_you"]),
        subject_before=frozenset(data["subject_after_words"]),
        object_after=frozenset(data["object_after_words"]),
        verbs_next=frozenset(data["verbs"]),
        adverbs=frozenset(data["adverbs"]),
    )


def reflect(text: str) -> str:
    """Swap first and second person in ``text`` and fix the verb after a swapped subject."""
    table = _table()
    tokens = _TOKEN.findall(normalise_apostrophes(text))
    words = [i for i, t in enumerate(tokens) if _WORD.match(t)]
    out = list(tokens)
    # token index -> the table that makes that verb agree with a swapped subject before it
    agree: dict[int, dict[str, str]] = {}
    for n, i in enumerate(words):
        low = tokens[i].lower()
        prev = tokens[words[n - 1]].lower() if n > 0 else ""
        nxt = tokens[words[n + 1]].lower() if n + 1 < len(words) else ""
        if i in agree and low in agree[i]:
            out[i] = agree[i][low]
        elif low == "you":
            clause_start = n == 0 or _punct_between(tokens, words[n - 1], i)
            subject = _you_is_subject(prev, nxt, clause_start, table)
            out[i] = "I" if subject else "me"
            if subject:
                _mark_agreement(words, n, tokens, table, table.after_i, agree)
        elif low == "i":
            out[i] = "you"
            _mark_agreement(words, n, tokens, table, table.after_you, agree)
        elif low in ("am", "was", "are", "were") and nxt in ("i", "you"):
            # an inverted question: "am I" -> "are you", "were you" -> "was I"
            swap = table.after_you if nxt == "i" else table.after_i
            out[i] = swap.get(low, low)
        elif low in table.first:
            out[i] = table.first[low]
        elif low in table.second:
            out[i] = table.second[low]
    return "".join(out)


def _punct_between(tokens: list[str], a: int, b: int) -> bool:
    """True when a clause break (comma, full stop, dash...) lies between tokens a and b."""
    return any(t.strip() and not _WORD.match(t) and t != "'" for t in tokens[a + 1 : b])


def _you_is_subject(prev: str, nxt: str, clause_start: bool, table: _Table) -> bool:
    """Decide whether a "you" is the subject of its clause (-> "I") or an object (-> "me")."""
    if prev in table.object_after:
        return False
    if clause_start or prev in table.subject_before:
        return True
    return nxt in table.verbs_next or nxt in table.adverbs


def _mark_agreement(
    words: list[int],
    n: int,
    tokens: list[str],
    table: _Table,
    fix: dict[str, str],
    agree: dict[int, dict[str, str]],
) -> None:
    """Remember that the verb after the swapped subject at word n must agree with it."""
    for k in (n + 1, n + 2):
        if k >= len(words):
            return
        low = tokens[words[k]].lower()
        if low in fix:
            agree[words[k]] = fix
            return
        if low not in table.adverbs:
            return
