"""Confidante: a discreet AI listener for an hour. It listens, reflects, and forgets.

Example:
    >>> from confidante import Listener
    >>> session = Listener.default().session(minutes=60)
    >>> print(session.disclosure().text)  # doctest: +SKIP
"""

from __future__ import annotations

from confidante.conversation import (
    Assessment,
    Message,
    Move,
    Phase,
    Reply,
    RiskKind,
    RiskLevel,
    Role,
    SessionState,
    Turn,
    Understanding,
)
from confidante.errors import ConfidanteError, InputError, SessionEndedError
from confidante.listener import Listener
from confidante.session import ManualClock, MemoryDraft, Session, SystemClock
from confidante.settings import Settings

__version__ = "0.1.0"

__all__ = [
    "Assessment",
    "ConfidanteError",
    "InputError",
    "Listener",
    "ManualClock",
    "MemoryDraft",
    "Message",
    "Move",
    "Phase",
    "Reply",
    "RiskKind",
    "RiskLevel",
    "Role",
    "Session",
    "SessionEndedError",
    "SessionState",
    "Settings",
    "SystemClock",
    "Turn",
    "Understanding",
    "__version__",
]
