"""A model voice held to the same rules as the phrasebook: short, plain, safe, never repeating.

Whatever a model says is read whole by the safety layer's output check before it is used; a
reply that fails is replaced by the phrasebook's phrasing of the same plan, and the rule id is
counted, so a model can make replies better but never worse. Fixed text is said by the session
and never reaches a model. Failures are bounded and said: the first one marks the voice down
(``health``, said once in the log and once in the chat), its next good reply marks it up again;
after ``FAILURES_BEFORE_REST`` failures in a row the model is not asked for ``REST_SECONDS``
(said once, in the log), then tried again. A local model that is only busy is not down.

A model voice draws from its own random source, never the session's, so the plans of a session
do not depend on what a model said or whether it was refused.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace

from confidante.errors import VoiceError
from confidante.listening.plan import Plan
from confidante.safety.outputs import OutputCheck
from confidante.voices.base import Voice, VoiceBusyError, VoiceContext, VoiceTimeoutError
from confidante.voices.health import VoiceHealth
from confidante.voices.phrasebook import Phrasebook
from confidante.voices.prompt import prompt_texts, remote_notice

#: Extra check from the safety layer: True when a reply is acceptable.
ReplyCheck = Callable[[str], bool]
#: Failures in a row (errors, timeouts) after which the model is left to rest.
FAILURES_BEFORE_REST = 3
#: How long a failing model is not asked, in seconds.
REST_SECONDS = 60.0

log = logging.getLogger("confidante.voices")


class GuardedVoice:
    """Buffers an inner voice's reply, checks it, and falls back when it fails."""

    def __init__(
        self,
        inner: Voice,
        fallback: Voice,
        check: ReplyCheck | None = None,
        *,
        outputs: OutputCheck | None = None,
        rng: random.Random | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        total_seconds: float = 20.0,
        rest_seconds: float = REST_SECONDS,
    ) -> None:
        self.name = inner.name
        self._inner = inner
        self._fallback = fallback
        self._check = check
        self._outputs = outputs or OutputCheck.load()
        self._prompts = prompt_texts()
        self._rng = rng or random.Random()
        self._now = monotonic
        self._total = total_seconds
        self._rest = rest_seconds
        self._lock = threading.Lock()
        self._reasons: Counter[str] = Counter()  # fallbacks by rule id, never text
        self._failures = 0
        self._resting_until = 0.0
        self._health = VoiceHealth(where=str(getattr(inner, "where", inner.name)))

    @property
    def fallbacks(self) -> int:
        """How often the inner voice was overruled, all reasons together."""
        with self._lock:
            return sum(self._reasons.values())

    def fallback_reasons(self) -> dict[str, int]:
        """How often the inner voice was overruled, by reason (rule ids and ``voice.*``)."""
        with self._lock:
            return dict(self._reasons)

    @property
    def health(self) -> VoiceHealth:
        """Whether the inner voice answers now (down from its first failure to its next reply)."""
        with self._lock:
            return self._health

    @property
    def notice(self) -> str | None:
        """What the opening adds when the inner voice sends the conversation elsewhere."""
        return remote_notice() if getattr(self._inner, "remote", False) else None

    @property
    def resting(self) -> bool:
        """True while a failing model is left alone."""
        return self._now() < self._resting_until

    def refusal(self, text: str, plan: Plan, used: set[str]) -> str | None:
        """The reason ``text`` may not be said for ``plan``, or ``None``."""
        reason = self._outputs.refusal(text, plan.move, prompts=self._prompts, used=used)
        if reason is None and self._check is not None and not self._check(text.strip()):
            reason = "safety.assessment"
        return reason

    def say(self, plan: Plan, context: VoiceContext) -> Iterator[str]:
        """The inner voice's reply if it passes the checks, else the fallback's."""
        if plan.fixed is not None:
            yield plan.fixed  # the session says fixed text itself; this is a second lock
            return
        own = VoiceContext(rng=self._rng, used_sentences=context.used_sentences,
                           recent=context.recent)
        text, reason = self._ask(plan, own)
        if reason is None:
            reason = self.refusal(text, plan, context.used_sentences)
        if reason is None:
            yield text.strip()
            return
        with self._lock:
            self._reasons[reason] += 1
        yield from self._fallback.say(plan, own)

    def _ask(self, plan: Plan, context: VoiceContext) -> tuple[str, str | None]:
        """The inner voice's whole reply, or a ``voice.*`` reason it gave none."""
        if self.resting:
            return "", "voice.resting"
        deadline = self._now() + self._total
        parts: list[str] = []
        stream: Iterator[str] = iter(())
        try:
            stream = self._inner.say(plan, context)
            for chunk in stream:
                parts.append(chunk)
                if self._now() > deadline:
                    return "", self._failed("voice.timeout")
        except VoiceBusyError:
            return "", "voice.busy"  # the model works; another session holds it
        except VoiceTimeoutError:
            return "", self._failed("voice.timeout")
        except VoiceError:
            # A model server that goes away mid-session must not end the person's hour.
            return "", self._failed("voice.error")
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # releases a local model's lock at once
        self._answered()
        return "".join(parts), None

    def _answered(self) -> None:
        with self._lock:
            self._failures = 0
            if self._health.up:
                return
            self._health = replace(self._health, up=True, reason=None,
                                   changes=self._health.changes + 1)
        log.warning("The %s voice at %s answers again.", self.name, self._health.where)

    def _failed(self, reason: str) -> str:
        """Count one failure: the first marks the voice down, enough in a row rest it."""
        with self._lock:
            went_down = self._health.up
            if went_down:
                self._health = replace(self._health, up=False, reason=reason,
                                       changes=self._health.changes + 1)
            self._failures += 1
            rest = self._failures >= FAILURES_BEFORE_REST
            if rest:
                self._failures = 0
                self._resting_until = self._now() + self._rest
        if went_down:
            log.warning("The %s voice at %s did not answer (%s); the phrasebook answers until "
                        "it does.", self.name, self._health.where, reason)
        if rest:
            log.warning(
                "The %s voice failed %d times in a row; the phrasebook answers for the next %g s.",
                self.name, FAILURES_BEFORE_REST, self._rest,
            )
        return reason


def guard_voice(voice: Voice, check: ReplyCheck | None = None,
                total_seconds: float = 20.0) -> Voice:
    """``voice`` wrapped in a GuardedVoice unless it is the phrasebook or guarded already."""
    if isinstance(voice, Phrasebook | GuardedVoice):
        return voice
    return GuardedVoice(voice, Phrasebook.load(), check, total_seconds=total_seconds)


def voice_notice(voice: Voice) -> str | None:
    """The opening's notice for ``voice``, when it sends the conversation to another machine."""
    return voice.notice if isinstance(voice, GuardedVoice) else None


def voice_health(voice: Voice) -> VoiceHealth | None:
    """How a model voice is doing; ``None`` for the phrasebook, which cannot fail that way."""
    return voice.health if isinstance(voice, GuardedVoice) else None
