"""A person quiet at the prompt still gets the time cues and is told when the hour is up."""

from __future__ import annotations

import io
import random

from confidante import Listener, ManualClock
from confidante.cli.chat import ChatLoop
from confidante.cli.terminal import Terminal


def loop(listener: Listener, crisis: bool = False) -> tuple[ChatLoop, ManualClock, io.StringIO]:
    clock = ManualClock()
    session = listener.session(clock=clock, rng=random.Random(3), minutes=60)
    session.open()
    session.respond("My brother and I have not spoken in years.")
    if crisis:
        session.respond("I want to kill myself.")
    out = io.StringIO()
    chat = ChatLoop(session, Terminal(out=out, width=200))
    chat._waiting = True  # as while input() waits at the prompt
    return chat, clock, out


def test_cues_come_while_quiet_each_once(listener: Listener) -> None:
    chat, clock, out = loop(listener)
    chat.tick()
    assert out.getvalue() == ""  # nothing due at minute 0
    clock.advance(51 * 60)
    chat.tick()
    first = out.getvalue()
    assert "minutes" in first and first.rstrip().endswith("you ›")
    chat.tick()
    assert out.getvalue() == first  # the same cue is not given twice
    clock.advance(5 * 60)
    chat.tick()
    assert out.getvalue().count("you ›") == 2


def test_the_hour_up_is_said_once_and_asks_for_enter(listener: Listener) -> None:
    chat, clock, out = loop(listener)
    clock.advance(61 * 60)
    chat.tick()
    chat.tick()
    assert out.getvalue().count("Our hour is up") == 1
    assert "Press Enter" in out.getvalue()


def test_in_a_crisis_the_hour_runs_on(listener: Listener) -> None:
    chat, clock, out = loop(listener, crisis=True)
    clock.advance(61 * 60)
    chat.tick()
    assert "not going to rush you" in out.getvalue()


def test_nothing_is_printed_while_the_person_is_not_at_the_prompt(listener: Listener) -> None:
    chat, clock, out = loop(listener)
    chat._waiting = False
    clock.advance(51 * 60)
    chat.tick()
    assert out.getvalue() == ""


def test_a_two_minute_session_gives_its_cue_and_closes_with_our_time(listener: Listener) -> None:
    clock = ManualClock()
    session = listener.session(clock=clock, rng=random.Random(3), minutes=2)
    session.open()
    session.respond("My brother and I have not spoken in years.")
    out = io.StringIO()
    chat = ChatLoop(session, Terminal(out=out, width=200))
    chat._waiting = True
    clock.advance(30)
    chat.tick()
    assert out.getvalue() == ""  # a minute and a half left: nothing yet
    clock.advance(31)
    chat.tick()
    assert "about a minute left" in out.getvalue()  # the cue comes at least a minute before the end
    clock.advance(60)
    chat.tick()
    said = out.getvalue()
    assert "Our time is up" in said and "hour" not in said
