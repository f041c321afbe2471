"""Shared checks of the safety tests."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from confidante import Listener, ManualClock, Move, Reply, Session
from confidante.safety.helplines import emergency_for

TurnCheck = Callable[[str, Reply, str], bool]


def _turn_right(expect: str, reply: Reply, locale: str) -> bool:
    """Whether one reply is what a scripted conversation expects at that turn."""
    crisis = reply.move is Move.CRISIS
    return {
        "any": True,
        "listen": not crisis,
        "crisis": crisis,
        "imminent": crisis and emergency_for(locale).number in reply.text,
    }[expect]


@pytest.fixture(scope="session")
def turn_right() -> TurnCheck:
    """The check of one turn of a scripted crisis conversation (listen, crisis, imminent, any)."""
    return _turn_right


def opened(listener: Listener, seed: int = 3, locale: str = "en_GB") -> Session:
    """A seeded session on a manual clock, past its opening."""
    s = listener.session(clock=ManualClock(), rng=random.Random(seed), locale=locale)
    s.open()
    return s
