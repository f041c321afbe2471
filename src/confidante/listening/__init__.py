"""Listening: understand a message, choose the next move, and turn pronouns around.

``Understander`` reads a message, ``Policy`` picks the move (open, encourage, reflect, validate,
ask, summarise, comment, cue the time, close) and ``reflect`` swaps first and second person.
"""

from __future__ import annotations

from confidante.listening.plan import Plan
from confidante.listening.policy import Policy
from confidante.listening.reflection import reflect
from confidante.listening.understanding import Understander

__all__ = ["Plan", "Policy", "Understander", "reflect"]
