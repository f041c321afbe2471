"""A voice that plays back scripted replies, for unit tests only (never the default)."""

from __future__ import annotations

from collections.abc import Iterator

from confidante.listening.plan import Plan
from confidante.voices.base import VoiceContext


class FakeVoice:
    """Says queued replies in order; fixed (safety) text is always said verbatim."""

    name = "fake"

    def __init__(self, replies: list[str] | None = None) -> None:
        self._queue: list[str] = list(replies or [])
        self.plans: list[Plan] = []  # every plan it was asked to say, for assertions
        self.contexts: list[VoiceContext] = []  # and what it was shown with each

    def enqueue(self, replies: list[str]) -> None:
        """Add replies to say next."""
        self._queue.extend(replies)

    def say(self, plan: Plan, context: VoiceContext) -> Iterator[str]:
        """Yield the fixed text, else the next queued reply, else the move's name."""
        self.plans.append(plan)
        self.contexts.append(context)
        if plan.fixed is not None:
            yield plan.fixed
        elif self._queue:
            yield self._queue.pop(0)
        else:
            yield f"[{plan.move.value}]"
