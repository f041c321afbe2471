"""Open WebUI's recorded request shapes, replayed against a real uvicorn: the contract.

The shapes in ``data/openwebui`` are Open WebUI's own prompt templates filled as it fills them
(see the README there): what Confidante must tell apart from a person's turn.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.server.conftest import LiveServer

from confidante import Listener, Settings
from confidante.server import Limits, Rate, create_app

SHAPES = Path(__file__).parent / "data" / "openwebui"
NEUTRAL = {
    "title.json": {"title": "A conversation"},
    "tags.json": {"tags": []},
    "follow_ups.json": {"follow_ups": []},
    "queries.json": {"queries": []},
}


def shape(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SHAPES / name).read_text(encoding="utf-8"))
    return loaded


@pytest.fixture
def served(listener: Listener) -> Iterator[tuple[LiveServer, Any]]:
    """A real uvicorn whose person's limit is tight: 2 at once, then one a minute."""
    limits = Limits(completions=Rate(per_minute=1, burst=2))
    app = create_app(Settings(locale="en_US"), listener, limits=limits)
    with LiveServer(app) as server:
        yield server, app.state.services.metrics


def sample(metrics: Any, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, labels)
    return float(value or 0.0)


def listening_counts(metrics: Any) -> list[float]:
    """Every count a person's turn moves: replies by move, and crisis referrals (kept off the
    live registry, so read from the counter itself)."""
    counters = (metrics.moves, metrics.referrals)
    return [
        s.value
        for counter in counters
        for family in counter.collect()
        for s in family.samples
        if s.name.endswith("_total")
    ]


def streamed(server: LiveServer, body: dict[str, Any]) -> str:
    """The text of a streamed completion, checked to end with [DONE]."""
    url = f"{server.url}/v1/chat/completions"
    with httpx.stream("POST", url, json={**body, "stream": True}, timeout=30) as r:
        assert r.status_code == 200, r.read()
        lines = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    return "".join(
        json.loads(line[6:])["choices"][0]["delta"].get("content", "") for line in lines[:-1]
    )


def post(server: LiveServer, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{server.url}/v1/chat/completions", json=body, timeout=30)


def test_task_requests_get_neutral_json_and_move_no_counter(
    served: tuple[LiveServer, Any],
) -> None:
    server, registry = served
    for _ in range(3):  # more than the person's burst: tasks are not limited as the person
        for name, expected in NEUTRAL.items():
            response = post(server, shape(name))
            assert response.status_code == 200, response.text
            content = response.json()["choices"][0]["message"]["content"]
            assert json.loads(content) == expected
    for kind in ("title", "tags", "follow_ups", "queries"):
        assert sample(registry, "confidante_frontend_tasks_total", kind=kind) == 3
    # The embedded history holds a crisis; none of it reached the listener or the safety layer.
    assert "988" in shape("tags.json")["messages"][0]["content"]
    assert all(value == 0 for value in listening_counts(registry))
    # Nor is a task's length checked as a message's: a long chat's history still gets its JSON.
    long = shape("follow_ups.json")
    long["messages"][0]["content"] = long["messages"][0]["content"].replace(
        "USER: I'm at home", "USER: " + "I keep going over it. " * 400 + "I'm at home"
    )
    response = post(server, long)
    assert response.status_code == 200 and json.loads(
        response.json()["choices"][0]["message"]["content"]
    ) == {"follow_ups": []}
    # The person's own limit is untouched by the tasks: their two turns still go through.
    assert post(server, shape("continue.json")).status_code == 200
    assert post(server, shape("continue.json")).status_code == 200
    limited = post(server, shape("continue.json"))
    assert limited.status_code == 429
    assert set(limited.json()["error"]) == {"message", "type", "param", "code"}


def test_a_crisis_chat_turn_with_36_tools_still_gets_the_crisis_reply(
    served: tuple[LiveServer, Any],
) -> None:
    server, registry = served
    body = shape("chat_tools.json")
    assert len(body["tools"]) == 36
    text = streamed(server, body)
    assert "988" in text
    assert "may save this chat" in text  # the notice is honest about the app in front
    # One referral counted (by level, for the finished day's figures): the turn, not its tools.
    assert sum(listening_counts(registry)) == 1


def test_continue_gets_an_empty_completion(served: tuple[LiveServer, Any]) -> None:
    server, _ = served
    body = {**shape("continue.json"), "stream": False}
    response = post(server, body)
    assert response.status_code == 200, response.text
    choice = response.json()["choices"][0]
    assert choice["message"]["content"] == "" and choice["finish_reason"] == "stop"


def test_try_again_is_worded_anew_and_the_buttons_are_answered_plainly(
    live_server: LiveServer,
) -> None:
    server = live_server
    # "Try again" resends the person's turn as it was: not the identical reply each time.
    turn = {
        "model": "confidante",
        "messages": [
            {
                "role": "user",
                "content": "Work has been relentless this month and I can't switch off at night.",
            }
        ],
    }
    assert len({streamed(server, turn) for _ in range(2)}) == 2
    # "Add Details" and "More Concise" arrive as the person's words after the reply; they are
    # answered as what they are, and the crisis in the turn before them is not replayed as new.
    details = streamed(server, shape("add_details.json"))
    concise = streamed(server, shape("more_concise.json"))
    assert details.startswith("I'm here to listen rather than to explain")
    assert concise.startswith("My replies are short ones")
    assert "Add Details" not in details and "More Concise" not in concise


def test_a_person_typing_a_task_header_in_a_chat_is_still_heard(
    served: tuple[LiveServer, Any],
) -> None:
    server, _ = served
    text = streamed(server, shape("title.json"))  # a chat turn is streamed: not a task
    assert "A conversation" not in text and "988" in text


def test_models_carry_a_display_name(served: tuple[LiveServer, Any]) -> None:
    server, _ = served
    models = httpx.get(f"{server.url}/v1/models", timeout=10).json()
    assert models["data"][0]["name"] == "Confidante"


def test_a_trusted_front_end_is_limited_per_conversation(listener: Listener) -> None:
    limits = Limits(
        completions=Rate(per_minute=1, burst=1), conversations=Rate(per_minute=1, burst=2)
    )
    app = create_app(Settings(locale="en_US", frontend_key="owui-key"), listener, limits=limits)
    trusted = {"Authorization": "Bearer owui-key"}

    def turn(server: LiveServer, first: str, headers: dict[str, str]) -> int:
        body = {"model": "confidante", "messages": [{"role": "user", "content": first}]}
        url = f"{server.url}/v1/chat/completions"
        return httpx.post(url, json=body, headers=headers, timeout=30).status_code

    with LiveServer(app) as server:
        # Two people behind one Open WebUI, one address: each conversation has its own bucket.
        for first in ("Work has been relentless.", "My sister stopped calling."):
            assert [turn(server, first, trusted) for _ in range(3)] == [200, 200, 429]
        # Without the key it is the one per-address bucket (burst 1), and a wrong key is no key.
        assert turn(server, "Hello.", {}) == 200
        assert turn(server, "Hello again.", {"Authorization": "Bearer guess"}) == 429
