"""The Listener: the engine that every front end shares (understand, keep safe, plan, phrase).

A Listener is loaded once per process and holds no conversation; each person gets a ``Session``
from ``Listener.session``, which keeps what was said in memory only.
"""

from __future__ import annotations

import random

from confidante.conversation import SessionState
from confidante.listening import Policy, Understander
from confidante.safety import SafetyGuard
from confidante.session.clock import Clock, SystemClock
from confidante.session.hour import Session
from confidante.settings import Settings
from confidante.voices.base import Voice
from confidante.voices.guarded import ReplyCheck, guard_voice
from confidante.voices.registry import load_voice


class Listener:
    """Understanding, policy, safety and a voice, shared by many sessions."""

    def __init__(
        self,
        *,
        voice: Voice,
        settings: Settings | None = None,
        understander: Understander | None = None,
        policy: Policy | None = None,
        guard: SafetyGuard | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        self.guard = guard or SafetyGuard.load()
        # By type, not by name: any voice but the phrasebook is checked, however it was built.
        self.voice = guard_voice(voice, _safe_reply_check(self.guard),
                                 total_seconds=self.settings.voice_timeouts[2])
        self.understander = understander or Understander.load()
        self.policy = policy or Policy()

    @classmethod
    def default(cls, settings: Settings | None = None) -> Listener:
        """The listener the settings ask for; the phrasebook voice unless told otherwise."""
        settings = settings or Settings.from_env()
        return cls(voice=load_voice(settings), settings=settings)

    def session(
        self,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        minutes: int | None = None,
        locale: str | None = None,
        continuity: str | None = None,
        state: SessionState | None = None,
    ) -> Session:
        """A new session (or one resumed from ``state``) with this listener."""
        s = self.settings
        return Session(
            understander=self.understander,
            policy=self.policy,
            voice=self.voice,
            guard=self.guard,
            clock=clock or SystemClock(),
            rng=rng or random.Random(),
            minutes=minutes or s.minutes,
            locale=locale or s.locale,
            cue_minutes=s.cue_minutes,
            max_message_chars=s.max_message_chars,
            continuity=continuity,
            state=state,
        )


def _safe_reply_check(guard: SafetyGuard) -> ReplyCheck:
    """A model's reply must not itself raise a safety concern or cross a boundary."""

    def check(text: str) -> bool:
        return not guard.assess(text).is_crisis and guard.boundary(text) is None

    return check
