"""The openai voice against a real ``llama_cpp.server`` serving SmolLM2 on a free loopback port.

The server answers a whole session; killed mid-session, the next turn is the phrasebook's at
once and the voice is marked down (said once); restarted, the model answers again. A wrong
URL, a missing ``/v1`` and a wrong model stop ``chat`` and ``serve`` at start-up with an error
that names the variable to fix. SmolLM2 is far too small to phrase well: only the plumbing and
the guard are checked, never the wording.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.voices.conftest import ModelServer, free_port
from tests.voices.test_real_models import MESSAGES, hour

from confidante.errors import VoiceError
from confidante.listener import Listener
from confidante.settings import Settings
from confidante.voices.guarded import GuardedVoice
from confidante.voices.health import HealthWatch
from confidante.voices.openai_compat import OpenAICompatVoice


def settings_for(base: str, model: str = "smol") -> Settings:
    # Generous waits: two cores shared with other work may make a turn slow, and this checks
    # what happens when the server is gone, not how fast it is.
    return Settings(locale="en_US", voice="openai", openai_base_url=base, openai_model=model,
                    voice_timeouts=(3.0, 30.0, 60.0))


def voice_failures(voice: GuardedVoice) -> int:
    return sum(n for r, n in voice.fallback_reasons().items()
               if r.startswith("voice.") and r != "voice.busy")


def test_openai_voice_against_a_real_llama_cpp_server(model_server: ModelServer) -> None:
    listener = Listener.default(settings_for(model_server.base))
    texts = hour(listener)
    assert all(t.strip() for t in texts)
    assert isinstance(listener.voice, GuardedVoice)
    # Two shared cores may make a turn slow; the model must still have answered most turns.
    assert voice_failures(listener.voice) <= 2, listener.voice.fallback_reasons()
    assert "voice.resting" not in listener.voice.fallback_reasons()


def test_the_server_killed_mid_session_is_noticed_at_once_and_recovered(
    model_server: ModelServer,
) -> None:
    listener = Listener.default(settings_for(model_server.base))
    voice = listener.voice
    assert isinstance(voice, GuardedVoice)
    watch = HealthWatch(voice.health)
    session = listener.session(rng=random.Random(4))
    session.open()
    assert session.respond(MESSAGES[0]).text and voice_failures(voice) == 0
    assert watch.news(voice.health) is None

    model_server.kill()
    started = time.monotonic()
    reply = session.respond(MESSAGES[1])
    assert reply.text and time.monotonic() - started < 5  # the phrasebook's, without a wait
    assert voice.fallback_reasons().get("voice.error") == 1
    assert not voice.health.up
    assert watch.news(voice.health) == (
        f"(The model at {model_server.base} did not answer (unreachable, or it failed); the "
        "built-in phrasing answers for now.)"
    )

    model_server.start()  # the operator restarts it, on the same port
    assert session.respond(MESSAGES[2]).text
    assert voice.health.up and voice_failures(voice) == 1
    assert watch.news(voice.health) == f"(The model at {model_server.base} answers again.)"


def test_a_wrong_model_and_a_missing_v1_are_named(model_server: ModelServer) -> None:
    with pytest.raises(VoiceError, match="does not serve 'nope'.*smol.*CONFIDANTE_OPENAI_MODEL"):
        OpenAICompatVoice(model_server.base, "nope").check()
    with pytest.raises(VoiceError, match="/v1.*CONFIDANTE_OPENAI_BASE_URL"):
        OpenAICompatVoice(model_server.base.removesuffix("/v1"), "smol").check()


def _start(command: str, base: str, model: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONFIDANTE_HOME": str(home), "CONFIDANTE_LOCALE": "en_US",
           "CONFIDANTE_VOICE": "openai", "CONFIDANTE_OPENAI_BASE_URL": base,
           "CONFIDANTE_OPENAI_MODEL": model}
    args = [sys.executable, "-m", "confidante", command]
    if command == "serve":
        args += ["--port", str(free_port())]
    return subprocess.run(args, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("command", ["chat", "serve"])
def test_chat_and_serve_stop_at_start_up_naming_what_to_fix(
    model_server: ModelServer, command: str, tmp_path: Path,
) -> None:
    cases = [
        (model_server.base, "nope", "does not serve 'nope'", "CONFIDANTE_OPENAI_MODEL"),
        (model_server.base.removesuffix("/v1"), "smol", "ends in /v1",
         "CONFIDANTE_OPENAI_BASE_URL"),
        (f"http://127.0.0.1:{free_port()}/v1", "smol", "Could not reach",
         "CONFIDANTE_OPENAI_BASE_URL"),
    ]
    for base, model, what, variable in cases:
        done = _start(command, base, model, tmp_path)
        assert done.returncode == 1, (base, model, done.stdout, done.stderr)
        assert done.stderr.startswith("Error: ") and what in done.stderr
        assert variable in done.stderr and "Traceback" not in done.stderr
