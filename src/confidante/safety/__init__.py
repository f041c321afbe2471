"""Safety: risk assessment of every message, the crisis protocol, boundaries and disclosure.

Example::

    guard = SafetyGuard.load()
    a = guard.assess("everyone would be better off without me", state)
    if a.is_crisis:
        reply = guard.crisis_reply(a, state.locale, rng, state.used_sentences)

Everything a person reads comes from reviewed data files under ``safety/data``; the published
protocol, its evaluation and its limits are in SAFETY.md at the project root.
"""

from __future__ import annotations

from confidante.safety.counter import ReferralCounter
from confidante.safety.guard import BOUNDARY_IDS, SafetyGuard
from confidante.safety.helplines import EmergencyNumber, Helpline, emergency_for, helplines_for
from confidante.safety.text import normalise_sentence

__all__ = [
    "BOUNDARY_IDS",
    "EmergencyNumber",
    "Helpline",
    "ReferralCounter",
    "SafetyGuard",
    "emergency_for",
    "helplines_for",
    "normalise_sentence",
]
