"""The chat says once when a model voice stops answering, and once when it answers again."""

from __future__ import annotations

import io
import random

import pytest
from tests.voices.test_voice_health import Flaky

from confidante import Listener
from confidante.cli.chat import ChatLoop
from confidante.cli.terminal import Terminal
from confidante.errors import VoiceError
from confidante.settings import Settings

DOWN = ("(The model at http://127.0.0.1:9/v1 did not answer (unreachable, or it failed); the "
        "built-in phrasing answers for now.)")
BACK = "(The model at http://127.0.0.1:9/v1 answers again.)"


def test_the_status_line_says_each_change_once(monkeypatch: pytest.MonkeyPatch) -> None:
    model = Flaky(["How has your week been?", VoiceError("down"), VoiceError("down"),
                   "It sounds like a long week."] + ["It sounds hard."] * 5)
    listener = Listener(voice=model, settings=Settings(locale="en_US"))  # type: ignore[arg-type]
    session = listener.session(rng=random.Random(2))
    monkeypatch.setattr("sys.stdin", io.StringIO(
        "\nWork has been long.\nMy sister is away.\nThe evenings are quiet.\n/end\n\n"))
    out = io.StringIO()
    ChatLoop(session, Terminal(out=out, width=400, editor=False), voice=listener.voice).run()
    lines = out.getvalue().splitlines()
    assert lines.count(DOWN) == 1 and lines.count(BACK) == 1
    assert lines.index(DOWN) < lines.index(BACK)
