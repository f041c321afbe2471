"""The listening policy: which move the next reply makes, what it should mention, and why.

The method is data: ``listening/rules.py`` holds an ordered list of small rules, each
``(understanding, memory) -> Plan | None``, and ``listening/candidates.py`` the candidate makers;
``data/policy.toml`` holds the rule order, the weights by reason id, the limits and the word sets.
This module runs them: the first rule that gives a plan decides; otherwise one candidate is drawn
by weight.

The targets come from counselling practice (MITI 4) and hold over a whole session: reflections
at least twice as often as questions; never two questions in a row; more than half of
reflections complex; a helpful comment at most one reply in six and only after listening; short
replies while the person is unloading; a summary in the middle and before the close. A reading
the person put right (``Understanding.corrected``) is never said back later, not in a summary
nor at the close.

``Plan.slots`` carry the content and two hints for the voice that are not said: ``angle`` and
``length``. ``Plan.reasons`` hold rule ids only, never text.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from confidante.conversation import Move, SessionState, Understanding
from confidante.listening.candidates import Candidates
from confidante.listening.lexicon import load_lexicon
from confidante.listening.memory import Memory
from confidante.listening.plan import Plan
from confidante.listening.rules import Rules
from confidante.listening.script import load_script


class Policy:
    """Chooses the move of each listener reply; holds no per-session state."""

    def __init__(self) -> None:
        self._lex = load_lexicon()
        self._script = load_script()
        self._rules = Rules(self._lex, self._script)
        self._candidates = Candidates(self._rules)
        self._labels = self._rules.labels
        self._and = self._lex.list_joiner
        self._named = self._rules.named

    def opening(self, state: SessionState, rng: random.Random) -> Plan:
        """The invitation to talk; a regular hears what they left off with last time."""
        del rng
        note = " ".join((state.continuity or "").split())
        if note:
            # the note is the person's own words, said back whole as its own sentence(s)
            note = note[0].upper() + note[1:] + ("" if note[-1] in ".?!" else ".")
            return Plan(Move.OPEN, {"continuity": note}, ("open.continuity",))
        return Plan(Move.OPEN, {}, ("open.invite",))

    def time_cue(self, minutes_left: int, state: SessionState, rng: random.Random) -> Plan:
        """A gentle word about the time left."""
        del state, rng
        return Plan(Move.TIME_CUE, {"minutes": str(minutes_left)}, ("time.cue",))

    def summary(self, state: SessionState, rng: random.Random) -> Plan:
        """What was heard this session, in plain words: people, topics, feelings."""
        del rng
        return Plan(
            Move.SUMMARIZE, self._summary_slots(Memory.of(state), "final"), ("summary.final",)
        )

    def close(self, state: SessionState, rng: random.Random) -> Plan:
        """The goodbye."""
        del rng
        mem = Memory.of(state)
        feeling = mem.recent_feeling(3, skip=self._script.passing | mem.corrected)
        if feeling is None:
            return Plan(Move.CLOSE, {}, ("close.goodbye",))
        positive = feeling in self._script.positive
        slots = {"feeling": feeling, **({"angle": "positive"} if positive else {})}
        return Plan(Move.CLOSE, slots, ("close.goodbye",))

    def choose(self, u: Understanding, state: SessionState, rng: random.Random) -> Plan:
        """The move for the reply to the message understood as ``u``."""
        mem = Memory.of(state)
        if mem.corrected:
            # what the person put right earlier is not read into this message either
            u = replace(u, feelings=tuple(f for f in u.feelings if f not in mem.corrected))
        for _, rule in self._rules.ordered:
            plan = rule(u, mem)
            if plan is None:
                continue
            if plan.move is Move.SUMMARIZE:
                slots = self._summary_slots(mem, "midway")
                if len(slots) < 3:
                    continue
                plan = Plan(Move.SUMMARIZE, slots, plan.reasons)
            return self._sized(plan, u)
        candidates = self._candidates.candidates(u, mem, rng)
        if not candidates:
            fallback = self._candidates.fallback(u, mem, rng)
            if fallback is not None:
                return self._sized(fallback, u)
            # nothing fits: a short encourager, or a plain validation after two of them
            gentle = {"angle": "gentle"} if self._rules.weighty(u, mem) else {}
            if self._rules.fresh(mem, Move.ENCOURAGE):
                return self._sized(Plan(Move.ENCOURAGE, gentle, ("encourage.fallback",)), u)
            return self._sized(Plan(Move.VALIDATE, {}, ("validate.fallback",)), u)
        weights = [self._worn(p.reasons[0], mem) for p in candidates]
        return self._sized(rng.choices(candidates, weights=weights)[0], u)

    def _worn(self, reason: str, mem: Memory) -> float:
        """The weight of a candidate's frame, less for each time it was used a moment ago."""
        window = self._script.limits["frame_window"]
        uses = sum(1 for why in mem.reasons[-window:] if why and why[0] == reason)
        return self._script.weight(reason) * self._script.chances["frame_wear"] ** uses

    def _sized(self, plan: Plan, u: Understanding) -> Plan:
        """A short message gets a short reply, so the person does most of the talking."""
        if u.words > self._script.limits["brief_words"] or "length" in plan.slots:
            return plan
        if plan.move in (Move.SUMMARIZE, Move.HELPFUL_COMMENT):
            return plan
        return replace(plan, slots={**plan.slots, "length": "short"})

    def _summary_slots(self, mem: Memory, angle: str) -> dict[str, str]:
        """What the session was about (people and topics, each said once) and how it felt."""
        slots = {"angle": angle}
        # people first, then things ("your marriage" says nothing new beside "your wife")
        heard = [p for p, _ in mem.people.most_common() if p.startswith("your ")]
        mentions: list[str] = []
        for person in (p for p in heard if self._lex.is_person(p)):
            # "your best friend" and "your friend" are most likely the same person
            if len(mentions) < 2 and not any(m.endswith(person.split()[-1]) for m in mentions):
                mentions.append(person)
        covered = {self._rules.person_topic(p) for p in mentions}
        for thing in (p for p in heard if self._mentionable(p) and p not in mentions):
            if len(mentions) < 2 and self._rules.person_topic(thing) not in covered:
                mentions.append(thing)
                covered.add(self._rules.person_topic(thing))
        # "your wife" already says "your relationship": a topic comes in only when it is new
        topics = _top(
            mem.topics, 3 - len(mentions), lambda t: t in self._labels and t not in covered
        )
        about = [*mentions, *(self._labels[t] for t in topics)]
        if about:
            slots["about"] = self._join(about[:3])
        # a likeness ("like a ghost") was right for its moment, not for the whole session
        said = [
            f
            for f in mem.feelings
            if (not f.startswith("like ") or f in self._named) and f not in mem.corrected
        ]
        kept = Counter({f: mem.feelings[f] for f in said})
        feelings = _top(kept, 2, lambda f: f not in self._script.positive)
        feelings = feelings or _top(kept, 1, lambda f: f not in self._script.passing)
        if feelings:
            slots["feelings"] = self._join(feelings)
        return slots

    def _mentionable(self, mention: str) -> bool:
        """People, and things that belong to a topic ("your job"), are worth a summary."""
        topic = self._rules.person_topic(mention)
        return self._lex.is_person(mention) or (topic is not None and topic in self._labels)

    def _join(self, items: list[str]) -> str:
        if len(items) == 1:
            return items[0]
        return f"{', '.join(items[:-1])} {self._and} {items[-1]}"


def _top(counts: Counter[str], k: int, keep: Callable[[str], bool]) -> list[str]:
    """The ``k`` most common items that ``keep`` accepts."""
    return [item for item, _ in counts.most_common() if keep(item)][:k]
