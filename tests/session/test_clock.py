from __future__ import annotations

import pytest

from confidante.session.clock import Clock, ManualClock, SystemClock


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(10.0)
    assert clock.now() == 10.0
    clock.advance(2.5)
    assert clock.now() == 12.5


def test_manual_clock_refuses_to_go_back() -> None:
    with pytest.raises(ValueError):
        ManualClock().advance(-1)


def test_both_clocks_meet_the_protocol() -> None:
    assert isinstance(ManualClock(), Clock)
    system = SystemClock()
    assert isinstance(system, Clock)
    assert system.now() <= system.now()
