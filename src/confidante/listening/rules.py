"""The policy's rules: an ordered list of small rules, and the predicates they share.

Each rule is ``(understanding, memory) -> Plan | None``; the first plan wins, in the order of
``data/policy.toml``. When none applies, the candidate makers of ``listening/candidates.py``
offer the plans that fit, using the predicates here, and the policy draws one by the weights of
their reason ids. Rules hold no state between replies.
"""

from __future__ import annotations

from collections.abc import Callable

from confidante.conversation import Move, Understanding
from confidante.listening.lexicon import Lexicon
from confidante.listening.memory import COMPLEX, Memory
from confidante.listening.plan import Plan
from confidante.listening.questions import Questions
from confidante.listening.script import Script

Rule = Callable[[Understanding, Memory], "Plan | None"]


class Rules:
    """The ordered rules and their shared predicates over one lexicon and one script."""

    def __init__(self, lex: Lexicon, script: Script) -> None:
        self.lex = lex
        self.s = script
        self.labels = {t.id: t.label for t in lex.topics}
        self.named = frozenset(lex.named_feeling.values())
        self.asking = Questions(lex, script, self.labels)
        self.ordered: tuple[tuple[str, Rule], ...] = tuple(
            (name, getattr(self, f"rule_{name}")) for name in script.order
        )

    # -- what the rules share ------------------------------------------------------------------

    def own(self, feeling: str, u: Understanding | None = None) -> bool:
        """True for a feeling in the person's own words ("useless", "like a ghost"): named by
        them in ``u`` when given (a model's guess of "lonely" is not their word), else a word
        people name themselves."""
        if u is not None:
            return feeling in u.named or feeling.startswith("like ")
        return feeling in self.named or feeling.startswith("like ")

    def feeling(self, u: Understanding) -> str | None:
        """The main feeling of ``u``, not counting a joke."""
        return next((f for f in u.feelings if f != "amused"), None)

    def question_ok(self, mem: Memory) -> bool:
        """Reflections at least twice the questions, never two questions running."""
        return mem.last is not Move.OPEN_QUESTION and mem.reflections >= 2 * (mem.questions + 1)

    def helpful_ok(self, mem: Memory, asked: bool = False) -> bool:
        """Enough listening first, and at most one helpful comment in ``helpful_every``; none
        unasked once the person has turned advice down."""
        every, n = self.s.limits["helpful_every"], len(mem.moves)
        return (
            (asked or not mem.advice_declined)
            and n >= self.s.limits["helpful_after"]
            and (mem.helpful + 1) * every <= n + 1
            and mem.since(Move.HELPFUL_COMMENT) >= every - 1
        )

    def weighty(self, u: Understanding, mem: Memory) -> bool:
        """Something hard is being said, now or a moment ago."""
        feeling = self.feeling(u)
        earlier = mem.recent_feeling(2, skip=self.s.passing)
        light = bool(u.feelings) and u.feelings[0] == "amused"
        return bool(
            (feeling and feeling not in self.s.positive)
            or self.s.tender.intersection(u.topics)
            or (u.clause and self.lex.loss(u.clause))
            or (earlier and earlier not in self.s.positive and not light)
        )

    @staticmethod
    def fresh(mem: Memory, move: Move) -> bool:
        """No move three times running."""
        return mem.moves[-2:] != (move, move)

    def topic_of(self, clause: str) -> str | None:
        """The topic the clause itself is about, if clearly one."""
        return next((t.id for t in self.lex.topics if t.pattern.search(clause)), None)

    # -- the ordered rules ---------------------------------------------------------------------

    def rule_correction(self, u: Understanding, mem: Memory) -> Plan | None:
        """Put right: thanked for, and the right reading (if given) said back."""
        if not u.corrected:
            return None
        feeling = self.feeling(u)
        slots = {"angle": "corrected", **({"feeling": feeling} if feeling else {})}
        if feeling and not any(mem.said(w) for w in u.corrected):
            # "not sad exactly, more invisible" when the listener never said "sad": the person
            # is saying it more exactly, not putting the listener right, so nothing is thanked
            slots["angle"] = "clarified"
        if feeling:
            return Plan(Move.REFLECT_FEELING, slots, ("correction.followed", COMPLEX))
        if u.clause:
            slots["clause"] = u.clause
        return Plan(Move.VALIDATE, slots, ("correction.followed",))

    def rule_asked(self, u: Understanding, mem: Memory) -> Plan | None:
        """A question put to the listener: answered honestly, then handed back."""
        if not u.asks or (u.asks in ("you_would", "choice") and self.helpful_ok(mem)):
            return None
        slots = {"angle": f"asked_{u.asks}"}
        before = next(
            (
                o.clause
                for o in reversed(mem.understandings)
                if o.clause and not o.self_contempt and not o.is_question and mem.stands(o.clause)
            ),
            None,
        )
        if before:
            slots["before"] = before
        return Plan(Move.VALIDATE, slots, (f"asked.{u.asks}",))

    def rule_advice(self, u: Understanding, mem: Memory) -> Plan | None:
        """Asked what to do: a small idea after enough listening, else the question back."""
        if not (u.asks_advice or u.asks in ("you_would", "choice")):
            return None
        if self.helpful_ok(mem, asked=True):
            return self.helpful(u, mem, ("advice.asked",))
        if self.question_ok(mem):
            return Plan(Move.OPEN_QUESTION, {"angle": "advice"}, ("advice.deferred",))
        if mem.last is not Move.VALIDATE:
            return Plan(Move.VALIDATE, {"angle": "advice"}, ("advice.deferred",))
        return None

    def rule_apology(self, u: Understanding, mem: Memory) -> Plan | None:
        """ "Sorry, I'm rambling": no need; the time is theirs."""
        if not u.apology or not self.fresh(mem, Move.VALIDATE):
            return None
        return Plan(Move.VALIDATE, {"angle": "apology"}, ("validate.apology",))

    def rule_no_advice(self, u: Understanding, mem: Memory) -> Plan | None:
        """Advice turned down: heard, and the listener goes on only listening."""
        if not u.declines_advice or u.asks_advice:
            return None
        return Plan(Move.VALIDATE, {"angle": "no_advice"}, ("advice.declined",))

    def rule_loss(self, u: Understanding, mem: Memory) -> Plan | None:
        """A death, a divorce, a lost job: named before anything else, once."""
        loss = self.lex.loss(u.clause) if u.clause else None
        if not (loss and u.clause and self._new_loss(loss[1], mem)):
            return None
        kind, lost = loss
        if kind == "bereaved" and self.lex.no_goodbye.search(u.clause):
            kind = "bereaved_goodbye"
        slots = {"lost": lost, "angle": kind}
        feeling = self.feeling(u)
        if feeling and self.own(feeling, u):
            slots["feeling"] = feeling
        if self.fresh(mem, Move.REFLECT_CONTENT):
            return Plan(Move.REFLECT_CONTENT, slots, ("reflect.loss", COMPLEX))
        return Plan(Move.VALIDATE, slots, ("validate.loss",))

    def rule_self_contempt(self, u: Understanding, mem: Memory) -> Plan | None:
        """A self-insult: the hurt under it is reflected, never the insult."""
        if (
            not u.self_contempt
            or mem.since_reason("reflect.under") < self.s.limits["contempt_every"]
        ):
            return None
        return Plan(Move.REFLECT_FEELING, {"angle": "self_contempt"}, ("reflect.under", COMPLEX))

    def rule_wondering(self, u: Understanding, mem: Memory) -> Plan | None:
        """ "Maybe he was right": part of them wonders it, said back without the hedge."""
        hedged = self.lex.hedge.match(u.clause) if u.clause else None
        short = u.words <= self.s.limits["wondering_words"]
        if not (hedged and u.clause and short and self.fresh(mem, Move.REFLECT_CONTENT)):
            return None
        if self.asking.step(u.clause):
            return None  # "maybe I'll try the club" is a step to ask about, not self-doubt
        rest = u.clause[hedged.end() :]
        if rest.split(" ", 1)[0].lower() in self.lex.fragment_starts:
            return None  # "maybe if someone else talked to them": no "wonders if if ..."
        slots = {"clause": rest, "angle": "wondering"}
        return Plan(Move.REFLECT_CONTENT, slots, ("reflect.wondering", COMPLEX))

    def rule_summary(self, u: Understanding, mem: Memory) -> Plan | None:
        """A summary in the middle of a long session (filled by the policy)."""
        every = self.s.limits["summary_every"]
        if len(mem.moves) >= every - 2 and mem.since(Move.SUMMARIZE) >= every:
            return Plan(Move.SUMMARIZE, {"angle": "midway"}, ("summary.midway",))
        return None

    def rule_small_talk(self, u: Understanding, mem: Memory) -> Plan | None:
        """ "Hi", "bye": a kind word."""
        if (u.small_talk or u.farewell) and self.fresh(mem, Move.ENCOURAGE):
            angle = "farewell" if u.farewell else "small_talk"
            return Plan(Move.ENCOURAGE, {"angle": angle}, (f"encourage.{angle}",))
        return None

    def rule_light(self, u: Understanding, mem: Memory) -> Plan | None:
        """A light remark gets a light reply."""
        if u.feelings and u.feelings[0] == "amused" and self.fresh(mem, Move.ENCOURAGE):
            return Plan(Move.ENCOURAGE, {"angle": "light"}, ("encourage.light",))
        return None

    def rule_thanks(self, u: Understanding, mem: Memory) -> Plan | None:
        """Thanks, received simply, when the rest of the message asks for nothing else."""
        feeling = self.feeling(u)
        thanked = feeling == "grateful" or (
            u.thanks and not u.is_question and (feeling is None or feeling in self.s.positive)
        )
        # "ok thank you I kind of feel better": a short word beside the thanks is part of it
        short = bool(u.clause) and len(str(u.clause).split()) <= self.s.limits["thanks_words"]
        brief = not u.clause or (u.thanks and short)
        if thanked and brief and mem.last is not Move.VALIDATE:
            return Plan(Move.VALIDATE, {"angle": "thanks"}, ("validate.thanks",))
        return None

    def rule_unloading(self, u: Understanding, mem: Memory) -> Plan | None:
        """A long message: a short reply."""
        if u.words < self.s.limits["unloading_words"]:
            return None
        feeling = self.feeling(u)
        if feeling and self.fresh(mem, Move.REFLECT_FEELING):
            slots = {"feeling": feeling, "length": "short"}
            if feeling in self.s.positive:
                slots["angle"] = "positive"
            return Plan(Move.REFLECT_FEELING, slots, ("unloading", COMPLEX))
        if self.weighty(u, mem) and mem.last is not Move.VALIDATE:
            # a long, heavy message deserves more than "go on"
            return Plan(Move.VALIDATE, {"length": "short"}, ("unloading.heavy",))
        if mem.last is not Move.ENCOURAGE:
            return Plan(Move.ENCOURAGE, {"length": "short"}, ("unloading",))
        return None

    def mid_story(self, u: Understanding, mem: Memory) -> bool:
        """The person is telling what happened, with no feeling named yet: let them go on."""
        # a story is under way only after the first message: an opening deserves more
        telling = u.words >= self.s.limits["story_words"] and not u.self_contempt
        telling = telling and bool(mem.understandings)
        return telling and not self.feeling(u) and self.asking.past(u.clause or "")

    # -- plans with content of their own ------------------------------------------------------

    def helpful(self, u: Understanding, mem: Memory, reasons: tuple[str, ...]) -> Plan:
        """A helpful comment about the topic at hand (or the main one of the session)."""
        if u.asks == "choice":
            # "should I move back home?": a way to weigh a choice, not a tip about the topic
            return Plan(Move.HELPFUL_COMMENT, {"angle": "decision"}, (*reasons, "helpful"))
        recent = [t for each in (u, *mem.understandings[-1:]) for t in each.topics]
        pool = recent or [t for t, _ in mem.topics.most_common(1)]
        slots = {"angle": max(pool, key=lambda t: mem.topics[t])} if pool else {}
        if slots.get("angle") == "partner" and self._ended(u, mem):
            # "she left me": no tip for talking things through with a partner who has gone
            slots["angle"] = "ended"
        return Plan(Move.HELPFUL_COMMENT, slots, (*reasons, "helpful"))

    def _ended(self, u: Understanding, mem: Memory) -> bool:
        """True when the person said this session that a relationship has ended."""
        for o in (*mem.understandings, u):
            loss = self.lex.loss(o.clause) if o.clause else None
            if loss and loss[0] == "ended":
                return True
        return False

    def person_topic(self, mention: str) -> str | None:
        """The topic a remembered mention belongs to ("your wife" -> "partner")."""
        return self.asking.person_topic(mention)

    def _new_loss(self, lost: str, mem: Memory) -> bool:
        """True unless this loss was already named back this session."""
        for old, why in zip(mem.understandings, mem.reasons, strict=False):
            seen = self.lex.loss(old.clause) if old.clause and "reflect.loss" in why else None
            if seen and seen[1] == lost:
                return False
        return True
