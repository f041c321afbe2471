"""The listening policy: which move the next reply makes, what it should mention, and why.

The targets come from counselling practice (the thresholds of motivational-interviewing coding,
MITI 4, for "good" listening) and hold over a whole session, not just on average:

* reflections at least twice as often as questions (checked before every question);
* never two questions in a row;
* more than half of reflections are complex: they name a feeling or a meaning rather than
  repeat the words (a simple reflection is only chosen while complex ones stay ahead by two);
* a helpful comment at most one reply in six, never within five replies of the last one, and
  only after some listening; mostly when the person asks "what should I do?";
* short replies while the person is unloading (long messages);
* callbacks to people mentioned earlier ("Earlier you mentioned your daughter...");
* a periodic summary in the middle and a summary before the close (``summary``).

``Plan.slots`` carry the content (feeling, person, topic, clause, earlier...) and two hints for
the voice that are not said: ``angle`` (which kind of wording: "advice", "callback", "midway",
"final", or a topic id for helpful comments) and ``length`` ("short"). ``Plan.reasons`` hold rule
ids only, never text.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

from confidante.conversation import Move, SessionState, Understanding
from confidante.listening.lexicon import load_lexicon
from confidante.listening.memory import COMPLEX, SIMPLE, Memory
from confidante.listening.plan import Plan

#: At most one helpful comment in this many replies.
HELPFUL_EVERY = 6
#: Replies of plain listening before a helpful comment may come, even when asked.
HELPFUL_AFTER = 5
#: Replies between two summaries in the middle of a session.
SUMMARY_EVERY = 12
#: Replies between two callbacks to someone mentioned earlier.
CALLBACK_EVERY = 8
#: A message this long means the person is unloading: keep the reply short.
UNLOADING_WORDS = 60
#: Feelings that call for validation more than for a question.
HEAVY = frozenset(
    {"ashamed", "guilty", "hurt", "lonely", "afraid", "overwhelmed", "exhausted", "sad", "stuck"}
)
#: Feelings that are good news: their wording differs ("positive" angle).
POSITIVE = frozenset({"hopeful", "relieved", "grateful", "happy", "proud", "excited"})
#: Topics where being heard without judgement matters most.
TENDER = frozenset({"self_worth", "grief", "loneliness"})


class Policy:
    """Chooses the move of each listener reply; holds no per-session state."""

    def __init__(self) -> None:
        self._lex = load_lexicon()
        self._labels = {t.id: t.label for t in self._lex.topics}
        self._and = self._lex.list_joiner

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
        feeling = Memory.of(state).recent_feeling(3)
        if feeling is None:
            return Plan(Move.CLOSE, {}, ("close.goodbye",))
        slots = {"feeling": feeling, **({"angle": "positive"} if feeling in POSITIVE else {})}
        return Plan(Move.CLOSE, slots, ("close.goodbye",))

    def choose(self, u: Understanding, state: SessionState, rng: random.Random) -> Plan:
        """The move for the reply to the message understood as ``u``."""
        mem = Memory.of(state)
        n = len(mem.moves)
        question_ok = mem.last is not Move.OPEN_QUESTION and mem.reflections >= 2 * (
            mem.questions + 1
        )
        helpful_ok = (
            n >= HELPFUL_AFTER
            and (mem.helpful + 1) * HELPFUL_EVERY <= n + 1
            and mem.since(Move.HELPFUL_COMMENT) >= HELPFUL_EVERY - 1
        )
        simple_ok = mem.complex_reflections >= mem.reflections - mem.complex_reflections + 2
        feeling = u.feelings[0] if u.feelings else None
        topic = u.topics[0] if u.topics else None
        reasons: list[str] = []

        def fresh(move: Move) -> bool:
            # no move three times running
            return mem.moves[-2:] != (move, move)

        if u.asks_advice:
            if helpful_ok:
                return self._helpful(u, mem, ("advice.asked",))
            reasons.append("advice.deferred")
            if question_ok:
                return Plan(Move.OPEN_QUESTION, {"angle": "advice"}, tuple(reasons))
            if mem.last is not Move.VALIDATE:
                return Plan(Move.VALIDATE, {"angle": "advice"}, tuple(reasons))

        if n >= SUMMARY_EVERY - 2 and mem.since(Move.SUMMARIZE) >= SUMMARY_EVERY:
            slots = self._summary_slots(mem, "midway")
            if len(slots) >= 3:
                return Plan(Move.SUMMARIZE, slots, (*reasons, "summary.midway"))

        if u.words >= UNLOADING_WORDS:
            reasons.append("unloading")
            if feeling and fresh(Move.REFLECT_FEELING):
                slots = {"feeling": feeling, "length": "short"}
                if feeling in POSITIVE:
                    slots["angle"] = "positive"
                return Plan(Move.REFLECT_FEELING, slots, (*reasons, COMPLEX))
            if mem.last is not Move.ENCOURAGE:
                return Plan(Move.ENCOURAGE, {"length": "short"}, tuple(reasons))

        candidates: list[tuple[float, Plan]] = []

        def add(weight: float, plan: Plan) -> None:
            if fresh(plan.move):
                candidates.append((weight, plan))

        tone = {"angle": "positive"} if feeling in POSITIVE else {}
        persons = [p for p in u.people if self._lex.is_person(p)]
        if feeling:
            slots = {"feeling": feeling, **tone}
            if persons and rng.random() < 0.4:
                slots["person"] = persons[0]
            elif topic and rng.random() < 0.3:
                slots["topic"] = self._labels[topic]
            named = u.clause is not None and feeling in u.clause.lower().split()
            weight = 4.0 if named else 3.0  # "I'm exhausted": say the feeling back
            add(weight, Plan(Move.REFLECT_FEELING, slots, (*reasons, "reflect.feeling", COMPLEX)))
        about = self._topic_of(u.clause) if u.clause else None
        if about is None and len(u.topics) == 1:
            about = topic  # a message about one thing only: its clause is about it too
        if u.clause and feeling and feeling not in u.clause.lower().split():
            slots = {"clause": u.clause, "feeling": feeling, **tone}
            add(2.5, Plan(Move.REFLECT_CONTENT, slots, (*reasons, "reflect.meaning", COMPLEX)))
        elif u.clause and about:
            # what the content means for the part of life it is about: "Work seems to..."
            slots = {"clause": u.clause, "angle": about}
            add(2.5, Plan(Move.REFLECT_CONTENT, slots, (*reasons, "reflect.topic", COMPLEX)))
        elif u.clause and (earlier := mem.recent_feeling(2)) and earlier not in POSITIVE:
            # link the content to a feeling named a moment ago
            slots = {"clause": u.clause, "feeling": earlier}
            add(2.0, Plan(Move.REFLECT_CONTENT, slots, (*reasons, "reflect.linked", COMPLEX)))
        if u.clause and simple_ok:
            slots = {"clause": u.clause}
            add(1.5, Plan(Move.REFLECT_CONTENT, slots, (*reasons, "reflect.content", SIMPLE)))
        if question_ok:
            add(3.0 if u.words < 25 else 2.0, self._question(u, mem, rng, reasons))
        heard = bool(feeling or u.clause or TENDER.intersection(u.topics))
        if u.is_question and not u.clause and mem.last is not Move.VALIDATE:
            # a question put to the listener ("do you think I'm bad?"): hear what is behind it
            add(2.5, Plan(Move.VALIDATE, {"angle": "asked"}, (*reasons, "validate.asked")))
        elif mem.last is not Move.VALIDATE and heard:
            # validation needs something to validate; a bare "hi" gets an encourager instead
            heavy = bool(feeling in HEAVY or TENDER.intersection(u.topics))
            slots = {"feeling": feeling, **tone} if feeling and rng.random() < 0.5 else {}
            add(1.5 if heavy else 0.4, Plan(Move.VALIDATE, slots, (*reasons, "validate")))
        if mem.last is not Move.ENCOURAGE:
            weight = 1.5 if not feeling and (not u.clause or u.words <= 5) else 0.4
            add(weight, Plan(Move.ENCOURAGE, {}, (*reasons, "encourage")))
        if helpful_ok and n >= 2 * HELPFUL_EVERY and mem.helpful == 0 and topic:
            candidates.append((0.4, self._helpful(u, mem, (*reasons, "listened.enough"))))
        if not candidates:
            # nothing fits: a short encourager, or a plain validation after two of them
            if fresh(Move.ENCOURAGE):
                return Plan(Move.ENCOURAGE, {}, (*reasons, "encourage.fallback"))
            return Plan(Move.VALIDATE, {}, (*reasons, "validate.fallback"))
        weights = [w for w, _ in candidates]
        return rng.choices([p for _, p in candidates], weights=weights)[0]

    def _topic_of(self, clause: str) -> str | None:
        """The first topic the clause itself is about, if any."""
        return next((t.id for t in self._lex.topics if t.pattern.search(clause)), None)

    def _question(
        self, u: Understanding, mem: Memory, rng: random.Random, reasons: list[str]
    ) -> Plan:
        """An open question: about someone from earlier, the person, the topic, or just more."""
        earlier = mem.earlier_person(u, self._lex.is_person)
        if (
            earlier
            and mem.since_reason("question.callback") >= CALLBACK_EVERY
            and rng.random() < 0.6
        ):
            slots = {"earlier": earlier, "angle": "callback"}
            return Plan(Move.OPEN_QUESTION, slots, (*reasons, "question.callback"))
        persons = [p for p in u.people if self._lex.is_person(p)]
        if persons and rng.random() < 0.5:
            return Plan(Move.OPEN_QUESTION, {"person": persons[0]}, (*reasons, "question.person"))
        if u.topics and rng.random() < 0.4:
            slots = {"topic": self._labels[u.topics[0]]}
            return Plan(Move.OPEN_QUESTION, slots, (*reasons, "question.topic"))
        return Plan(Move.OPEN_QUESTION, {}, (*reasons, "question.open"))

    def _helpful(self, u: Understanding, mem: Memory, reasons: tuple[str, ...]) -> Plan:
        """A helpful comment about the topic at hand (or the main one of the session)."""
        topic = u.topics[0] if u.topics else None
        if topic is None and mem.topics:
            topic = mem.topics.most_common(1)[0][0]
        slots = {"angle": topic} if topic else {}
        return Plan(Move.HELPFUL_COMMENT, slots, (*reasons, "helpful"))

    def _summary_slots(self, mem: Memory, angle: str) -> dict[str, str]:
        """People, topics and feelings heard most, joined in plain words."""
        slots = {"angle": angle}
        people = _top(mem.people, 2, lambda p: p.startswith("your ") and self._lex.is_person(p))
        if people:
            slots["people"] = self._join(people)
        topics = _top(mem.topics, 2, lambda t: t in self._labels)
        if topics:
            slots["topics"] = self._join([self._labels[t] for t in topics])
        feelings = _top(mem.feelings, 2, lambda f: True)
        if feelings:
            slots["feelings"] = self._join(feelings)
        return slots

    def _join(self, items: list[str]) -> str:
        if len(items) == 1:
            return items[0]
        return f"{', '.join(items[:-1])} {self._and} {items[-1]}"


def _top(counts: Counter[str], k: int, keep: Callable[[str], bool]) -> list[str]:
    """The ``k`` most common items that ``keep`` accepts."""
    return [item for item, _ in counts.most_common() if keep(item)][:k]
