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
import re
from collections import Counter
from collections.abc import Callable

from confidante.conversation import Move, SessionState, Understanding
from confidante.listening.lexicon import load_lexicon
from confidante.listening.memory import COMPLEX, SIMPLE, Memory
from confidante.listening.plan import Plan

LONE_WORDS = 5  #: words a clause said back alone needs ("you don't feel happy anymore")
# "hasn't made you laugh in years": a good feeling said beside a clause like this is the opposite
# of what it means ("...and you feel happy about it"), so they are not joined.
_NEGATED = re.compile(r"\b(?:not|never|no longer|nobody|nothing|no one|\w+n't)\b", re.IGNORECASE)

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
    {
        "ashamed",
        "guilty",
        "hurt",
        "lonely",
        "afraid",
        "overwhelmed",
        "exhausted",
        "sad",
        "stuck",
        "heartbroken",
        "numb",
        "empty",
        "trapped",
        "betrayed",
        "humiliated",
        "alone",
        "hopeless",
        "helpless",
        "invisible",
        "terrified",
        "miserable",
        "rejected",
        "abandoned",
    }
)
#: Feelings that are good news: their wording differs ("positive" angle).
POSITIVE = frozenset({"hopeful", "relieved", "grateful", "happy", "proud", "excited", "amused"})
#: Feelings never gathered into a summary or a goodbye: thanks and jokes are not the story.
PASSING = frozenset({"grateful", "amused"})
#: Topics whose label reads well beside a feeling ("when it comes to work, ...").
CONCRETE = frozenset({"partner", "children", "work", "money", "family", "friends", "health"})
#: Topics where being heard without judgement matters most.
TENDER = frozenset({"self_worth", "grief", "loneliness", "health"})
#: A hedged message this short ("Maybe he was right.") is the person wondering about themselves.
WONDERING_WORDS = 15
#: A message at least this long carries content worth reflecting more than anything else.
CONTENT_WORDS = 10


class Policy:
    """Chooses the move of each listener reply; holds no per-session state."""

    def __init__(self) -> None:
        self._lex = load_lexicon()
        self._labels = {t.id: t.label for t in self._lex.topics}
        self._and = self._lex.list_joiner
        self._named = frozenset(self._lex.named_feeling.values())

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
        feeling = Memory.of(state).recent_feeling(3, skip=PASSING)
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
        simple_even = 2 * mem.complex_reflections >= mem.reflections  # room for a lone simple one
        light = bool(u.feelings) and u.feelings[0] == "amused"
        feeling = next((f for f in u.feelings if f != "amused"), None)
        topic = u.topics[0] if u.topics else None
        loss = self._lex.loss(u.clause) if u.clause else None
        earlier = mem.recent_feeling(2, skip=PASSING)
        weighty = bool(
            (feeling and feeling not in POSITIVE)
            or TENDER.intersection(u.topics)
            or loss
            or (earlier and earlier not in POSITIVE and not light)
        )
        gentle = {"angle": "gentle"} if weighty else {}
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

        if loss and u.clause and self._new_loss(loss[1], mem):
            # a death, a divorce, a lost job: name the loss before anything else, with the
            # feeling the person named ("...and since then I feel useless")
            kind, lost = loss
            if kind == "bereaved" and self._lex.no_goodbye.search(u.clause):
                kind = "bereaved_goodbye"
            slots = {"lost": lost, "angle": kind}
            if feeling and self._own(feeling):
                slots["feeling"] = feeling
            if fresh(Move.REFLECT_CONTENT):
                return Plan(Move.REFLECT_CONTENT, slots, (*reasons, "reflect.loss", COMPLEX))
            return Plan(Move.VALIDATE, slots, (*reasons, "validate.loss"))

        hedged = self._lex.hedge.match(u.clause) if u.clause else None
        if hedged and u.clause and u.words <= WONDERING_WORDS and fresh(Move.REFLECT_CONTENT):
            # "maybe he was right": part of them wonders it, said back without the hedge
            slots = {"clause": u.clause[hedged.end() :], "angle": "wondering"}
            return Plan(Move.REFLECT_CONTENT, slots, (*reasons, "reflect.wondering", COMPLEX))

        if n >= SUMMARY_EVERY - 2 and mem.since(Move.SUMMARIZE) >= SUMMARY_EVERY:
            slots = self._summary_slots(mem, "midway")
            if len(slots) >= 3:
                return Plan(Move.SUMMARIZE, slots, (*reasons, "summary.midway"))

        if (u.small_talk or u.farewell) and fresh(Move.ENCOURAGE):  # "hi", "bye": a kind word
            angle = "farewell" if u.farewell else "small_talk"
            return Plan(Move.ENCOURAGE, {"angle": angle}, (*reasons, f"encourage.{angle}"))
        if light and fresh(Move.ENCOURAGE):
            # "this traffic is killing me, haha": a light remark gets a light reply
            return Plan(Move.ENCOURAGE, {"angle": "light"}, (*reasons, "encourage.light"))
        if feeling == "grateful" and not u.clause and mem.last is not Move.VALIDATE:
            return Plan(Move.VALIDATE, {"angle": "thanks"}, (*reasons, "validate.thanks"))

        if u.words >= UNLOADING_WORDS:
            reasons.append("unloading")
            if feeling and fresh(Move.REFLECT_FEELING):
                slots = {"feeling": feeling, "length": "short"}
                if feeling in POSITIVE:
                    slots["angle"] = "positive"
                return Plan(Move.REFLECT_FEELING, slots, (*reasons, COMPLEX))
            if mem.last is not Move.ENCOURAGE:
                return Plan(Move.ENCOURAGE, {"length": "short", **gentle}, tuple(reasons))

        candidates: list[tuple[float, Plan]] = []

        def add(weight: float, plan: Plan) -> None:
            if fresh(plan.move):
                candidates.append((weight, plan))

        tone = {"angle": "positive"} if feeling in POSITIVE else {}
        judged = feeling in self._lex.judgements
        if judged:
            tone = {"angle": "judged"}  # "useless" is said back only as "you feel useless"
        persons = [p for p in u.people if self._lex.is_person(p)]
        # a good feeling beside a negated clause may not be about what the clause is about
        apart = feeling in POSITIVE and bool(u.clause and _NEGATED.search(u.clause))
        if feeling:
            slots = {"feeling": feeling, **tone}
            plain = not judged and not apart  # room to say what the feeling is about
            if plain and persons and rng.random() < 0.4:
                slots["person"] = persons[0]
            elif plain and topic in CONCRETE and rng.random() < 0.3:
                slots["topic"] = self._labels[topic]
            # a feeling the person named ("I feel useless") is said back first
            weight = 7.0 if self._own(feeling) else 2.5
            add(weight, Plan(Move.REFLECT_FEELING, slots, (*reasons, "reflect.feeling", COMPLEX)))
        about = self._topic_of(u.clause) if u.clause else None
        if about is None and len(u.topics) == 1:
            about = topic  # a message about one thing only: its clause is about it too
        content = 3.5 if u.words >= CONTENT_WORDS else 2.5
        if u.clause and feeling and feeling in u.clause.lower() and u.clause.count(" ") < 4:
            pass  # "you feel humiliated" is the feeling itself: said back as a feeling
        elif (
            u.clause
            and feeling
            and feeling not in u.clause.lower()
            and not apart
        ):
            slots = {"clause": u.clause, "feeling": feeling, **tone}
            add(content, Plan(Move.REFLECT_CONTENT, slots, (*reasons, "reflect.meaning", COMPLEX)))
        elif u.clause and about:
            # what the content means for the part of life it is about: "Work seems to..."
            slots = {"clause": u.clause, "angle": about}
            add(content, Plan(Move.REFLECT_CONTENT, slots, (*reasons, "reflect.topic", COMPLEX)))
        elif u.clause and earlier and earlier not in POSITIVE and not feeling:
            # link the content to a feeling named a moment ago
            slots = {"clause": u.clause, "feeling": earlier}
            add(2.0, Plan(Move.REFLECT_CONTENT, slots, (*reasons, "reflect.linked", COMPLEX)))
        lone = simple_even and len((u.clause or "").split()) >= LONE_WORDS
        lone = lone and not any(p.move.is_reflection for _, p in candidates)
        if u.clause and len(u.clause.split()) > 3 and (simple_ok or lone):  # not "you wake up"
            # Said back as it is: when no richer reflection fits, this beats "Tell me more."
            slots = {"clause": u.clause}
            add(1.5, Plan(Move.REFLECT_CONTENT, slots, (*reasons, "reflect.content", SIMPLE)))
        if question_ok and (u.clause or feeling or u.topics) and not light:
            weight = 1.0 if feeling and self._own(feeling) else 3.0 if u.words < 25 else 2.0
            add(weight, self._question(u, mem, rng, reasons))
        if u.is_question and not u.clause and mem.last is not Move.VALIDATE:
            # a question put to the listener ("do you think I'm bad?"): hear what is behind it
            add(2.5, Plan(Move.VALIDATE, {"angle": "asked"}, (*reasons, "validate.asked")))
        elif mem.last is not Move.VALIDATE and (weighty and not (earlier and not feeling)):
            # validation needs something hard to validate; news and small talk get none
            heavy = bool(feeling in HEAVY or TENDER.intersection(u.topics))
            say = bool(feeling and not judged and feeling not in POSITIVE and rng.random() < 0.5)
            slots = {"feeling": feeling} if say and feeling else {}
            add(1.5 if heavy else 0.6, Plan(Move.VALIDATE, slots, (*reasons, "validate")))
        if mem.last is not Move.ENCOURAGE:
            weight = 1.5 if not feeling and (not u.clause or u.words <= 5) else 0.3
            add(weight, Plan(Move.ENCOURAGE, dict(gentle), (*reasons, "encourage")))
        if helpful_ok and n >= 2 * HELPFUL_EVERY and mem.helpful == 0 and topic:
            candidates.append((0.4, self._helpful(u, mem, (*reasons, "listened.enough"))))
        if feeling and self._own(feeling):
            # the person's own word for how they feel is said back, whatever else is chosen
            said_back = [(w, p) for w, p in candidates if p.slots.get("feeling") == feeling]
            candidates = said_back or candidates
        if not candidates:
            # nothing fits: a short encourager, or a plain validation after two of them
            if fresh(Move.ENCOURAGE):
                return Plan(Move.ENCOURAGE, dict(gentle), (*reasons, "encourage.fallback"))
            return Plan(Move.VALIDATE, {}, (*reasons, "validate.fallback"))
        weights = [w for w, _ in candidates]
        return rng.choices([p for _, p in candidates], weights=weights)[0]

    def _own(self, feeling: str) -> bool:
        """True for a feeling in the person's own words ("useless", "like a ghost")."""
        return feeling in self._named or feeling.startswith("like ")

    def _new_loss(self, lost: str, mem: Memory) -> bool:
        """True unless this loss was already named back this session."""
        for u, why in zip(mem.understandings, mem.reasons, strict=False):
            seen = self._lex.loss(u.clause) if u.clause and "reflect.loss" in why else None
            if seen and seen[1] == lost:
                return False
        return True

    def _topic_of(self, clause: str) -> str | None:
        """The first topic the clause itself is about, if any."""
        return next((t.id for t in self._lex.topics if t.pattern.search(clause)), None)

    def _question(
        self, u: Understanding, mem: Memory, rng: random.Random, reasons: list[str]
    ) -> Plan:
        """An open question: about someone from earlier, the person, the topic, or just more."""
        # a callback fits only when the earlier person belongs to what is talked about now
        now = set(u.topics)
        if mem.understandings:
            now.update(mem.understandings[-1].topics)
        earlier = mem.earlier_person(
            u, lambda p: self._lex.is_person(p) and self._person_topic(p) in now
        )
        if (
            earlier
            and mem.since_reason("question.callback") >= CALLBACK_EVERY
            and rng.random() < 0.6
        ):
            slots = {"earlier": earlier, "angle": "callback"}
            return Plan(Move.OPEN_QUESTION, slots, (*reasons, "question.callback"))
        feeling = next((f for f in u.feelings if f != "amused"), None)
        tone = {"angle": "positive"} if feeling in POSITIVE else {}
        persons = [p for p in u.people if self._lex.is_person(p)]
        if persons and rng.random() < 0.5:
            slots = {"person": persons[0], **tone}
            return Plan(Move.OPEN_QUESTION, slots, (*reasons, "question.person"))
        if u.topics and not tone and rng.random() < 0.4:
            slots = {"topic": self._labels[u.topics[0]]}
            return Plan(Move.OPEN_QUESTION, slots, (*reasons, "question.topic"))
        return Plan(Move.OPEN_QUESTION, dict(tone), (*reasons, "question.open"))

    def _person_topic(self, mention: str) -> str | None:
        """The topic a remembered mention belongs to ("your wife" -> "partner")."""
        last = mention.rsplit(" ", 1)[-1]
        return self._lex.person_topic.get(last) or self._lex.person_topic.get(
            mention.split(" ", 1)[-1]
        )

    def _helpful(self, u: Understanding, mem: Memory, reasons: tuple[str, ...]) -> Plan:
        """A helpful comment about the topic at hand (or the main one of the session)."""
        # what was just talked about, the session's biggest of those: not bills after "her"
        recent = [t for each in (u, *mem.understandings[-1:]) for t in each.topics]
        pool = recent or [t for t, _ in mem.topics.most_common(1)]
        slots = {"angle": max(pool, key=lambda t: mem.topics[t])} if pool else {}
        return Plan(Move.HELPFUL_COMMENT, slots, (*reasons, "helpful"))

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
        covered = {self._person_topic(p) for p in mentions}
        for thing in (p for p in heard if self._mentionable(p) and p not in mentions):
            if len(mentions) < 2 and self._person_topic(thing) not in covered:
                mentions.append(thing)
                covered.add(self._person_topic(thing))
        # "your wife" already says "your relationship": a topic comes in only when it is new
        topics = _top(
            mem.topics, 3 - len(mentions), lambda t: t in self._labels and t not in covered
        )
        about = [*mentions, *(self._labels[t] for t in topics)]
        if about:
            slots["about"] = self._join(about[:3])
        # a likeness ("like a ghost") was right for its moment, not for the whole session
        said = [f for f in mem.feelings if not f.startswith("like ") or f in self._named]
        kept = Counter({f: mem.feelings[f] for f in said})
        feelings = _top(kept, 2, lambda f: f not in POSITIVE)
        feelings = feelings or _top(kept, 1, lambda f: f not in PASSING)
        if feelings:
            slots["feelings"] = self._join(feelings)
        return slots

    def _mentionable(self, mention: str) -> bool:
        """People, and things that belong to a topic ("your job"), are worth a summary."""
        topic = self._person_topic(mention)
        return self._lex.is_person(mention) or (topic is not None and topic in self._labels)

    def _join(self, items: list[str]) -> str:
        if len(items) == 1:
            return items[0]
        return f"{', '.join(items[:-1])} {self._and} {items[-1]}"


def _top(counts: Counter[str], k: int, keep: Callable[[str], bool]) -> list[str]:
    """The ``k`` most common items that ``keep`` accepts."""
    return [item for item, _ in counts.most_common() if keep(item)][:k]
