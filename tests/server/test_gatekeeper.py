"""The guard's refusals: unknown Host names, other sites' sockets, slow bodies, hang-ups, and a
request log that holds route templates only."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect
from tests.server.conftest import CANARIES, MakeRig, Rig

from confidante import Settings
from confidante.errors import ConfigError
from confidante.server.hosts import HostList, host_name
from confidante.server.metrics import Metrics
from confidante.server.middleware import Gatekeeper


def test_a_rebound_host_name_gets_400_in_the_one_shape(rig: Rig) -> None:
    for path in ("/metrics", "/healthz", "/"):
        refused = rig.client.get(path, headers={"Host": "attacker.example:8000"})
        assert refused.status_code == 400 and refused.json()["ok"] is False
        assert "CONFIDANTE_ALLOWED_HOSTS" in refused.json()["error"]
    made = rig.client.post("/api/sessions", headers={"Host": "rebind.attacker.example"})
    assert made.status_code == 400
    for host in ("127.0.0.1:8000", "localhost", "[::1]:8000"):
        assert rig.client.get("/healthz", headers={"Host": host}).status_code == 200


def test_a_setting_widens_the_list(make_rig: MakeRig) -> None:
    rig = make_rig(settings=Settings(locale="en_US", allowed_hosts=("127.0.0.1", "*.example.org")))
    assert rig.client.get("/healthz", headers={"Host": "talk.example.org"}).status_code == 200
    assert rig.client.get("/healthz", headers={"Host": "example.org.evil"}).status_code == 400
    with pytest.raises(ConfigError, match="CONFIDANTE_ALLOWED_HOSTS"):
        HostList(["bad*.example.org"])
    assert Settings.from_env({"CONFIDANTE_ALLOWED_HOSTS": "a.org, b.org"}).allowed_hosts == (
        "a.org", "b.org"
    )


def test_host_names_are_read_without_their_port() -> None:
    assert host_name("[::1]:8000") == "::1" and host_name("LocalHost:80") == "localhost"
    assert host_name("a:b:c") is None and host_name("[::1]x") is None and host_name("") is None


def test_a_socket_is_checked_against_the_list_not_against_host(rig: Rig) -> None:
    headers = rig.started()
    url = "ws://127.0.0.1/api/session/stream"
    # A rebinding page sends its own name as both Host and Origin: equal, and still refused.
    rebound = {**headers, "Host": "evil.example", "Origin": "http://evil.example"}
    with pytest.raises(WebSocketDisconnect) as bad_host, rig.client.websocket_connect(
        url, headers=rebound
    ):
        pass
    assert bad_host.value.code == 4400
    other = {**headers, "Origin": "http://evil.example"}
    with pytest.raises(WebSocketDisconnect) as bad_origin, rig.client.websocket_connect(
        url, headers=other
    ):
        pass
    assert bad_origin.value.code == 4403
    ours = {**headers, "Origin": "http://localhost:8000"}
    with rig.client.websocket_connect(url, headers=ours) as ws:
        assert ws.receive_json()["type"] == "ready"


def test_the_log_holds_route_templates_never_paths_as_typed(
    make_rig: MakeRig, caplog: pytest.LogCaptureFixture
) -> None:
    rig = make_rig()
    guard = _guard_of(rig)
    guard.log = True
    with caplog.at_level(logging.INFO, logger="confidante.server"):
        rig.client.put(f"/api/sessions?{CANARIES[2]}")
        rig.client.request(CANARIES[0].upper(), "/healthz")
        rig.client.get(f"/static/{CANARIES[1]}.css")
        rig.client.get(f"/{CANARIES[1]}")
    for canary in CANARIES:
        assert canary.lower() not in caplog.text.lower()
    assert "PUT /api/sessions 405" in caplog.text
    assert "(other method) /healthz 405" in caplog.text
    assert "/static/{name} 404" in caplog.text and "(unknown path) 404" in caplog.text


def _guard_of(rig: Rig) -> Gatekeeper:
    rig.client.get("/healthz")  # the middleware stack is built on the first request
    layer: Any = rig.app.middleware_stack
    while not isinstance(layer, Gatekeeper):
        layer = layer.app
    return layer


async def _call(guard: Gatekeeper, messages: list[dict[str, Any]], pause: float = 0) -> list[Any]:
    sent: list[Any] = []
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        if pause:
            await asyncio.sleep(pause)
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(msg: Any) -> None:
        sent.append(msg)

    scope = {"type": "http", "method": "POST", "path": "/api/sessions",
             "headers": [(b"host", b"127.0.0.1")]}
    await guard(scope, receive, send)
    return sent


async def _never(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("the app must not be reached")


def test_a_trickling_body_gets_408_and_a_hang_up_is_not_a_500() -> None:
    metrics = Metrics()
    guard = Gatekeeper(_never, metrics=metrics, limit_for=lambda _p: 1000, body_seconds=0.2)
    chunk = {"type": "http.request", "body": b"x", "more_body": True}
    slow = asyncio.run(_call(guard, [chunk] * 50, pause=0.05))
    assert slow[0]["status"] == 408 and b'"status": 408' in slow[1]["body"]
    gone = asyncio.run(_call(guard, [chunk]))  # then the client hangs up
    assert gone == []
    text = metrics.render(0).decode()
    assert "confidante_clients_gone_total 1.0" in text
    assert 'confidante_errors_total{status="500"}' not in text


def test_a_client_that_never_finishes_its_headers_is_dropped(listener: Any) -> None:
    import socket
    import time

    from tests.server.conftest import LiveServer

    from confidante.server import Limits, create_app
    from confidante.server.deadlines import with_deadline

    app = create_app(Settings(locale="en_US"), listener, limits=Limits.unbounded())
    with LiveServer(app, http=with_deadline(0.5)) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as slow:
            slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            begun = time.monotonic()
            for _ in range(3):  # a byte now and then does not keep it open
                time.sleep(0.1)
                slow.sendall(b"X")
            assert slow.recv(100) == b""  # closed by the server
            assert time.monotonic() - begun < 5
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as quick:
            quick.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert quick.recv(100).startswith(b"HTTP/1.1 200")
