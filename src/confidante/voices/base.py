"""The Voice protocol: how a planned move is said. One streaming method, like a transport."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from confidante.conversation import Message
from confidante.errors import VoiceError
from confidante.listening.plan import Plan


class VoiceTimeoutError(VoiceError):
    """A model voice did not answer within its timeouts (a VoiceError, counted apart)."""


class VoiceBusyError(VoiceError):
    """A local model was busy with another session's reply for too long; it is not down."""


@dataclass
class VoiceContext:
    """What a voice may look at while phrasing one reply of one session."""

    rng: random.Random
    used_sentences: set[str] = field(default_factory=set)  # normalised sentences said already
    recent: Sequence[Message] = ()  # the last few messages, for model voices only


@runtime_checkable
class Voice(Protocol):
    """Says a plan in words; yields the reply in chunks (one chunk is fine)."""

    name: str

    def say(self, plan: Plan, context: VoiceContext) -> Iterator[str]:
        """Yield the reply to ``plan`` in order; never text that is not part of the reply."""
        ...
