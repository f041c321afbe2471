"""Open questions tied to what this person said: the feeling, the person, the moment they named.

A question is an exploration only when it goes into something the person brought: "What went
through your mind when she took the plate to her room?" asks into a moment they described;
"What's it like between you and your wife these days?" into a person; "When does feeling lonely
hit hardest?" into a feeling they named. A plan they voiced ("I'll ask her for a walk") gets a
question about the step, not about the past. A generic question is the last resort.
"""

from __future__ import annotations

import random
import re

from confidante.conversation import Move, Understanding
from confidante.listening.lexicon import Lexicon
from confidante.listening.memory import Memory
from confidante.listening.plan import Plan
from confidante.listening.script import Script

# A simple past ("she took the plate", "I sat there"), not a present perfect ("haven't talked").
_PAST = re.compile(r"\b(?:was|were|did|had|\w+ed|left|took|sat|said|told|went|came|lost|got)\b")
_PERFECT = re.compile(r"\b(?:have|has|haven't|hasn't|you've|they've|we've|she's|he's)\b")
# What the person means to do: "you'll ask her", "you're going to call", "you think you'll try".
_STEP = re.compile(r"\b(?:you'll|you will|you're going to|you are going to|you might try)\b")
# a past that did not happen or was not known: "didn't know", "never went", "wasn't there"
_NOT_DONE = re.compile(r"\b(?:didn't|did not|never|wasn't|was not|weren't|were not|hadn't)\b", re.I)
# a habit rather than a moment: "they were always careful", "we used to be close", "he would"
_HABIT = re.compile(r"\b(?:always|used to|would|every (?:day|time|week|night))\b", re.I)
_LONGS = re.compile(r"\b(?:you'd|you wish|you want|you miss|if only)\b")
#: A moment said back inside a question ("... when {moment}?") has at most this many words.
MOMENT_WORDS = 11


class Questions:
    """Makes the open question of a reply; holds no state between replies."""

    def __init__(self, lex: Lexicon, script: Script, labels: dict[str, str]) -> None:
        self.lex = lex
        self.s = script
        self.labels = labels

    def question(
        self, u: Understanding, mem: Memory, rng: random.Random, why: str, feeling: str | None
    ) -> Plan:
        """An open question: into a step, a moment, a feeling, someone, the topic, or more."""
        ch = self.s.chances
        tone = {"angle": "positive"} if feeling in self.s.positive else {}
        clause = u.clause or ""
        persons = [p for p in u.people if self.lex.is_person(p)]
        callback = self._callback(u, mem, rng, why)
        if callback:
            return callback
        if clause and self.step(clause) and not u.self_contempt:
            return Plan(
                Move.OPEN_QUESTION, {"clause": clause, "angle": "step"}, (why, "question.step")
            )
        moment = self.moment(clause) if not tone and not u.self_contempt else None
        if moment and rng.random() < ch["question_moment"]:
            slots = {"moment": moment, "clause": clause, "angle": "moment"}
            return Plan(Move.OPEN_QUESTION, slots, (why, "question.moment"))
        judged = feeling in self.lex.judgements
        # only a hard feeling is asked into: a guess at a milder one is better left unasked
        # the person's own word, or a message that is little more than the feeling itself
        theirs = feeling is not None and (feeling in clause or not clause or u.words <= 8)
        asked_into = feeling in self.s.heavy and theirs and not tone and not judged
        asked_into = asked_into and not u.self_contempt
        if feeling and asked_into and rng.random() < ch["question_feeling"]:
            slots = {"feeling": feeling, "angle": "feeling"}
            if persons and rng.random() < ch["feeling_person"]:
                slots["person"] = persons[0]
            return Plan(Move.OPEN_QUESTION, slots, (why, "question.feeling"))
        if clause and not tone and not u.self_contempt and rng.random() < ch["question_specific"]:
            # a question into this person's own words: "...: what was that like for you?"
            angle = "event" if self.past(clause) and not _HABIT.search(clause) else "now"
            angle = "longing" if _LONGS.search(clause.lower()) else angle
            slots = {"clause": clause, "angle": angle}
            return Plan(Move.OPEN_QUESTION, slots, (why, "question.specific"))
        if persons and rng.random() < ch["question_person"]:
            return Plan(
                Move.OPEN_QUESTION, {"person": persons[0], **tone}, (why, "question.person")
            )
        if u.topics and not tone and rng.random() < ch["question_topic"]:
            slots = {"topic": self.labels[u.topics[0]]}
            return Plan(Move.OPEN_QUESTION, slots, (why, "question.topic"))
        return Plan(Move.OPEN_QUESTION, dict(tone), (why, "question.open"))

    def _callback(self, u: Understanding, mem: Memory, rng: random.Random, why: str) -> Plan | None:
        """Someone mentioned earlier who fits what is said now, asked about again."""
        now = set(u.topics)
        if mem.understandings:
            now.update(mem.understandings[-1].topics)
        earlier = mem.earlier_person(
            u, lambda p: self.lex.is_person(p) and self.person_topic(p) in now
        )
        if (
            earlier
            and mem.since_reason("question.callback") >= self.s.limits["callback_every"]
            and rng.random() < self.s.chances["callback"]
        ):
            slots = {"earlier": earlier, "angle": "callback"}
            return Plan(Move.OPEN_QUESTION, slots, (why, "question.callback"))
        return None

    @staticmethod
    def step(clause: str) -> bool:
        """True when the clause says what the person means to do ("you'll ask her")."""
        return bool(_STEP.search(clause))

    def past(self, clause: str) -> bool:
        """True when the clause tells something that happened, not something that goes on."""
        if _PERFECT.search(clause):
            return False
        return any(m.group(0).lower() not in self.s.states for m in _PAST.finditer(clause))

    def moment(self, clause: str) -> str | None:
        """The clause as a moment that can follow "when" in a question, if it safely can."""
        words = clause.split()
        plain = "," not in clause and ";" not in clause and words and words[0][:1].islower()
        if not plain or not (3 <= len(words) <= MOMENT_WORDS) or not self.past(clause):
            return None
        if self.lex.hedge.match(clause) or words[0] in self.lex.fragment_starts:
            return None  # "maybe she left" or "if he went" is no moment that happened
        if _NOT_DONE.search(clause) or _HABIT.search(clause):
            return None  # "you didn't know those services existed" is no moment either
        return clause

    def person_topic(self, mention: str) -> str | None:
        """The topic a remembered mention belongs to ("your wife" -> "partner")."""
        last = mention.rsplit(" ", 1)[-1]
        return self.lex.person_topic.get(last) or self.lex.person_topic.get(
            mention.split(" ", 1)[-1]
        )

    @staticmethod
    def longs(u: Understanding) -> bool:
        """True when the clause says what the person longs for."""
        return bool(_LONGS.search((u.clause or "").lower()))
