"""Engine processes: the listener in processes beside the web process, over real sockets."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.server.conftest import CANARIES, free_port

from confidante import Listener, Settings
from confidante.server import Limits, actions, create_app
from confidante.server.pool import EngineFailed, EnginePool
from confidante.server.problems import Problem


@pytest.fixture(scope="module")
def pooled() -> Iterator[TestClient]:
    """An app whose listener runs in two engine processes."""
    app = create_app(Settings(locale="en_US", metrics_token="t"), limits=Limits.unbounded(), engine_workers=2)
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as client:
        yield client


def _pool(client: TestClient) -> EnginePool:
    desk = client.app.state.services.desk  # type: ignore[attr-defined]
    assert isinstance(desk, EnginePool)
    return desk


def _start(client: TestClient) -> tuple[str, dict[str, str]]:
    created = client.post("/api/sessions", json={})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/session/start", json={"relief": 6}, headers=headers).status_code == 200
    return token, headers


def _shard(token: str) -> int:
    return zlib.crc32(token.split(".")[0].encode()) % 2


def test_sessions_on_both_engines_hear_only_their_own(pooled: TestClient) -> None:
    sessions: list[tuple[str, dict[str, str]]] = []
    while {_shard(t) for t, _ in sessions} != {0, 1} or len(sessions) < len(CANARIES):
        sessions.append(_start(pooled))
    said: dict[int, str] = {}
    for turn in range(4):
        for n, (_, headers) in enumerate(sessions):
            name = CANARIES[n % len(CANARIES)] + str(n)
            said[n] = name
            text = f"My friend {name} stopped calling me, turn {turn}."
            reply = pooled.post("/api/session/messages", json={"text": text}, headers=headers)
            assert reply.status_code == 200, reply.text
            body = reply.text
            others = [v for k, v in said.items() if k != n]
            assert not any(other in body for other in others)
    for _, headers in sessions:
        summary = pooled.post("/api/session/summary", headers=headers)
        assert summary.status_code == 200
        closed = pooled.post("/api/session/close", json={"relief": 3}, headers=headers)
        assert closed.status_code == 200
        assert pooled.get("/api/session", headers=headers).status_code == 404


def test_errors_cross_from_the_engine_in_the_one_shape(pooled: TestClient) -> None:
    token, headers = _start(pooled)
    empty = pooled.post("/api/session/messages", json={"text": "   "}, headers=headers)
    assert empty.status_code == 400
    assert empty.json()["ok"] is False and empty.json()["error"]
    wrong = token.split(".")[0] + "." + "A" * 43
    missing = pooled.get("/api/session", headers={"Authorization": f"Bearer {wrong}"})
    assert missing.status_code == 404
    malformed = pooled.get("/api/session", headers={"Authorization": "Bearer nope"})
    assert malformed.status_code == 401
    assert pooled.delete("/api/session", headers=headers).status_code == 204
    gone = pooled.post("/api/session/messages", json={"text": "hello"}, headers=headers)
    assert gone.status_code == 404
    assert gone.json() == missing.json()


def test_health_and_metrics_count_across_engines(pooled: TestClient) -> None:
    assert pooled.get("/healthz").json()["store"] == "memory"
    before = _open_sessions(pooled)
    _start(pooled)
    _start(pooled)
    assert _open_sessions(pooled) == before + 2


def _open_sessions(client: TestClient) -> float:
    for line in client.get("/metrics", headers={"Authorization": "Bearer t"}).text.splitlines():
        if line.startswith("confidante_sessions_open "):
            return float(line.split()[1])
    raise AssertionError("no open-sessions gauge")


def test_the_openai_face_answers_as_the_web_process_would(
    pooled: TestClient, listener: Listener
) -> None:
    body = {
        "model": "confidante",
        "messages": [
            {"role": "user", "content": "My sister and I fell out over our father's care."},
            {"role": "assistant", "content": "(whatever the client kept)"},
            {"role": "user", "content": "I feel like I do everything and she does nothing."},
        ],
    }
    here = create_app(Settings(locale="en_US"), listener, limits=Limits.unbounded())
    with TestClient(here, base_url="http://127.0.0.1") as local:
        expected = local.post("/v1/chat/completions", json=body).json()
    got = pooled.post("/v1/chat/completions", json=body).json()
    assert got["choices"][0]["message"] == expected["choices"][0]["message"]


def test_a_dead_engine_is_started_again_and_its_sessions_are_gone(pooled: TestClient) -> None:
    pool = _pool(pooled)
    token, headers = _start(pooled)
    victim = pool.pids[_shard(token)]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 60
    status = 0
    while time.monotonic() < deadline:
        status = pooled.get("/api/session", headers=headers).status_code
        if status == 404 and victim not in pool.pids:
            break
        assert status in (200, 503)  # in flight at the kill: send again
        time.sleep(0.1)
    assert status == 404
    _, fresh = _start(pooled)
    reply = pooled.post("/api/session/messages", json={"text": "Still here?"}, headers=fresh)
    assert reply.status_code == 200


def test_engines_stop_with_the_app() -> None:
    app = create_app(Settings(locale="en_US"), engine_workers=1)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        _start(client)
        pids = _pool(client).pids
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or _zombie(pid)


def _zombie(pid: int) -> bool:
    return Path(f"/proc/{pid}/status").read_text().count("State:\tZ") == 1


def test_an_engine_outlives_no_killed_server(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "confidante", "serve", "--port", str(port), "--engine-workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        children: list[int] = []
        deadline = time.monotonic() + 60
        while not children and time.monotonic() < deadline:
            time.sleep(0.2)
            found = Path(f"/proc/{server.pid}/task/{server.pid}/children")
            children = [int(p) for p in found.read_text().split()] if found.exists() else []
        assert children, "serve started no engine process"
        server.kill()
        server.wait()
        deadline = time.monotonic() + 15
        while any(Path(f"/proc/{c}").exists() for c in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(Path(f"/proc/{c}").exists() for c in children)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_objects_made_here_cannot_go_to_an_engine(listener: Listener) -> None:
    with pytest.raises(ValueError, match="engine processes"):
        create_app(Settings(locale="en_US"), listener, engine_workers=1)


def test_an_engine_started_by_hand_says_how_it_is_started() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "confidante.server.worker"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "confidante serve" in done.stderr


def _boom(text: str, live: object) -> None:
    """An action that fails with what a person said in its message (runs in the engine)."""
    raise RuntimeError(f"could not handle {text}")


def _unsendable(live: object) -> object:
    """An action whose result cannot be sent back (a function made on the spot)."""
    return lambda: None


def test_an_engine_failure_names_its_type_and_never_what_was_said(
    capfd: pytest.CaptureFixture[str],
) -> None:
    canary = "Zorbel-engine-canary"

    async def run() -> str:
        pool = EnginePool(Settings(locale="en_US"), workers=1, idle_seconds=60)
        try:
            await pool.launch()
            token, _ = await pool.start(actions.notice)
            with pytest.raises(EngineFailed) as failed:
                await pool.act(token, partial(_boom, canary))
            with pytest.raises(EngineFailed):
                await pool.act(token, _unsendable)
            # the session and the engine are still there after both failures
            await pool.act(token, partial(actions.respond, "Still here?"))
            return str(failed.value)
        finally:
            await pool.aclose()

    said = asyncio.run(run())
    out, err = capfd.readouterr()
    assert said == "RuntimeError"
    assert "unexpected RuntimeError in an engine process" in err
    assert canary not in out + err


def test_an_engine_that_cannot_come_back_answers_503_at_once_until_it_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def run() -> tuple[int, int]:
        pool = EnginePool(Settings(locale="en_US"), workers=1, idle_seconds=60, start_seconds=30)
        try:
            await pool.launch()
            token, _ = await pool.start(actions.notice)
            monkeypatch.setattr(sys, "executable", "/bin/false")  # no engine can start now
            os.kill(pool.pids[0], signal.SIGKILL)
            deadline = time.monotonic() + 20
            while not pool.down and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            begun = time.monotonic()
            with pytest.raises(Problem) as refused:
                await pool.act(token, actions.time_of)
            assert time.monotonic() - begun < 1  # at once, not after start_seconds
            monkeypatch.undo()  # engines can start again: the next try brings one back
            deadline = time.monotonic() + 60
            while pool.down and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            fresh, _ = await pool.start(actions.notice)
            with pytest.raises(Problem) as gone:
                await pool.act(token, actions.time_of)  # its session died with the engine
            await pool.act(fresh, actions.time_of)
            return refused.value.status, gone.value.status
        finally:
            await pool.aclose()

    assert asyncio.run(run()) == (503, 404)
