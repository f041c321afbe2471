"""What a session needs from the other layers, stated as protocols so the hour stays testable."""

from __future__ import annotations

import random
from typing import Protocol

from confidante.conversation import Assessment, RiskKind, SessionState, Understanding
from confidante.listening.plan import Plan
from confidante.safety.crisis import CrisisTurn


class UnderstanderLike(Protocol):
    """Reads one message in the context of its session."""

    def understand(self, text: str, state: SessionState) -> Understanding:
        """What the message says: feelings, topics, people, the clause worth reflecting."""
        ...


class PolicyLike(Protocol):
    """Chooses the next listening move."""

    def opening(self, state: SessionState, rng: random.Random) -> Plan:
        """The invitation to talk."""
        ...

    def choose(self, u: Understanding, state: SessionState, rng: random.Random) -> Plan:
        """The reply to a message in the listening middle."""
        ...

    def time_cue(self, minutes_left: int, state: SessionState, rng: random.Random) -> Plan:
        """A gentle note of how much time is left."""
        ...

    def summary(self, state: SessionState, rng: random.Random) -> Plan:
        """What was heard, briefly, before the close."""
        ...

    def close(self, state: SessionState, rng: random.Random) -> Plan:
        """The goodbye."""
        ...


class GuardLike(Protocol):
    """The safety layer: risk, boundaries, disclosure and the crisis protocol."""

    def assess(self, text: str, state: SessionState | None = None) -> Assessment:
        """Risk of one message in the context of the session."""
        ...

    def boundary(self, text: str) -> str | None:
        """The id of a boundary the message asks the listener to cross, if any."""
        ...

    def crisis_reply(
        self, assessment: Assessment, locale: str, rng: random.Random, used: set[str]
    ) -> str:
        """The protocol's reply to a crisis."""
        ...

    def crisis_turn(
        self, text: str, assessment: Assessment, state: SessionState, rng: random.Random
    ) -> CrisisTurn:
        """The protocol's reply while a crisis episode is open (or opens), and the episode."""
        ...

    def language(self, text: str) -> str:
        """The message's language (ISO 639-1); "en" unless another one is clear."""
        ...

    def language_reply(self, language: str, locale: str, used: set[str]) -> str:
        """The notice for a message not in English (once), with the locale's help."""
        ...

    def boundary_reply(self, boundary_id: str, rng: random.Random, used: set[str]) -> str:
        """An honest, kind boundary reply."""
        ...

    def disclosure(self, which: str, rng: random.Random | None = None) -> str:
        """The AI disclosure: "opening", "asked" or "reminder"."""
        ...

    def locale_line(self, locale: str) -> str:
        """Which country's crisis lines this session gives."""
        ...

    def closing_resources(self, locale: str, kinds: tuple[RiskKind, ...] = ()) -> str:
        """Helplines repeated at the close of a session that had a crisis, those for ``kinds``
        first."""
        ...
