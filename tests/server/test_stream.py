"""Turns over the WebSocket: the token in the first frame, replies, errors, pushed time cues."""

from __future__ import annotations

import pytest
from starlette.websockets import WebSocketDisconnect
from tests.server.conftest import CANARIES, MakeRig, Rig

from confidante.server import Limits

PATH = "ws://127.0.0.1/api/session/stream"  # TestClient sockets default to "testserver"


def test_turns_over_the_socket(rig: Rig) -> None:
    headers = rig.started()
    token = headers["Authorization"].removeprefix("Bearer ")
    with rig.client.websocket_connect(PATH) as ws:
        ws.send_json({"type": "auth", "token": token})
        ready = ws.receive_json()
        assert ready["type"] == "ready" and ready["time"]["minutes_left"] == 60
        ws.send_json({"type": "say", "id": 1, "text": f"My friend {CANARIES[0]} went quiet."})
        first = ws.receive_json()
        assert first["type"] == "reply" and first["id"] == 1 and first["reply"]["text"]
        ws.send_json({"type": "say", "id": "b", "text": "I miss how it was."})
        second = ws.receive_json()
        assert second["id"] == "b" and second["reply"]["text"] != first["reply"]["text"]
        ws.send_json({"type": "time", "id": 3})
        assert ws.receive_json()["type"] == "time"
    # The turns were kept: the summary over HTTP knows them.
    summary = rig.client.post("/api/session/summary", headers=headers).json()
    assert summary["draft"] is not None


def test_the_authorization_header_works_too(rig: Rig) -> None:
    headers = rig.started()
    with rig.client.websocket_connect(PATH, headers=headers) as ws:
        assert ws.receive_json()["type"] == "ready"
        ws.send_json({"type": "say", "id": 1, "text": "Hello."})
        assert ws.receive_json()["type"] == "reply"


def test_a_wrong_token_gets_the_error_shape_then_the_door(rig: Rig) -> None:
    with rig.client.websocket_connect(PATH) as ws:
        ws.send_json({"type": "auth", "token": "a" * 22 + "." + "b" * 43})
        error = ws.receive_json()
        assert error == {
            "type": "error",
            "id": None,
            "ok": False,
            "error": "There is no open session for this token. It may have ended or expired; "
            "start a new session.",
            "status": 404,
        }
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4404


def test_no_auth_frame_is_401(rig: Rig) -> None:
    with rig.client.websocket_connect(PATH) as ws:
        ws.send_json({"type": "say", "text": "hello"})
        assert ws.receive_json()["status"] == 401


def test_bad_frames_get_errors_and_the_socket_goes_on(make_rig: MakeRig) -> None:
    rig = make_rig(limits=Limits(body_bytes=500))
    headers = rig.started()
    with rig.client.websocket_connect(PATH, headers=headers) as ws:
        ws.receive_json()
        ws.send_text("{not json")
        assert ws.receive_json()["status"] == 422
        ws.send_json({"type": "dance", "id": 7})
        bad = ws.receive_json()
        assert bad["status"] == 422 and bad["id"] == 7
        ws.send_json({"type": "say", "id": 8, "text": "x" * 600})
        assert ws.receive_json()["status"] == 413
        ws.send_json({"type": "say", "id": 9, "text": ""})
        assert ws.receive_json()["status"] == 400
        ws.send_json({"type": "say", "id": 10, "text": "Still here."})
        assert ws.receive_json()["type"] == "reply"


def test_a_socket_from_another_sites_page_is_refused(rig: Rig) -> None:
    headers = {**rig.started(), "Origin": "https://elsewhere.example"}
    with pytest.raises(WebSocketDisconnect) as refused, rig.client.websocket_connect(
        PATH, headers=headers
    ):
        pass
    assert refused.value.code == 4403


def test_a_due_time_cue_is_pushed_while_the_person_is_quiet(make_rig: MakeRig) -> None:
    rig = make_rig(limits=Limits(cue_poll_seconds=0.05))
    headers = rig.started()
    with rig.client.websocket_connect(PATH, headers=headers) as ws:
        ws.receive_json()
        rig.clock.advance(55 * 60)
        cue = ws.receive_json()
        assert cue["type"] == "cue" and cue["reply"]["move"] == "time_cue"
        assert cue["time"]["minutes_left"] == 5


def test_a_closed_session_ends_its_socket(rig: Rig) -> None:
    headers = rig.started()
    with rig.client.websocket_connect(PATH, headers=headers) as ws:
        ws.receive_json()
        rig.client.delete("/api/session", headers=headers)
        ws.send_json({"type": "say", "id": 1, "text": "Are you there?"})
        assert ws.receive_json()["status"] == 404
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()


def test_binary_frames_and_lone_surrogates_get_errors_and_lose_nothing(rig: Rig) -> None:
    headers = rig.started()
    with rig.client.websocket_connect(PATH, headers=headers) as ws:
        ws.receive_json()
        ws.send_bytes(b'{"type": "say", "text": "hello"}')
        binary = ws.receive_json()
        assert binary["type"] == "error" and binary["status"] == 400
        ws.send_text('{"type": "say", "id": 2, "text": "I am \\ud800 here"}')
        bad = ws.receive_json()
        assert bad["status"] == 400 and bad["id"] == 2 and "Unicode" in bad["error"]
        ws.send_json({"type": "say", "id": 3, "text": f"My friend {CANARIES[0]} went quiet."})
        assert ws.receive_json()["type"] == "reply"
    summary = rig.client.post("/api/session/summary", headers=headers).json()
    assert summary["reply"]["move"] == "summarize"


def test_a_socket_past_the_hard_end_is_closed_with_the_close(rig: Rig) -> None:
    from confidante.server.desk import GRACE_SECONDS

    headers = rig.started()
    with rig.client.websocket_connect(PATH, headers=headers) as ws:
        ws.receive_json()
        rig.clock.advance(60 * 60 + GRACE_SECONDS + 1)
        ws.send_json({"type": "say", "id": 1, "text": "Are you there?"})
        assert ws.receive_json()["status"] == 410
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4410
