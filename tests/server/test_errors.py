"""One JSON error shape on every error the server sends, and a 500 that says nothing more."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI
from tests.server.conftest import CANARIES, LiveServer, MakeRig, Rig

from confidante import Listener, Settings
from confidante.server import Limits, Rate, create_app
from confidante.server.store import MemoryStore

SECRET = f"my friend {CANARIES[1]} said"


def assert_shape(response: httpx.Response, status: int) -> dict[str, Any]:
    """The one error shape: ok false, a message, the status; JSON; nothing else but errors."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert set(body) <= {"ok", "error", "status", "errors"}
    assert CANARIES[1] not in response.text
    return body


def assert_openai_shape(response: httpx.Response, status: int) -> dict[str, Any]:
    """/v1's errors take OpenAI's shape, so OpenAI clients show the message and code."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert CANARIES[1] not in response.text
    return body


class ExplodingStore(MemoryStore):
    """A store that fails to write back (a replica won the race) or breaks outright."""

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode

    async def replace(
        self, session_id: str, expected: bytes, blob: bytes, ttl: int, *, counted: bool = True
    ) -> bool:
        if self.mode == "race":
            return False
        raise RuntimeError(SECRET)  # an error whose message quotes a person

    async def ping(self) -> bool:
        return self.mode != "down"


def test_every_error_route_has_the_one_shape(make_rig: MakeRig) -> None:
    rig = make_rig(
        settings=Settings(locale="en_US", max_message_chars=40),
        limits=Limits(body_bytes=2000, turns=Rate(per_minute=1, burst=3)),
    )
    c = rig.client
    headers = rig.started()
    say = "/api/session/messages"
    assert_shape(c.get("/no/such/page"), 404)
    assert_shape(c.get("/static/nothing.css"), 404)
    assert_openai_shape(c.get("/v1/models/gpt-4"), 404)
    assert_shape(c.get("/api/sessions"), 405)
    assert_shape(c.put("/healthz"), 405)
    invalid = assert_shape(c.post(say, json={"text": 5, "extra": SECRET}, headers=headers), 422)
    assert all(set(e) == {"loc", "type"} for e in invalid["errors"])
    assert_shape(c.post(say, content=b"{not json", headers=headers), 422)
    assert_shape(c.post("/api/session/start", json={"relief": 11}, headers=headers), 422)
    assert_shape(c.post("/api/sessions", json={"minutes": 0}), 422)
    assert_shape(c.post(say, json={"text": "hello"}), 401)
    assert_shape(c.post(say, json={"text": "hello"}, headers={"Authorization": "Basic abc"}), 401)
    assert_shape(c.post(say, json={"text": "hi"}, headers={"Authorization": "Bearer x.y"}), 401)
    unknown = {"Authorization": "Bearer " + "a" * 22 + "." + "b" * 43}
    assert_shape(c.post(say, json={"text": "hello"}, headers=unknown), 404)
    assert_shape(c.post(say, json={"text": SECRET + "x" * 40}, headers=headers), 413)
    assert_shape(c.post(say, content=b'{"text":"' + b"x" * 3000 + b'"}', headers=headers), 413)
    assert_shape(c.post(say, json={"text": " "}, headers=headers), 400)
    c.post(say, json={"text": "one"}, headers=headers)
    c.post(say, json={"text": "two"}, headers=headers)
    limited = c.post(say, json={"text": "three"}, headers=headers)
    assert_shape(limited, 429)
    assert "retry-after" in limited.headers
    assert_openai_shape(
        c.post(
            "/v1/chat/completions",
            json={"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}]},
        ),
        404,
    )
    assert_openai_shape(
        c.post(
            "/v1/chat/completions",
            json={"model": "confidante", "messages": [{"role": "system", "content": "hi"}]},
        ),
        400,
    )
    assert_openai_shape(
        c.post("/v1/chat/completions", json={"model": "confidante", "messages": []}), 422
    )
    # The routing's and the middleware's own errors take OpenAI's shape under /v1 as well.
    assert_openai_shape(c.get("/v1/embeddings"), 404)
    assert_openai_shape(c.get("/v1"), 404)
    assert_openai_shape(c.get("/v1/chat/completions"), 405)
    as_json = {"Content-Type": "application/json"}
    assert_openai_shape(c.post("/v1/chat/completions", content=b"{not", headers=as_json), 400)
    assert_openai_shape(c.post("/v1/chat/completions", content=b"x" * (1024 * 1024 + 1)), 413)
    assert_openai_shape(c.get("/v1/models", headers={"Host": "rebind.example"}), 400)
    assert_shape(c.get("/v1beta/models"), 404)  # only /v1 itself speaks OpenAI
    wrong = c.post("/api/sessions", json={"regular": {"handle": "no-one", "passphrase": "nope!"}})
    assert_shape(wrong, 403)


def test_a_lost_race_is_409_and_a_crash_is_a_bare_500(
    make_rig: MakeRig, caplog: pytest.LogCaptureFixture
) -> None:
    raced = make_rig(store=ExplodingStore("race"))
    _, headers = raced.create()
    assert_shape(raced.client.post("/api/session/start", json={}, headers=headers), 409)

    crashing = make_rig(store=ExplodingStore("crash"))
    _, headers = crashing.create()
    with caplog.at_level(logging.DEBUG):
        crash = crashing.client.post("/api/session/start", json={}, headers=headers)
    body = assert_shape(crash, 500)
    assert body == {"ok": False, "error": "Internal Server Error", "status": 500}
    assert CANARIES[1] not in caplog.text
    assert "RuntimeError" in caplog.text
    assert crash.headers["content-security-policy"].startswith("default-src 'self'")


def test_debug_shows_the_traceback_for_a_developer(
    make_rig: MakeRig, caplog: pytest.LogCaptureFixture
) -> None:
    rig = make_rig(store=ExplodingStore("crash"), debug=True)
    _, headers = rig.create()
    with caplog.at_level(logging.DEBUG):
        crash = rig.client.post("/api/session/start", json={}, headers=headers)
    assert crash.json()["error"] == "Internal Server Error"
    assert CANARIES[1] in caplog.text  # which is why it is off unless asked for


def test_a_crash_inside_the_engine_says_nothing_either(
    make_rig: MakeRig, listener: Listener, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(Listener):
        def session(self, **kwargs: Any) -> Any:
            session = super().session(**kwargs)

            def respond(text: str) -> Any:
                raise ValueError(f"could not parse {text!r}")

            session.respond = respond  # type: ignore[method-assign]
            return session

    broken = Broken(
        voice=listener.voice,
        settings=listener.settings,
        understander=listener.understander,
        policy=listener.policy,
        guard=listener.guard,
    )
    rig = make_rig(use_listener=broken)
    headers = rig.started()
    with caplog.at_level(logging.DEBUG):
        crash = rig.client.post("/api/session/messages", json={"text": SECRET}, headers=headers)
    assert assert_shape(crash, 500)["error"] == "Internal Server Error"
    assert CANARIES[1] not in caplog.text


def test_health_says_503_when_the_store_is_down(make_rig: MakeRig) -> None:
    rig: Rig = make_rig(store=ExplodingStore("down"))
    health = rig.client.get("/healthz")
    assert health.status_code == 503 and health.json()["ok"] is False


def test_v1_errors_reach_the_openai_client_with_their_code(listener: Listener) -> None:
    """Each error of /v1, from the middleware, the routing or a route, against real uvicorn."""

    def refused(call: Any) -> tuple[int, str | None, str]:
        with pytest.raises(openai.APIStatusError) as caught:
            call()
        error = caught.value
        assert isinstance(error.body, dict) and set(error.body) == {
            "message",
            "type",
            "param",
            "code",
        }
        assert error.body["message"] in error.message  # the client shows the words, not a number
        return error.status_code, error.code, error.body["type"]

    hello = [{"role": "user", "content": "hello"}]
    json_header: Any = {"headers": {"Content-Type": "application/json"}}
    limited = create_app(
        Settings(locale="en_US"), listener, limits=Limits(completions=Rate(per_minute=1, burst=1))
    )
    with (
        LiveServer(limited) as server,
        OpenAI(base_url=f"{server.url}/v1", api_key="not-needed", max_retries=0) as client,
    ):
        huge = [{"role": "user", "content": "x" * (1024 * 1024 + 1)}]
        assert refused(
            lambda: client.chat.completions.create(model="confidante", messages=huge)
        ) == (413, "too_large", "invalid_request_error")
        assert refused(lambda: client.embeddings.create(model="confidante", input="hi"))[:2] == (
            404,
            "not_found",
        )
        assert refused(lambda: client.get("/chat/completions", cast_to=object))[:2] == (
            405,
            "method",
        )
        bad = b'{"model": "confidante", "messages": ['
        assert refused(
            lambda: client.post(
                "/chat/completions", cast_to=object, content=bad, options=json_header
            )
        )[:2] == (400, "not_json")
        client.chat.completions.create(model="confidante", messages=hello)  # type: ignore[arg-type]
        assert refused(
            lambda: client.chat.completions.create(model="confidante", messages=hello)
        ) == (429, "rate", "rate_limit_error")
        # The rest of the API keeps the one shape on the same server.
        body = httpx.get(f"{server.url}/no/such/page", timeout=10).json()
        assert body["ok"] is False and body["status"] == 404
    busy = create_app(Settings(locale="en_US"), listener, limits=Limits(replays_waiting=0))
    with (
        LiveServer(busy) as server,
        OpenAI(base_url=f"{server.url}/v1", api_key="not-needed", max_retries=0) as client,
    ):
        assert refused(
            lambda: client.chat.completions.create(model="confidante", messages=hello)
        ) == (503, "replays_busy", "server_error")
