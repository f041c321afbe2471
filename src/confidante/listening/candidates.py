"""The weighted candidates: when no ordered rule applies, the plans that fit this message.

Each candidate maker offers the plans that fit, each with its reason id first; the policy draws
one by the weights of those reason ids in ``data/policy.toml``. The makers lean on the
predicates of ``listening/rules.py`` and hold no state between replies.
"""

from __future__ import annotations

import random
import re

from confidante.conversation import Move, Understanding
from confidante.listening.lexicon import read_toml
from confidante.listening.memory import COMPLEX, SIMPLE, Memory
from confidante.listening.plan import Plan
from confidante.listening.rules import Rules
from confidante.listening.shapes import Shapes
from confidante.text import negation

# Someone else in the clause: the part of life it names may be theirs, not the person's
# ("not going to the doctor" was his father's health, not "your health").
_THEIRS = re.compile(r"\b(?:he|she|him|her|his|they|them|their)\b", re.IGNORECASE)


class Candidates:
    """The weighted candidate makers, over the predicates of one set of rules."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.lex = rules.lex
        self.s = rules.s
        self.shapes = Shapes(rules.lex, rules.s)
        # what carries feeling in a clause ("you haven't told them"), from readings.toml
        self.carries = re.compile(
            str(read_toml("readings.toml")["salience"]["carries"]), re.IGNORECASE
        )
        stems = "|".join(re.escape(w) for w in rules.s.hard)
        self._hard = re.compile(rf"\b(?:{stems})", re.IGNORECASE)
        # "hasn't made you laugh in years": a good feeling beside such a clause is its opposite
        self._negated = re.compile(
            rf"\b(?:{negation().alternation(absence=True)}|\w+n't)\b", re.IGNORECASE
        )

    def candidates(self, u: Understanding, mem: Memory, rng: random.Random) -> list[Plan]:
        """Every plan that fits this message, each with its reason id first."""
        rules = self.rules
        weighty = rules.weighty(u, mem)
        plans = [
            *self._feeling_reflections(u, rng),
            *self._content_reflections(u, mem),
            *self.shapes.plans(u, mem, weighty),
            *self._questions(u, mem, rng),
            *self._validations(u, mem, rng),
        ]
        feeling = rules.feeling(u)
        if mem.last is not Move.ENCOURAGE:
            # a minimal encourager only where the person is mid-story or has said next to
            # nothing; after a long, heavy message it would sound like not listening
            bare = not feeling and (not u.clause or u.words <= 5)
            # "maybe I'll go on thursday" is a step taken, worth more than "go on"
            bare = bare and not (u.clause and rules.asking.step(u.clause))
            heavy_long = weighty and u.words >= self.s.limits["heavy_words"]
            gentle = {"angle": "gentle"} if weighty else {}
            if bare:
                plans.append(Plan(Move.ENCOURAGE, gentle, ("encourage.bare",)))
            elif rules.mid_story(u, mem) and not heavy_long:
                story = gentle or {"angle": "story"}
                plans.append(Plan(Move.ENCOURAGE, story, ("encourage.mid_story",)))
        topic = u.topics[0] if u.topics else None
        if rules.helpful_ok(mem) and len(mem.moves) >= 12 and mem.helpful == 0 and topic:
            plans.append(rules.helpful(u, mem, ("listened.enough",)))
        plans = [p for p in plans if rules.fresh(mem, p.move)]
        if feeling and rules.own(feeling, u):
            # the person's own word for how they feel is said back, whatever else is chosen
            # (or both sides of it, when the person voiced two: "proud, but I miss him")
            plans = [
                p
                for p in plans
                if p.slots.get("feeling") == feeling or "reflect.two_sided" in p.reasons
            ] or plans
        return plans

    def fallback(self, u: Understanding, mem: Memory, rng: random.Random) -> Plan | None:
        """When no candidate fits a message with something in it: a question, or it said back."""
        clause = u.clause or ""
        if len(clause.split()) < self.s.limits["lone_words"] or u.self_contempt:
            return None  # "yeah", "I see": a minimal encourager is the right answer there
        rules = self.rules
        hard = bool(
            rules.weighty(u, mem)
            or self._hard.search(clause)
            or self._negated.search(clause)
            or rules.asking.step(clause)  # a step the person means to take
        )
        if not hard or u.thanks or u.farewell or rules.feeling(u) in self.s.positive:
            return None  # "that's a good idea", "thanks, bye": no question to dig into
        # "I haven't had time to grieve myself" deserves more than "Yes, go on": a question
        # into it, where reflections stay at least twice the questions
        if rules.question_ok(mem):
            return rules.asking.question(u, mem, rng, "question.fallback", rules.feeling(u))
        if rules.asking.step(clause) and mem.last is not Move.VALIDATE:
            # "I will tell my teacher as well": a step they mean to take, met as one
            return Plan(Move.VALIDATE, {"angle": "step"}, ("validate.step",))
        if not rules.fresh(mem, Move.REFLECT_CONTENT):
            return None
        # a simple one only while complex reflections stay more than half of them all; else
        # said back with its weight, where something in it is hard ("you haven't told her")
        room = 2 * mem.complex_reflections > mem.reflections + 1
        if room:
            return Plan(Move.REFLECT_CONTENT, {"clause": clause}, ("reflect.fallback", SIMPLE))
        if self._hard.search(clause) or self._negated.search(clause):
            slots = {"clause": clause, "angle": "weight"}
            return Plan(Move.REFLECT_CONTENT, slots, ("reflect.fallback.weight", COMPLEX))
        return None

    def _tone(self, feeling: str | None) -> dict[str, str]:
        if feeling in self.lex.judgements:
            return {"angle": "judged"}  # "useless" is said back only as "you feel useless"
        return {"angle": "positive"} if feeling in self.s.positive else {}

    def _apart(self, u: Understanding, feeling: str | None) -> bool:
        """A good feeling beside a negated clause may not be about what the clause is about."""
        return feeling in self.s.positive and bool(u.clause and self._negated.search(u.clause))

    def _feeling_reflections(self, u: Understanding, rng: random.Random) -> list[Plan]:
        rules = self.rules
        feeling = rules.feeling(u)
        if not feeling or self._apart(u, feeling):
            return []  # "it's like I'm no fun anymore" is no moment of feeling happy
        if u.implied:
            return []  # a feeling never named is said beside what happened, as a guess
        tone = self._tone(feeling)
        slots = {"feeling": feeling, **tone}
        plain = "angle" not in tone or tone["angle"] == "positive"
        plain = plain and feeling not in self.lex.judgements and not self._apart(u, feeling)
        persons = [p for p in u.people if self.lex.is_person(p)]
        about = rules.topic_of(u.clause) if u.clause else None
        if plain and persons and rng.random() < self.s.chances["feeling_person"]:
            slots["person"] = persons[0]
        elif (
            plain
            and about in self.s.concrete
            and not _THEIRS.search(u.clause or "")  # "angry at him for not going to the doctor"
            and rng.random() < self.s.chances["feeling_topic"]
        ):
            slots["topic"] = rules.labels[about]  # only when the clause is clearly about it
        why = "reflect.feeling.own" if rules.own(feeling, u) else "reflect.feeling"
        return [Plan(Move.REFLECT_FEELING, slots, (why, COMPLEX))]

    def _content_reflections(self, u: Understanding, mem: Memory) -> list[Plan]:
        if not u.clause:
            return []
        rules = self.rules
        plans = []
        feeling = rules.feeling(u)
        brief = u.words < self.s.limits["content_words"]
        low = u.clause.lower()
        said_it = low.startswith(("you feel", "you're feeling", "you are feeling"))
        if feeling and (feeling in low or (said_it and rules.own(feeling, u))) and u.clause.count(
            " "
        ) < 6:
            pass  # "you feel (like such) a failure" is the feeling itself: said back as one
        elif feeling and not self.lex.says_feeling(feeling, low) and not self._apart(u, feeling):
            slots = {"clause": u.clause, "feeling": feeling, **self._tone(feeling)}
            if u.implied:
                slots["angle"] = "implied"  # a feeling never named is offered as a guess
            why = "reflect.meaning.brief" if brief else "reflect.meaning"
            plans.append(Plan(Move.REFLECT_CONTENT, slots, (why, COMPLEX)))
        elif (
            (about := rules.topic_of(u.clause))
            and about in u.topics
            and u.words > self.s.limits["brief_words"]
        ):
            # the clause itself names a part of life, and the message agrees it is about it;
            # a short message is said back plainly rather than wrapped in a topic sentence
            why = "reflect.topic.brief" if brief else "reflect.topic"
            slots = {"clause": u.clause, "angle": about}
            plans.append(Plan(Move.REFLECT_CONTENT, slots, (why, COMPLEX)))
        elif (
            # a feeling of the last two messages: one from further back is stale here
            (earlier := mem.recent_feeling(2, skip=self.s.passing))
            and not feeling
            and earlier not in self.s.positive
            and not rules.own(earlier)
            and earlier not in self.lex.judgements
            and (self._hard.search(u.clause) or self._negated.search(u.clause))
        ):
            # link the content to a feeling named a moment ago (never a self-judgement: "like a
            # failure" is not tied to what happened next), where the content is hard too: "your
            # wife comes with you" is no reason to feel disappointed
            slots = {"clause": u.clause, "feeling": earlier}
            plans.append(Plan(Move.REFLECT_CONTENT, slots, ("reflect.linked", COMPLEX)))
        elif (
            not feeling
            and not u.self_contempt
            and self.carries.search(u.clause)
            and not rules.asking.step(u.clause)  # "you'll call the surgery": asked about
        ):
            # something that matters said plainly: said back with its weight, or, when nothing
            # in it is hard, with how much it matters
            # "he called me by mum's name. she died four years ago": the loss is in the message
            hard = bool(
                self._hard.search(u.clause)
                or self._negated.search(u.clause)
                or self.s.tender.intersection(u.topics)
            )
            slots = {"clause": u.clause, "angle": "weight" if hard else "matters"}
            plans.append(Plan(Move.REFLECT_CONTENT, slots, ("reflect.weight", COMPLEX)))
        if rules.asking.longs(u) and not u.self_contempt:
            # what the person longs for says what matters to them: a reflection of meaning
            slots = {"clause": u.clause, "angle": "longing"}
            plans.append(Plan(Move.REFLECT_CONTENT, slots, ("reflect.longing", COMPLEX)))
        # a simple one whenever complex ones stay more than half with it: a clause said back
        # plainly beats "tell me more" when nothing else fits
        simple_ok = 2 * mem.complex_reflections > mem.reflections + 1
        # a lone simple one keeps complex ones more than half (the first reply aside, where a
        # plain clause said back beats "tell me more")
        room = mem.reflections == 0 or 2 * mem.complex_reflections > mem.reflections + 1
        lone = room and not plans and not feeling
        lone = lone and len(u.clause.split()) >= self.s.limits["lone_words"]
        if len(u.clause.split()) > 3 and (simple_ok or lone):
            slots = {"clause": u.clause}
            plans.append(Plan(Move.REFLECT_CONTENT, slots, ("reflect.content", SIMPLE)))
        return plans

    def _questions(self, u: Understanding, mem: Memory, rng: random.Random) -> list[Plan]:
        rules = self.rules
        light = bool(u.feelings) and u.feelings[0] == "amused"
        feeling = rules.feeling(u)
        if not rules.question_ok(mem) or light or not (u.clause or feeling or u.topics):
            return []
        why = "question.after_own" if feeling and rules.own(feeling, u) else "question"
        why = "question.long" if why == "question" and u.words >= 25 else why
        if self._apart(u, feeling):
            feeling = None  # "no fun anymore" gets no question about a good feeling
        return [rules.asking.question(u, mem, rng, why, feeling)]

    def _validations(self, u: Understanding, mem: Memory, rng: random.Random) -> list[Plan]:
        if mem.last is Move.VALIDATE:
            return []
        if u.is_question and not u.clause:
            return [Plan(Move.VALIDATE, {"angle": "asked"}, ("validate.asked",))]
        rules = self.rules
        feeling = rules.feeling(u)
        earlier = mem.recent_feeling(2, skip=self.s.passing)
        if not rules.weighty(u, mem) or (earlier and not feeling):
            return []  # validation needs something hard to validate
        heavy = bool(feeling in self.s.heavy or self.s.tender.intersection(u.topics))
        judged = feeling in self.lex.judgements
        say = feeling and not judged and feeling not in self.s.positive
        say = say and rng.random() < self.s.chances["validate_says_feeling"]
        slots = {"feeling": feeling} if say and feeling else {}
        return [Plan(Move.VALIDATE, slots, ("validate.heavy" if heavy else "validate",))]
