"""Reflections with a shape of their own, beside saying a clause back (MITI's complex ones).

- *Two-sided*: the person voices both sides ("I know they're busy, but it hurts"), and both are
  said back as theirs, neither one cancelling the other.
- *A link to earlier*: something said a while ago about the same person or part of life, set
  beside what is said now ("Earlier you told me ...; now ...").
- *Meaning*: what a message seems to be about underneath, by the part of life it touches ("it
  sounds like what you miss is belonging somewhere"); only where the message carries a hard
  feeling or a figure of speech, and not too often.
- *A thread*: a short summary of one person's part in the story, from two of its moments.

Each maker returns the plans that fit; the policy weighs them by reason id like any other.
"""

from __future__ import annotations

import re

from confidante.conversation import Move, Understanding
from confidante.listening.lexicon import Lexicon
from confidante.listening.memory import COMPLEX, Memory
from confidante.listening.plan import Plan
from confidante.listening.script import Script

# Where one clause holds two sides: "you know they're busy, but it hurts".
TWO_SIDES = re.compile(
    r"^(?P<side>.+?),?\s+(?:but|though|although|even though|and yet|yet)\s+(?P<other>.+)$",
    re.IGNORECASE,
)
# "Part of you wants X, (and) part of you feels Y" (already said back in the second person).
TWO_PARTS = re.compile(
    r"^(?P<side>(?:one )?part of you\b.+?),?\s+(?:and |but |while |yet )?(?:the other |another )?"
    r"(?P<other>(?:part|the rest) of you\b.+)$|"
    r"^on (?:the )?one hand,?\s+(?P<side2>.+?),?\s+(?:and |but )?"
    r"on the other(?: hand)?,?\s+(?P<other2>.+)$",
    re.IGNORECASE,
)
# Each side needs someone doing something, or it is half a thought ("but not really").
_SUBJECT = re.compile(
    r"\b(?:you|you're|you've|you'd|your|she|she's|he|he's|they|they're|it|it's|there's|that's|"
    r"everyone|nobody|no one|someone|nothing|everything|something|we|we're)\b",
    re.IGNORECASE,
)
#: Words each side of a two-sided reflection needs.
SIDE_WORDS = 3
#: Words each moment of a thread may have: two of them are said in one reply.
THREAD_WORDS = 9


class Shapes:
    """Makers of the shaped reflections; hold no state between replies."""

    def __init__(self, lex: Lexicon, script: Script) -> None:
        self.lex = lex
        self.s = script

    def plans(self, u: Understanding, mem: Memory, weighty: bool) -> list[Plan]:
        """Every shaped reflection that fits this message."""
        return [
            *self.two_sided(u),
            *self.earlier(u, mem),
            *self.meaning(u, mem, weighty),
            *self.thread(u, mem),
        ]

    def sides(self, clause: str | None) -> tuple[str, str] | None:
        """The two sides of a clause that holds both, each with its own subject."""
        parts = TWO_PARTS.match(clause or "")
        if parts:
            side = parts.group("side") or parts.group("side2")
            other = parts.group("other") or parts.group("other2")
        else:
            m = TWO_SIDES.match(clause or "")
            if not m:
                return None
            side, other = m.group("side"), m.group("other")
        side, other = side.strip(" ,"), other.strip(" ,")
        for part in (side, other):
            if len(part.split()) < SIDE_WORDS or not _SUBJECT.search(part):
                return None
        return side, other

    def two_sided(self, u: Understanding) -> list[Plan]:
        """Both sides the person voiced, said back as both true."""
        sides = self.sides(u.clause)
        if not sides or u.self_contempt or not u.clause:
            return []
        slots = {"clause": u.clause, "side": sides[0], "other": sides[1], "angle": "two_sided"}
        return [Plan(Move.REFLECT_CONTENT, slots, ("reflect.two_sided", COMPLEX))]

    def earlier_clause(self, u: Understanding, mem: Memory, back: int = 2) -> str | None:
        """A short clause said at least ``back`` turns ago about someone or something named now."""
        # the same mention ("your husband"), not the same noun ("her husband's family")
        names = {p for p in u.people if p.startswith("your ")}
        tender = set(u.topics) & self.s.tender
        for old in reversed(mem.understandings[:-back] if back else mem.understandings):
            clause = old.clause
            if not clause or clause == u.clause or old.self_contempt or old.is_question:
                continue
            if len(clause.split()) > 12 or old.corrected or not mem.stands(clause):
                continue
            if any(n in clause for n in names) or tender.intersection(old.topics):
                return clause
        return None

    def earlier(self, u: Understanding, mem: Memory) -> list[Plan]:
        """Something said a while ago beside what is said now."""
        if not u.clause or u.self_contempt:
            return []
        before = self.earlier_clause(u, mem)
        if not before or not _due(mem, "reflect.earlier", self.s.limits["link_every"]):
            return []
        slots = {"clause": u.clause, "before": before, "angle": "earlier"}
        return [Plan(Move.REFLECT_CONTENT, slots, ("reflect.earlier", COMPLEX))]

    def meaning(self, u: Understanding, mem: Memory, weighty: bool) -> list[Plan]:
        """What the message seems to mean for the part of life it is about."""
        topic = next((t for t in u.topics if t in self.s.meanings), None)
        if topic is None or not weighty or u.is_question:
            return []
        if u.words < self.s.limits["story_words"]:
            return []  # "my wife ignores me" is said back as it is, not what a marriage means
        if topic not in self.s.tender and not self._own(topic, u):
            return []  # "a patient's family shouted" is not about the person's own family
        if topic not in self.s.tender and not (u.feelings and u.feelings[0] in self.s.heavy):
            return []  # a marriage mentioned in passing is not yet what the marriage means
        if not _due(mem, "reflect.meaning.topic", self.s.limits["meaning_every"]):
            return []
        if any(
            "reflect.meaning.topic" in why and topic in old.topics
            for old, why in zip(mem.understandings, mem.reasons, strict=False)
        ):
            return []  # each part of life's meaning is said once a session
        return [
            Plan(
                Move.REFLECT_CONTENT,
                {"angle": f"meaning_{topic}"},
                ("reflect.meaning.topic", COMPLEX),
            )
        ]

    def _own(self, topic: str, u: Understanding) -> bool:
        """True when the message names the person's own part of that life ("your wife")."""
        for mention in u.people:
            noun = mention.removeprefix("your ")
            if mention != noun and self.lex.person_topic.get(noun.rsplit(" ", 1)[-1]) == topic:
                return True
        return bool(u.clause) and f"your {topic}" in (u.clause or "")

    def thread(self, u: Understanding, mem: Memory) -> list[Plan]:
        """One person's part in the story so far, from its first moment and this one."""
        persons = [p for p in u.people if self.lex.is_person(p) and p.startswith("your ")]
        if not persons or not u.clause or u.self_contempt:
            return []
        if not _due(mem, "reflect.thread", self.s.limits["thread_every"]):
            return []
        told = [
            old.clause
            for old in mem.understandings[:-1]
            if old.clause
            and persons[0] in old.clause
            and old.clause != u.clause
            and not old.self_contempt
            and not old.corrected
            and mem.stands(old.clause)
            and len(old.clause.split()) <= THREAD_WORDS
        ]
        if len(told) < 2 or len(u.clause.split()) > THREAD_WORDS:
            return []  # one earlier moment is a link, not yet a thread; a long one is too much
        slots = {"person": persons[0], "before": told[0], "clause": u.clause, "angle": "thread"}
        return [Plan(Move.REFLECT_CONTENT, slots, ("reflect.thread", COMPLEX))]


def _due(mem: Memory, reason: str, every: int) -> bool:
    """True when no reply was made for ``reason`` yet, or ``every`` replies have passed."""
    if not any(reason in why for why in mem.reasons):
        return True
    return mem.since_reason(reason) >= every
