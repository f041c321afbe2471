"""Plain data: session state survives its dict form, including states sealed by older releases."""

from __future__ import annotations

import random

from confidante import Listener, ManualClock
from confidante.conversation import SessionState


def _talked(listener: Listener) -> SessionState:
    session = listener.session(clock=ManualClock(), rng=random.Random(2))
    session.open()
    for text in ("Hi there", "My sister stopped calling me.", "I feel so alone."):
        session.respond(text)
    return session.state


def test_state_round_trips_through_its_dict(listener: Listener) -> None:
    state = _talked(listener)
    assert state.turns[0].understanding.small_talk
    assert SessionState.from_dict(state.to_dict()) == state


def test_a_state_written_before_small_talk_and_farewells_still_opens(listener: Listener) -> None:
    data = _talked(listener).to_dict()
    for turn in data["turns"]:
        del turn["understanding"]["small_talk"]
        del turn["understanding"]["farewell"]
    again = SessionState.from_dict(data)
    assert not any(t.understanding.small_talk or t.understanding.farewell for t in again.turns)
