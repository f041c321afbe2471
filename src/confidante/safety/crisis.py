"""The crisis conversation: staying with a person, turn by turn, until they are safe.

A crisis is a state of the session (``SessionState.crisis``), not a flag on one message. The
first crisis message opens an episode with the protocol's first reply (``protocol.toml``). Every
later message in the episode is answered here, from reviewed text in ``data/crisis.toml``:

1. what the person just said is answered first: refusing help (no pushing; the text option),
   a minimal reply ("ok"), both wanting to die and to live, a question, means or a time;
2. then the protocol's next step for the kind of danger, each taken once: ask directly, ask
   about the means and whether they can be put away, ask about a plan and a time, offer human
   help (and the emergency number when it is happening now), and stay.

"I'm safe" is thanked and checked once; a confirmation hands the reply back to ordinary
listening, still watchful: a new sign of danger within ``CALM_TURNS`` turns reopens the episode,
and the episode closes only after that many calm turns. Nothing here holds message text.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from confidante.conversation import Assessment, CrisisEpisode, RiskKind, RiskLevel
from confidante.safety.answers import AFFIRM, DENY, WILLING
from confidante.safety.crisis_script import SIGNALS, CrisisScript
from confidante.safety.protocol import CRISIS_KINDS, pick

__all__ = ["CALM_TURNS", "SIGNALS", "CrisisScript", "CrisisTalk", "CrisisTurn", "Heard"]

#: Calm turns after a confirmed "I'm safe" before the episode is closed.
CALM_TURNS = 3
# The step the protocol's first reply already took, by kind and level.
_FIRST_STEPS = {
    RiskKind.SUICIDE_SELF_HARM: ("ask_direct",),
    RiskKind.EATING_DISORDER: (),
    RiskKind.HARMED_BY_OTHERS: ("ask_safe",),
    RiskKind.HARMING_OTHERS: ("ask_direct",),
    RiskKind.MEDICAL_EMERGENCY: ("call_now",),
    RiskKind.THIRD_PARTY: ("ask_safe",),
}
_TIMED = (RiskKind.HARMED_BY_OTHERS, RiskKind.HARMING_OTHERS, RiskKind.THIRD_PARTY)


@dataclass(frozen=True)
class CrisisTurn:
    """What the protocol says now (None: ordinary listening) and the episode after it."""

    reply: str | None
    episode: CrisisEpisode | None
    opened: bool = False  # this turn opened (or reopened) an episode: one referral


@dataclass(frozen=True)
class Heard:
    """What the protocol needs to know about one message (no text)."""

    spelled: str  # the lexicon's spelled-out text, only to match signals; never stored
    fresh: bool  # the message itself carries risk, not only the session's context
    means: bool  # it speaks of means
    time: bool  # it names a time ("tonight")
    soon: bool = False  # it names a near day ("tomorrow night", "this weekend")
    certain: bool = False  # a reviewed phrase (not only a model) found a crisis in it
    quiet: bool = False  # nothing at all was found in the message itself, not even "low"
    sure: bool = False  # a reviewed phrase found a crisis, or the reader is very sure of one
    # read by itself, without the earlier turn, it is still a crisis: a second reading of its
    # own, not the first one echoed through the context (read only while an episode is a
    # model's guess, or in answer to "will you stay safe?")
    alone: bool = False
    # means told in the turns just before ("I keep my service pistol in the nightstand"), so an
    # episode opened now never asks whether there is anything near
    means_before: bool = False


class CrisisTalk:
    """Decides each reply of an open crisis episode."""

    def __init__(
        self,
        script: CrisisScript,
        first_reply: Callable[[Assessment, random.Random, set[str]], str],
        render: Callable[[str], str],
    ) -> None:
        """``first_reply`` says the protocol's opening reply; ``render`` fills placeholders."""
        self.script = script
        self._first = first_reply
        self._render = render

    def turn(
        self,
        heard: Heard,
        assessment: Assessment,
        episode: CrisisEpisode | None,
        rng: random.Random,
        used: set[str],
    ) -> CrisisTurn:
        """The protocol's part in this turn."""
        if episode is None:
            if not assessment.is_crisis:
                return CrisisTurn(None, None)
            ep = self._episode(heard, assessment)
            opening = self._open(heard, assessment, rng, used)
            return CrisisTurn(self._head(opening, heard, ep, rng, used), ep, opened=True)
        episode.turns += 1
        signal = self.script.signal(heard.spelled)
        if episode.safe_confirmed:
            return self._watch(heard, assessment, episode, signal, rng, used)
        if episode.safe_said:
            return self._after_check(heard, assessment, episode, signal, rng, used)
        reply = self._in_crisis(heard, assessment, episode, signal, rng, used)
        return CrisisTurn(self._head(reply, heard, episode, rng, used), episode)

    def _head(
        self, reply: str, heard: Heard, ep: CrisisEpisode, rng: random.Random, used: set[str]
    ) -> str:
        """A blow to the head, once an episode: the signs that need a doctor, said once."""
        if "head_check" in ep.steps or not self.script.hurt_head(heard.spelled):
            return reply
        ep.steps.append("head_check")
        return f"{reply} {pick(self.script.answers['head_injury'], rng, used, self._render)}"

    # -- the parts of an episode -----------------------------------------------------------

    def _open(self, heard: Heard, a: Assessment, rng: random.Random, used: set[str]) -> str:
        return self._first(a, rng, used)

    @staticmethod
    def _episode(heard: Heard, a: Assessment) -> CrisisEpisode:
        kind = a.kind if a.kind in CRISIS_KINDS else RiskKind.SUICIDE_SELF_HARM
        steps = list(_FIRST_STEPS[kind])
        if a.level is RiskLevel.IMMINENT:
            steps.append("offer_help")  # the emergency reply gave the number and the line
        # A guess is an elevated reading of a model that is not very sure of it.
        guessed = not (heard.certain or heard.sure) and a.level is RiskLevel.ELEVATED
        means = heard.means or heard.means_before
        return CrisisEpisode(kind=kind, level=a.level, steps=steps, means=means,
                             guessed=guessed, reviewed=heard.certain)

    def _watch(
        self, heard: Heard, a: Assessment, ep: CrisisEpisode, signal: str | None,
        rng: random.Random, used: set[str],
    ) -> CrisisTurn:
        """Listening again after "I'm safe"; a new sign of danger reopens the episode."""
        # After a model's guess passed, a new reading of danger reopens the episode when the
        # message is a danger by itself ("I won't be around after friday"), not only through
        # the earlier turn: one unsure reading echoed by context should not hold the hour.
        fresh = heard.fresh and a.is_crisis and (heard.sure or heard.alone or not ep.guessed)
        if fresh or signal == "unsafe":
            ep.safe_said = ep.safe_confirmed = False
            ep.calm_turns = 0
            unasked = not ep.reviewed and a.level is RiskLevel.ELEVATED
            unasked = unasked and not (heard.means or heard.time)
            still_guess = ep.guessed and not heard.sure
            if (still_guess or unasked) and ep.kind is RiskKind.SUICIDE_SELF_HARM:
                # Still a guess, or the direct question was never answered ("I just want it to
                # stop" after a passed guess): ask directly again, before any question of means.
                ep.turns = 0
                ep.steps = [x for x in ep.steps if x != "ask_direct"] + ["ask_direct"]
                again = pick(self.script.answers["ask_again"], rng, used, self._render)
                return CrisisTurn(again, ep, opened=True)
            return CrisisTurn(self._reopen(heard, a, ep, rng, used), ep, opened=True)
        ep.calm_turns += 1
        return CrisisTurn(None, None if ep.calm_turns >= CALM_TURNS else ep)

    def _after_check(
        self, heard: Heard, a: Assessment, ep: CrisisEpisode, signal: str | None,
        rng: random.Random, used: set[str],
    ) -> CrisisTurn:
        """The answer to "will you stay safe?": a yes (or moving on calmly) is a confirmation."""
        text = heard.spelled.strip().lower()
        unsure = signal in ("unsafe", "ambivalent") or DENY.match(text) is not None
        unsure = unsure or text.rstrip(".!? ") in ("idk", "i dont know", "i don't know",
                                                   "not sure", "maybe", "i guess", "dunno")
        # A plain "yes, I promise" read with the danger as context can sound like danger to a
        # model; only a reviewed phrase or a very sure reading outweighs the person's answer.
        confirmed = signal == "safe" or AFFIRM.match(text) is not None
        # A model reading "my sister's coming on Saturday" after "I'm safe" as danger through
        # the context is no reason to reopen; a danger of its own is.
        fresh = heard.fresh and (heard.alone or heard.certain)
        if (heard.sure and a.is_crisis) or unsure or (fresh and not confirmed):
            ep.safe_said = False
            return CrisisTurn(self._reopen(heard, a, ep, rng, used), ep)
        if signal in _HELP_TALK and not confirmed:
            # "idk if I can tell my dad, he'd freak" after "will you stay safe?": still the
            # crisis, talking about help. Answered as such; the check comes again when safety
            # is said again.
            ep.safe_said = False
            return CrisisTurn(self._in_crisis(heard, a, ep, signal, rng, used), ep)
        if _body_now(ep) and not confirmed:
            # While a body is in danger (an overdose taken, fainting), moving on is no answer
            # to "will you be safe?": it is still the crisis, answered as such.
            ep.safe_said = False
            reply = self._in_crisis(heard, a, ep, signal, rng, used)
            return CrisisTurn(reply, ep)
        ep.safe_confirmed = True
        return CrisisTurn(pick(self.script.answers["safe_confirmed"], rng, used, self._render), ep)

    def _reopen(
        self, heard: Heard, a: Assessment, ep: CrisisEpisode, rng: random.Random, used: set[str]
    ) -> str:
        lead = pick(self.script.answers["unsafe"], rng, used, self._render)
        return f"{lead} {self._in_crisis(heard, a, ep, None, rng, used)}"

    def _in_crisis(
        self, heard: Heard, a: Assessment, ep: CrisisEpisode, signal: str | None,
        rng: random.Random, used: set[str],
    ) -> str:
        """Answer what was said, then take the next step."""
        last = ep.steps[-1] if ep.steps else ""
        text = heard.spelled.strip().lower()
        if (
            heard.fresh and heard.certain and a.is_crisis and a.kind in CRISIS_KINDS
            and a.kind is not ep.kind
        ):  # fmt: skip
            # the danger changed ("he hit me" -> "I want to die"), as a reviewed phrase says; a
            # model's guess at the kind ("my mum's tablets": someone else?) never moves it
            ep.kind = a.kind
        if signal == "safe" and _body_now(ep) and not self.script.safe_in_deed(text):
            # "I'm fine, I'll just sleep it off" an hour after an overdose is no safety: said
            # kindly, the emergency number again, and the episode stays where it is.
            return pick(self.script.answers["safe_urgent"], rng, used, self._render)
        if ep.kind is RiskKind.THIRD_PARTY and signal == "safe" and self.script.safe_in_deed(text):
            # "I called 911 and gave them her address": the person got help to someone else.
            # That is the step done, not a safety to check: thanked, and stayed with.
            ep.safe_said = ep.safe_confirmed = True
            return pick(self.script.answers["third_party_acted"], rng, used, self._render)
        if signal == "safe" and not heard.certain:
            # "I won't do anything, I just needed to say it" can sound like danger to a model;
            # only a reviewed phrase of danger in the same message outranks it.
            ep.safe_said = True
            return pick(self.script.answers["safe"], rng, used, self._render)
        if (
            ep.guessed and (ep.turns == 1 or heard.quiet) and not heard.sure and not heard.alone
            and (signal is None or (signal == "question" and heard.quiet))
            and not AFFIRM.match(text) and not heard.means and not heard.time and not ep.means
        ):  # fmt: skip
            # (A guess with the means known to be near is never let go on a quiet message.)
            # A model's guess, and the next message does not answer the question and carries
            # no danger of its own ("Am I a bad mother?" after "I'm so tired since the baby
            # came"): the conversation has moved on. A second reading of danger of its own
            # bears the guess out for that turn; a later message with nothing in it at all
            # ("We're saving for a wedding") lets a guess go, however long it has run.
            ep.safe_said = ep.safe_confirmed = True
            return pick(self.script.answers["moved_on"], rng, used, self._render)
        asked = (last == "ask_direct" and ep.turns == 1) or last == "ask_again"
        if (
            asked and not heard.fresh
            and ep.level is RiskLevel.ELEVATED and DENY.match(text) and signal != "unsafe"
        ):  # fmt: skip
            # "No" to "are you thinking about ending your life?": the question was answered.
            ep.safe_said = ep.safe_confirmed = True
            return pick(self.script.answers["cleared"], rng, used, self._render)
        unanswered = signal is None and not AFFIRM.match(text) and not DENY.match(text)
        # a message that is a danger of its own, very surely read, goes on with the crisis
        unanswered = unanswered and not (heard.means or heard.time or heard.certain or heard.sure)
        if unanswered and last == "ask_direct" and _asks_again(ep):
            # "Work gave me three days off" after "are you thinking about suicide?" does not
            # answer it: asked once more, plainly, before any question about means or a plan
            ep.steps.append("ask_again")
            return pick(self.script.answers["ask_again"], rng, used, self._render)
        if unanswered and last == "ask_again" and heard.quiet and not ep.reviewed:
            # asked twice, answered neither time, and nothing of danger since: a model's
            # reading ("my dad died and everyone thinks I should be over it") has passed
            ep.safe_said = ep.safe_confirmed = True
            return pick(self.script.answers["moved_on"], rng, used, self._render)
        if heard.sure or (last in ("ask_direct", "ask_again") and AFFIRM.match(text)):
            # a later reading, reviewed or very sure, or a "yes" to the direct question bore
            # the guess out
            ep.guessed = False
        if (heard.certain and a.is_crisis) or (
            last in ("ask_direct", "ask_again") and AFFIRM.match(text)
        ):
            ep.reviewed = True
        answered_no = last == "ask_means" and DENY.match(text) is not None
        if heard.means or (
            last == "ask_means" and not answered_no and (AFFIRM.match(text) or heard.fresh)
        ):
            # "yes", or an answer to the means question that itself reads as danger ("my mum's
            # got a whole box of her sleeping tablets"): the means are there. "No, I haven't
            # got a plan, I just think it" is no means, however heavy it reads.
            ep.means = True
        told = heard.time or self.script.told_when(text) or self.script.told_no_plan(text)
        if told and "ask_plan" not in ep.steps:
            ep.steps.append("ask_plan")  # a time, or no plan, was told: never asked for again
        # A time, once means or a fresh danger are known, is now: "tonight" after "the pills".
        # Harm by or to others, or to a friend, turns on a time by itself: "he's coming tonight".
        timed = heard.time and (ep.means or heard.sure or ep.level is RiskLevel.IMMINENT
                                or (ep.kind in _TIMED and not ep.guessed))
        # Harm by or to others on a near day is as good as now: "he closes tomorrow night".
        timed = timed or (heard.soon and ep.kind in _TIMED and not ep.guessed)
        # Someone else in danger who has gone or will not answer: that is now.
        timed = timed or (ep.kind is RiskKind.THIRD_PARTY and self.script.out_of_reach(text))
        # A weapon at hand and a fresh urge toward someone is now, as in one message ("harm
        # +weapon"): "I keep thinking about going in there with it" after the knife was named.
        armed = ep.kind is RiskKind.HARMING_OTHERS and ep.means and heard.fresh and a.is_crisis
        now = timed or armed or (a.level is RiskLevel.IMMINENT and heard.fresh)
        if now and (ep.level is not RiskLevel.IMMINENT or timed):
            ep.level = RiskLevel.IMMINENT
            if "offer_help" not in ep.steps:
                ep.steps.append("offer_help")  # the emergency reply gives the number and line
            return self._first(Assessment(RiskLevel.IMMINENT, ep.kind, a.reasons), rng, used)
        # The emergency reply asks to move away from the means too, so "I suppose I could"
        # after it answers that as well.
        asked_away = last in ("means_away", "ask_means") or (
            ep.means and ep.level is RiskLevel.IMMINENT
        )
        helping = signal in _REACHING
        if asked_away and ep.means and not heard.certain and not helping and WILLING.match(text):
            # "I suppose I could": encouraged to do it now; the next step waits a turn.
            if "means_away" not in ep.steps:
                ep.steps.append("means_away")
            parts = [pick(self.script.answers["will_move_means"], rng, used, self._render)]
            if ep.level is RiskLevel.IMMINENT:
                parts.append(self._emergency(ep, rng, used))
            return " ".join(parts)
        answer = self._answer(signal, heard, text, last)
        parts = [pick(self.script.answers[answer], rng, used, self._render)]
        # A medical emergency is urgent whatever the level: chest pain that is "probably wind"
        # still needs the number in every reply until help is on its way.
        urgent = ep.level is RiskLevel.IMMINENT or ep.kind is RiskKind.MEDICAL_EMERGENCY
        if answer in ("refuse_help", "ambivalent", "reach_out", "reach_someone"):
            # These answers end with their own question or offer; the next step waits a turn.
            if answer in ("refuse_help", "reach_out") and "offer_help" not in ep.steps:
                ep.steps.append("offer_help")  # the line was offered, or taken up, already
            if urgent:
                parts.append(self._emergency(ep, rng, used))
            return " ".join(parts)
        step = self._next_step(ep)
        if step != "stay":
            ep.steps.append(step)
        parts.append(pick(self.script.steps[(ep.kind, step)], rng, used, self._render))
        if urgent and not any("{emergency}" in x for v in self.script.steps[(ep.kind, step)]
                              for x in v):
            # While the danger is happening now, every reply carries the emergency number.
            parts.append(self._emergency(ep, rng, used))
        return " ".join(parts)

    def _emergency(self, ep: CrisisEpisode, rng: random.Random, used: set[str]) -> str:
        """The emergency number, said for the person or, in a third-party episode, for them."""
        key = "emergency_them" if ep.kind is RiskKind.THIRD_PARTY else "emergency"
        return pick(self.script.answers[key], rng, used, self._render)

    def _answer(self, signal: str | None, heard: Heard, text: str, last: str) -> str:
        if signal == "question" and self.script.asks_more_medicine(text):
            return "more_medicine"  # "should I take more of it?": no more without a doctor
        if signal in (
            "refuse_help", "ambivalent", "reach_out", "reach_someone", "minimal", "question",
            "unsafe",
        ):
            if signal == "minimal" and (AFFIRM.match(text) or DENY.match(text)) and last:
                return "affirm" if AFFIRM.match(text) else "deny"
            if signal == "question" and not self.script.asks_listener(text):
                return "question_theirs"  # "is it normal to feel this way after?"
            return signal
        if heard.means:
            return "means"
        if AFFIRM.match(text):
            return "affirm"
        if DENY.match(text):
            return "deny"
        return "other"

    def _next_step(self, ep: CrisisEpisode) -> str:
        for step in self.script.order[ep.kind]:
            if step in ep.steps:
                continue
            if (step == "means_away" and not ep.means) or (step == "ask_means" and ep.means):
                continue
            return step
        return "stay"


#: Signals of reaching for help: the line taken up, or someone named to tell.
_REACHING = frozenset({"reach_out", "reach_someone"})
#: Signals that talk about getting help: never a "yes" to "will you stay safe?".
_HELP_TALK = _REACHING | {"refuse_help"}


def _asks_again(ep: CrisisEpisode) -> bool:
    """Whether an unanswered direct question is put once more: a wish to die that is not yet
    told, not already asked again, and not happening now (then the emergency comes first)."""
    return (
        ep.kind is RiskKind.SUICIDE_SELF_HARM
        and ep.level is RiskLevel.ELEVATED
        and not ep.reviewed
        and "ask_again" not in ep.steps
    )


def _body_now(ep: CrisisEpisode) -> bool:
    """A body in danger now: a medical emergency (an overdose taken), or an eating disorder
    with fainting or a racing heart. "I'm fine" is not safety there."""
    return ep.kind is RiskKind.MEDICAL_EMERGENCY or (
        ep.kind is RiskKind.EATING_DISORDER and ep.level is RiskLevel.IMMINENT
    )
