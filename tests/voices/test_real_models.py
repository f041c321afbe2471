"""The llamacpp voice with a real model, SmolLM2-135M-Instruct: in process, and in ``serve``.

SmolLM2 is far too small to phrase well: these tests check the plumbing and the guard, never
the wording (``conftest.py`` says where the model comes from). The openai voice against a real
``llama_cpp.server`` is in ``test_model_server.py``.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
from tests.voices.conftest import free_port, wait_until_up

from confidante.conversation import Move
from confidante.listener import Listener
from confidante.listening.plan import Plan
from confidante.settings import Settings
from confidante.voices.base import VoiceContext
from confidante.voices.guarded import GuardedVoice

MESSAGES = [
    "I've been feeling really lonely since I moved to the city.",
    "My sister used to call every week but now she's busy.",
    "Work is fine, I suppose, but the evenings are long.",
]


class Recorder:
    """Passes plans to a real voice and keeps them, to show what reached the model."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.name = "recorder"
        self.where = getattr(inner, "where", "")
        self.plans: list[Plan] = []

    def say(self, plan: Plan, context: VoiceContext) -> Iterator[str]:
        self.plans.append(plan)
        yield from self.inner.say(plan, context)  # type: ignore[attr-defined]


def hour(listener: Listener) -> list[str]:
    """A whole session's replies, with a crisis turn before the close."""
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
    texts = hour(listener)
    assert all(t.strip() for t in texts)
    assert recorder.plans and all(p.fixed is None for p in recorder.plans)
    assert all(p.move is not Move.CRISIS for p in recorder.plans)
    reasons = listener.voice.fallback_reasons()
    assert not any(r.startswith("voice.") for r in reasons)  # the model answered every time
    assert listener.voice.health.up and listener.voice.health.where == str(gguf)


def test_one_llamacpp_model_serves_two_threads_at_once(gguf: Path) -> None:
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


async def _one_session(client: httpx.AsyncClient, first: str) -> list[int]:
    created = await client.post("/api/sessions", json={})
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    statuses = [(await client.post("/api/session/start", json={"relief": 5},
                                   headers=headers)).status_code]
    for text in (first, *MESSAGES[1:]):
        r = await client.post("/api/session/messages", json={"text": text}, headers=headers)
        statuses.append(r.status_code)
        assert r.status_code != 200 or r.json()["reply"]["text"].strip()
    statuses.append((await client.post("/api/session/summary", headers=headers)).status_code)
    return statuses


async def _two_sessions(url: str) -> list[list[int]]:
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        return list(await asyncio.gather(
            _one_session(client, MESSAGES[0]),
            _one_session(client, "Nobody at the new job talks to me much."),
        ))


def test_serve_with_the_llamacpp_voice_answers_two_sessions_at_once(
    gguf: Path, tmp_path: Path,
) -> None:
    # One Llama object shared by two sessions' threads crashed serve (segfault, GGML_ASSERT)
    # and then hung it for good; the model's lock runs one generation at a time.
    port = free_port()
    env = {**os.environ, "CONFIDANTE_HOME": str(tmp_path), "CONFIDANTE_LOCALE": "en_US",
           "CONFIDANTE_VOICE": "llamacpp", "CONFIDANTE_GGUF_PATH": str(gguf)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "confidante", "serve", "--port", str(port)],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/healthz", proc, "confidante serve")
        results = asyncio.run(_two_sessions(url))
        assert proc.poll() is None, "serve died while answering two sessions"
        assert httpx.get(url + "/healthz", timeout=10).status_code == 200  # it still answers
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0].decode(errors="replace")
    assert results == [[200] * 5, [200] * 5], output
    assert "GGML_ASSERT" not in output and "Segmentation" not in output
