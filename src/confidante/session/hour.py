"""One session: the hour from the disclosure to the goodbye, held in memory only.

The flow a front end drives::

    disclosure() -> set_relief_before() -> open() -> respond()* -> summary()
    -> [memory_draft() for a regular] -> set_relief_after() -> close()

Safety comes first on every message: a crisis or a boundary takes the reply from the safety
layer's reviewed text; otherwise the listening policy plans a move and the voice says it.
A session in crisis is never closed by the clock. ``close()`` drops everything that was said.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass

from confidante.conversation import (
    Assessment,
    Message,
    Move,
    Phase,
    Reply,
    Role,
    SessionState,
    Turn,
    Understanding,
    normalise_sentence,
    sentences,
)
from confidante.errors import InputError, SessionEndedError
from confidante.listening.plan import Plan
from confidante.safety.escalation import sure_kinds
from confidante.session.clock import Clock
from confidante.session.message import check_message, clip_for_assessment
from confidante.session.parts import GuardLike, PolicyLike, UnderstanderLike
from confidante.session.prompts import prompt
from confidante.session.relief import relief_comment
from confidante.voices.base import Voice, VoiceContext
from confidante.voices.guarded import voice_notice

#: Continuous use after which the AI disclosure is repeated (companion-chatbot laws ask for 3 h).
REMINDER_SECONDS = 3 * 60 * 60
#: How many recent messages a model voice may see.
RECENT_MESSAGES = 8


@dataclass(frozen=True)
class MemoryDraft:
    """What a regular may choose to keep: a plain note plus feelings and topics."""

    note: str
    feelings: tuple[str, ...]
    topics: tuple[str, ...]


class Session:
    """The hour with one person; create it through ``Listener.session``."""

    def __init__(
        self,
        *,
        understander: UnderstanderLike,
        policy: PolicyLike,
        voice: Voice,
        guard: GuardLike,
        clock: Clock,
        rng: random.Random,
        minutes: int = 60,
        locale: str = "en_US",
        cue_minutes: Iterable[int] = (10, 5),
        max_message_chars: int = 4000,
        continuity: str | None = None,
        state: SessionState | None = None,
    ) -> None:
        self._understander = understander
        self._policy = policy
        self._voice = voice
        self._guard = guard
        self._clock = clock
        self._rng = rng
        self._cue_minutes = _scaled_cues(cue_minutes, minutes)
        self._max_chars = max_message_chars
        self.state = state or SessionState(
            minutes=minutes, locale=locale, started_at=clock.now(), continuity=continuity
        )

    # -- the clock -------------------------------------------------------------------------

    def elapsed(self) -> float:
        """Seconds since the session started."""
        return max(0.0, self._clock.now() - self.state.started_at)

    def seconds_left(self) -> float:
        """Seconds left of the hour (0 once it is up)."""
        return max(0.0, self.state.minutes * 60 - self.elapsed())

    def minutes_left(self) -> int:
        """Whole minutes left, rounded up, so "1" means less than a minute."""
        return math.ceil(self.seconds_left() / 60)

    @property
    def time_up(self) -> bool:
        """True once the hour has run out."""
        return self.seconds_left() <= 0

    @property
    def should_close(self) -> bool:
        """True when the front end should move to the close: time is up and no crisis."""
        return self.time_up and not self.state.in_crisis and self.state.phase != Phase.CLOSED

    def time_text(self, *, quiet: bool = False) -> str:
        """How much time is left, as said to the person; ``quiet``: the time-up words for a
        person sitting quietly at the prompt (press Enter to finish)."""
        span = prompt("time.hour" if self.state.minutes == 60 else "time.other")
        if self.time_up:
            if self.state.in_crisis:
                return prompt("time.up_in_crisis", span=span)
            return prompt("time.up_quiet" if quiet else "time.up", span=span)
        left = self.minutes_left()
        if left <= 1:
            return prompt("time.left_one", span=span)
        return prompt("time.left", minutes=left, span=span)

    # -- the opening -----------------------------------------------------------------------

    def disclosure(self) -> Reply:
        """The opening notice: an AI listener, not a therapist or a person; it forgets.

        A returning regular (one who came with a note, even an empty one) hears what is kept
        and that today is forgotten unless they update the note, in place of the first-timer's.
        """
        self._require_open()
        self.state.last_disclosure_at = self._clock.now()
        if self.state.continuity is not None:
            notice = prompt("disclosure.returning")
        else:
            notice = self._guard.disclosure("opening", self._rng)
        text = f"{notice} {self._guard.locale_line(self.state.locale)}"
        remote = voice_notice(self._voice)  # the conversation is sent to another machine
        text = f"{text} {remote}" if remote else text
        return Reply(text=text, move=Move.DISCLOSURE)

    def set_relief_before(self, score: int | None) -> None:
        """Record the 0-10 check before the hour (``None``: skipped)."""
        self.state.relief_before = _checked_score(score)

    def open(self) -> Reply:
        """The invitation to talk ("Tell me about your life?" in spirit)."""
        self._require_open()
        plan = self._policy.opening(self.state, self._rng)
        self.state.phase = Phase.LISTENING
        return Reply(text=self._speak(plan), move=plan.move, reasons=plan.reasons)

    # -- the listening middle --------------------------------------------------------------

    def respond(self, text: str) -> Reply:
        """Answer one message; raises ``InputError`` for a message it cannot take."""
        self._require_open()
        said_text, assessment = self._take(text)
        now = self._clock.now()
        if self.state.phase == Phase.OPENING:
            self.state.phase = Phase.LISTENING
        self._note_risk(assessment)
        crisis = self._guard.crisis_turn(said_text, assessment, self.state, self._rng)
        self.state.crisis = crisis.episode
        language = self._guard.language(said_text)
        understanding = self._understander.understand(said_text, self.state)
        if crisis.reply is not None:
            fixed = crisis.reply
            if language != "en" and crisis.opened:
                fixed = f"{self._guard.language_reply(language, self.state.locale, set())} {fixed}"
            plan = Plan(Move.CRISIS, fixed=fixed, reasons=assessment.reasons)
        elif language != "en":
            # Never mirror words the listener may misread: the notice once, then plain presence.
            reply = self._guard.language_reply(
                language, self.state.locale, self.state.used_sentences
            )
            plan = Plan(Move.BOUNDARY, fixed=reply, reasons=(f"language.{language}",))
        else:
            plan = self._plan(said_text, assessment, understanding)
        reply_text = self._speak(plan, Message(Role.PERSON, said_text, now))
        reply_text, reminded = self._with_reminder(reply_text, now)
        cue = False
        if plan.move not in (Move.CRISIS, Move.DISCLOSURE) and not reminded:
            cue_text = self._cue_text()
            if cue_text:
                reply_text = f"{reply_text} {cue_text}"
                cue = True
        self.state.turns.append(
            Turn(
                said=Message(Role.PERSON, said_text, now),
                reply=Message(Role.LISTENER, reply_text, self._clock.now()),
                move=plan.move,
                assessment=assessment,
                understanding=understanding,
                reasons=plan.reasons,
            )
        )
        return Reply(
            text=reply_text,
            move=plan.move,
            risk=assessment.level,
            kind=assessment.kind,
            reasons=plan.reasons,
            cue=cue,
            referral=crisis.opened,
        )

    def _take(self, text: str) -> tuple[str, Assessment]:
        """The message as the session keeps it, and its assessment.

        A message is read for safety before it is ever refused: one too long or with stray
        control codes that speaks of a crisis (or comes during one) is answered, cut to the
        limit; any other is refused with what to do next.
        """
        try:
            said = check_message(text, self._max_chars)
        except InputError:
            readable = clip_for_assessment(text, self._max_chars)
            if not readable:
                raise
            assessment = self._guard.assess(readable, self.state)
            if not (assessment.is_crisis or self.state.in_crisis):
                raise
            return _cut(readable, self._max_chars), assessment
        return said, self._guard.assess(said, self.state)

    def due_cue(self) -> Reply | None:
        """A time cue that is due now, for front ends that tick while the person is quiet."""
        self._require_open()
        if self.state.phase != Phase.LISTENING:
            return None
        text = self._cue_text()
        return Reply(text=text, move=Move.TIME_CUE, cue=True) if text else None

    # -- the close -------------------------------------------------------------------------

    def summary(self) -> Reply:
        """A brief summary of what was heard; moves the session into its close."""
        self._require_open()
        self.state.phase = Phase.CLOSING
        plan = self._policy.summary(self.state, self._rng)
        return Reply(text=self._speak(plan), move=plan.move, reasons=plan.reasons)

    def memory_draft(self) -> MemoryDraft:
        """What a regular could keep: the summary's words and the session's feelings and topics."""
        self._require_open()
        feelings: dict[str, None] = {}
        topics: dict[str, None] = {}
        people: dict[str, None] = {}
        for turn in self.state.turns:
            if turn.assessment.is_crisis:
                continue  # a crisis is never written into a note by default
            feelings.update(dict.fromkeys(turn.understanding.feelings))
            topics.update(dict.fromkeys(turn.understanding.topics))
            people.update(dict.fromkeys(turn.understanding.people))
        things = list(people)[:4] or [t.replace("_", " ") for t in list(topics)[:3]]
        parts = []
        if things:
            parts.append(prompt("note.about", things=_join(things)))
        if feelings:
            parts.append(prompt("note.felt", feelings=_join(list(feelings)[:3])))
        return MemoryDraft(note=" ".join(parts), feelings=tuple(feelings)[:6],
                           topics=tuple(topics)[:6])

    def set_relief_after(self, score: int | None) -> None:
        """Record the 0-10 check after the hour (``None``: skipped)."""
        self.state.relief_after = _checked_score(score)

    def close(self) -> Reply:
        """The goodbye (with helplines again after a crisis); then everything said is dropped."""
        self._require_open()
        plan = self._policy.close(self.state, self._rng)
        parts = [self._speak(plan)]
        comment = relief_comment(self.state.relief_before, self.state.relief_after)
        if comment:
            parts.insert(0, comment)
        if self.state.had_crisis:
            parts.append(self._guard.closing_resources(self.state.locale, sure_kinds(self.state)))
        reply = Reply(text=" ".join(parts), move=Move.CLOSE, risk=self.state.highest_risk)
        self._forget()
        return reply

    @property
    def closed(self) -> bool:
        """True once the session has ended."""
        return self.state.phase == Phase.CLOSED

    # -- inside ----------------------------------------------------------------------------

    def _plan(self, text: str, assessment: Assessment, understanding: Understanding) -> Plan:
        """Boundaries first, then the listening policy (a crisis was answered before this)."""
        used = self.state.used_sentences
        boundary = self._guard.boundary(text)
        if boundary == "ai_question":
            return Plan(Move.DISCLOSURE, fixed=self._guard.disclosure("asked", self._rng),
                        reasons=("boundary.ai_question",))
        if boundary:
            fixed = self._guard.boundary_reply(boundary, self._rng, used)
            return Plan(Move.BOUNDARY, fixed=fixed, reasons=(f"boundary.{boundary}",))
        return self._policy.choose(understanding, self.state, self._rng)

    def _speak(self, plan: Plan, said: Message | None = None) -> str:
        """Let the voice say the plan, and remember its sentences so none is said twice.

        ``said`` is the message being answered: a model voice reads it last, after the recent
        turns (a crisis plan is fixed text, so a crisis message never reaches a voice)."""
        # Crisis turns are never shown to a voice, not even as context for a later turn.
        turns = [t for t in self.state.turns if t.move is not Move.CRISIS]
        recent = [m for t in turns[-RECENT_MESSAGES // 2 :] for m in (t.said, t.reply)]
        if said is not None and plan.fixed is None:
            recent.append(said)
        context = VoiceContext(rng=self._rng, used_sentences=self.state.used_sentences,
                               recent=recent)
        if plan.fixed is not None:
            text = plan.fixed.strip()  # reviewed text: said here, never given to a voice
        else:
            text = "".join(self._voice.say(plan, context)).strip()
        self.state.used_sentences.update(normalise_sentence(s) for s in sentences(text))
        return text

    def _with_reminder(self, text: str, now: float) -> tuple[str, bool]:
        """Repeat the AI disclosure after every three hours of continuous use."""
        last = self.state.last_disclosure_at
        if last is None:
            self.state.last_disclosure_at = now
            return text, False
        if now - last >= REMINDER_SECONDS:
            self.state.last_disclosure_at = now
            return f"{text} {self._guard.disclosure('reminder', self._rng)}", True
        return text, False

    def _cue_text(self) -> str | None:
        """The time cue due now, if any; each cue is given once."""
        if self.time_up:
            return None
        left = self.minutes_left()
        for mark in self._cue_minutes:
            if left <= mark and mark not in self.state.cues_given:
                # Mark every passed cue so a late session gets one cue, not two in a row.
                self.state.cues_given.extend(m for m in self._cue_minutes if m >= left)
                if left <= 1:  # "about 1 minutes left" is no way to say it
                    plan = Plan(Move.TIME_CUE, fixed=prompt("time.cue_one"), reasons=("time.cue",))
                else:
                    plan = self._policy.time_cue(left, self.state, self._rng)
                return self._speak(plan)
        return None

    def _note_risk(self, assessment: Assessment) -> None:
        """Keep the highest risk seen and the kinds of crisis, for the close."""
        if assessment.level.rank > self.state.highest_risk.rank:
            self.state.highest_risk = assessment.level
        if assessment.is_crisis and assessment.kind not in self.state.crisis_kinds:
            self.state.crisis_kinds.append(assessment.kind)

    def _require_open(self) -> None:
        if self.state.phase == Phase.CLOSED:
            raise SessionEndedError(prompt("input.ended"))

    def _forget(self) -> None:
        """Drop everything that was said; only the phase, relief checks and risk level remain."""
        self.state.turns.clear()
        self.state.used_sentences.clear()
        self.state.continuity = None
        self.state.phase = Phase.CLOSED


def _scaled_cues(cue_minutes: Iterable[int], minutes: int) -> list[int]:
    """The minutes-left marks of the time cues, latest last: ``cue_minutes`` are for an hour and
    scale with the session's length (10 and 5 of an hour are 1 and 1 of two minutes: one cue),
    never closer than a minute to the end, and only marks inside the session."""
    scaled = {max(1, math.ceil(m * minutes / 60)) for m in cue_minutes if m > 0}
    return sorted((m for m in scaled if m < minutes), reverse=True)


def _join(words: list[str]) -> str:
    """ "a", "a and b", "a, b and c" """
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {prompt('note.and')} {words[-1]}"


def _cut(text: str, limit: int) -> str:
    """Text cut to ``limit`` characters, at a space where there is one near the end."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ", max(0, limit - 200))
    return head[:space] if space > 0 else head


def _checked_score(score: int | None) -> int | None:
    """A relief score must be 0-10 or None."""
    if score is not None and not 0 <= score <= 10:
        raise ValueError("a relief score is a whole number from 0 to 10")
    return score
