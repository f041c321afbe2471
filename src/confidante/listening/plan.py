"""A planned reply: which move, what to fill in, and why; voices turn it into words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from confidante.conversation import Move


@dataclass(frozen=True)
class Plan:
    """The policy's decision for one reply.

    ``slots`` fill a phrase ("feeling", "person", "clause", "topic", "minutes"...). ``fixed`` is
    reviewed text (safety protocol, boundaries, disclosure) that every voice must say verbatim.
    ``reasons`` are rule ids, never user text, so they can be logged and counted.
    """

    move: Move
    slots: Mapping[str, str] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    fixed: str | None = None
