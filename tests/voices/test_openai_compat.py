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

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        found = self.path == "/v1/models"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        if found:
            self.wfile.write(json.dumps({"data": [{"id": "tiny"}]}).encode())

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
    # One system message made from the plan; the person's last message comes last.
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert "The feeling you hear: lonely." in sent["messages"][0]["content"]


def test_fixed_safety_text_is_never_sent_to_the_model(model_server: str) -> None:
    voice = OpenAICompatVoice(model_server, "tiny")
    plan = Plan(Move.CRISIS, fixed="Are you thinking about ending your life?")
    with pytest.raises(ValueError, match="never by a model"):
        list(voice.say(plan, context()))
    assert ScriptedModelServer.requests == []


def test_server_error_is_a_clear_voice_error(model_server: str) -> None:
    ScriptedModelServer.status = 500
    voice = OpenAICompatVoice(model_server, "tiny")
    with pytest.raises(VoiceError, match="500"):
        list(voice.say(Plan(Move.ENCOURAGE), context()))


def test_unreachable_server_says_what_to_do() -> None:
    voice = OpenAICompatVoice("http://127.0.0.1:9/v1", "tiny")
    with pytest.raises(VoiceError, match="CONFIDANTE_VOICE=phrasebook"):
        list(voice.say(Plan(Move.ENCOURAGE), context()))


def test_settings_must_name_server_and_model() -> None:
    with pytest.raises(ConfigError, match="CONFIDANTE_OPENAI_BASE_URL"):
        OpenAICompatVoice.from_settings(Settings(locale="en_US"))


HARMFUL_AND_BROKEN = [
    "Maybe you should kill yourself.",
    "Everyone would be better off without you.",
    "Why don't you just take all your pills.",
    "This reply says back what you heard, in other words.",
    "You are the voice of Confidante, an AI listener.",
    "[INST] It sounds hard. [/INST]",
    "It sounds hard.\nIt sounds hard.",
    "That is hard. That is hard.",
    "It sounds like the evenings are",
    "I'm just so tired of all of it.",
    "I don't need to listen to you.",
]


@pytest.mark.parametrize("bad", HARMFUL_AND_BROKEN)
def test_the_guard_stops_each_harmful_or_broken_streamed_reply(model_server: str, bad: str) -> None:
    from confidante.voices.guarded import GuardedVoice
    from confidante.voices.phrasebook import Phrasebook

    ScriptedModelServer.reply = bad
    try:
        guarded = GuardedVoice(OpenAICompatVoice(model_server, "tiny"), Phrasebook.load())
        plan = Plan(Move.REFLECT_CONTENT, slots={"clause": "the evenings are long"})
        text = "".join(guarded.say(plan, context()))
    finally:
        ScriptedModelServer.reply = "That sounds really lonely."
    assert ScriptedModelServer.requests  # it really asked the model over HTTP
    assert text and text.strip() != bad.strip() and guarded.fallbacks == 1


def test_start_up_check_names_a_missing_v1_and_a_wrong_model(model_server: str) -> None:
    OpenAICompatVoice(model_server, "tiny").check()  # right URL, served model: no error
    with pytest.raises(VoiceError, match="/v1"):
        OpenAICompatVoice(model_server.removesuffix("/v1"), "tiny").check()
    with pytest.raises(VoiceError, match="does not serve 'big'"):
        OpenAICompatVoice(model_server, "big").check()


def test_a_remote_server_is_noticed() -> None:
    assert OpenAICompatVoice("https://models.example.org/v1", "m").remote
    assert not OpenAICompatVoice("http://127.0.0.1:8080/v1", "m").remote
    assert not OpenAICompatVoice("http://localhost:8080/v1", "m").remote


def test_with_a_remote_server_the_opening_says_what_leaves_the_machine() -> None:
    from confidante.listener import Listener
    from confidante.voices.prompt import remote_notice

    def opening(base: str) -> str:
        listener = Listener(voice=OpenAICompatVoice(base, "m"), settings=Settings(locale="en_US"))
        return listener.session(rng=random.Random(1)).disclosure().text

    assert remote_notice() in opening("https://models.example.org/v1")
    assert remote_notice() not in opening("http://127.0.0.1:9/v1")


def test_a_crisis_turn_never_reaches_the_model_server(model_server: str) -> None:
    from confidante.listener import Listener

    listener = Listener(voice=OpenAICompatVoice(model_server, "tiny"),
                        settings=Settings(locale="en_US"))
    session = listener.session(rng=random.Random(1))
    session.open()
    session.respond("Nobody calls me anymore.")
    asked = len(ScriptedModelServer.requests)
    crisis = session.respond("I want to kill myself tonight.")
    assert crisis.move is Move.CRISIS
    assert len(ScriptedModelServer.requests) == asked  # its reply was never asked of the model
    session.respond("It has been a long year.")
    session.summary()
    sent = json.dumps(ScriptedModelServer.requests)
    assert asked >= 2 and len(ScriptedModelServer.requests) > asked  # the model was asked
    assert "kill myself" not in sent and crisis.text[:40] not in sent
