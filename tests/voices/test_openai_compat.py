"""The OpenAI-compatible voice against a real local HTTP server speaking the streaming protocol."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from confidante.conversation import Message, Move, Role
from confidante.errors import ConfigError, VoiceError
from confidante.listening.plan import Plan
from confidante.settings import Settings
from confidante.voices.base import VoiceContext
from confidante.voices.openai_compat import OpenAICompatVoice


class ScriptedModelServer(BaseHTTPRequestHandler):
    """A tiny OpenAI-compatible server that streams a scripted reply and records requests."""

    reply = "That sounds really lonely."
    status = 200
    requests: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers["Content-Length"])
        type(self).requests.append(json.loads(self.rfile.read(length)))
        self.send_response(self.status)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if self.status == 200:
            for word in self.reply.split(" "):
                chunk = {"choices": [{"delta": {"content": word + " "}}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        """Stay quiet."""


@pytest.fixture
def model_server() -> Iterator[str]:
    ScriptedModelServer.requests = []
    ScriptedModelServer.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedModelServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def context() -> VoiceContext:
    recent = [Message(Role.PERSON, "Nobody calls me anymore.", 1.0)]
    return VoiceContext(rng=random.Random(1), recent=recent)


def test_streams_the_phrasing_of_a_planned_move(model_server: str) -> None:
    voice = OpenAICompatVoice(model_server, "tiny")
    plan = Plan(Move.REFLECT_FEELING, slots={"feeling": "lonely"})
    chunks = list(voice.say(plan, context()))
    assert len(chunks) > 1  # it really streamed
    assert "".join(chunks).strip() == "That sounds really lonely."
    sent = ScriptedModelServer.requests[0]
    assert sent["model"] == "tiny" and sent["stream"] is True
    assert sent["messages"][1] == {"role": "user", "content": "Nobody calls me anymore."}
    assert "lonely" in sent["messages"][-1]["content"]


def test_fixed_safety_text_never_goes_to_the_model(model_server: str) -> None:
    voice = OpenAICompatVoice(model_server, "tiny")
    plan = Plan(Move.CRISIS, fixed="Are you thinking about ending your life?")
    assert "".join(voice.say(plan, context())) == plan.fixed
    assert ScriptedModelServer.requests == []


def test_server_error_is_a_clear_voice_error(model_server: str) -> None:
    ScriptedModelServer.status = 500
    voice = OpenAICompatVoice(model_server, "tiny")
    with pytest.raises(VoiceError, match="500"):
        list(voice.say(Plan(Move.ENCOURAGE), context()))


def test_unreachable_server_says_what_to_do() -> None:
    voice = OpenAICompatVoice("http://127.0.0.1:9/v1", "tiny")
    with pytest.raises(VoiceError, match="phrasebook"):
        list(voice.say(Plan(Move.ENCOURAGE), context()))


def test_settings_must_name_server_and_model() -> None:
    with pytest.raises(ConfigError, match="CONFIDANTE_OPENAI_BASE_URL"):
        OpenAICompatVoice.from_settings(Settings(locale="en_US"))
