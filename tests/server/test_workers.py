"""Several server processes over one real Redis: real ``confidante serve`` processes answer one
session in turn, and a process killed with SIGKILL loses no session, since state lives in Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from tests.server.conftest import free_port

pytestmark = [pytest.mark.redis, pytest.mark.slow]

TURNS = (
    "My wife ignores me every evening.",
    "She is always on her phone and I just sit there.",
    "I don't even know why I stay.",
    "Maybe I should tell her how lonely I feel.",
)


class Serve:
    """One ``confidante serve`` process on a free port (its own pid, stopped by that pid)."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "confidante", "serve", "--port", str(self.port), *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "serve exited"
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError("serve did not answer in time")

    def children(self) -> list[int]:
        found = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in found.read_text().split()] if found.exists() else []

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def launch(redis_url: str, tmp_path: Path) -> Iterator[Callable[..., Serve]]:
    """Start ``confidante serve`` processes that share the test Redis and one address key."""
    env = {
        **os.environ,
        "CONFIDANTE_REDIS_URL": redis_url,
        "CONFIDANTE_LOCALE": "en_US",
        "CONFIDANTE_ADDRESS_KEY_FILE": str(tmp_path / "address.key"),
        "CONFIDANTE_DATABASE_URL": f"sqlite:///{tmp_path / 'vault.db'}",
    }
    started: list[Serve] = []

    def start(*args: str) -> Serve:
        server = Serve(env, *args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _open(client: httpx.Client, url: str) -> dict[str, str]:
    created = client.post(f"{url}/api/sessions", json={})
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    begun = client.post(f"{url}/api/session/start", json={"relief": 6}, headers=headers)
    assert begun.status_code == 200, begun.text
    return headers


def test_two_replicas_answer_one_session_in_turn_and_outlive_a_sigkill(
    launch: Callable[..., Serve],
) -> None:
    one, two = launch(), launch()
    one.wait_ready()
    two.wait_ready()
    with httpx.Client(timeout=10) as client:
        headers = _open(client, one.url)
        replies = []
        for n, text in enumerate(TURNS[:3]):
            url = (one, two)[n % 2].url
            reply = client.post(f"{url}/api/session/messages", json={"text": text}, headers=headers)
            assert reply.status_code == 200, reply.text
            replies.append(reply.json()["reply"]["text"])
        assert len(set(replies)) == len(replies)  # each replica saw the turns before it
        one.proc.send_signal(signal.SIGKILL)  # it answered the last turn
        one.proc.wait()
        after = client.post(
            f"{two.url}/api/session/messages", json={"text": TURNS[3]}, headers=headers
        )
        assert after.status_code == 200, after.text
        summary = client.post(f"{two.url}/api/session/summary", headers=headers)
        assert "wife" in summary.json()["reply"]["text"]  # said to the killed replica
        closed = client.post(f"{two.url}/api/session/close", json={"relief": 4}, headers=headers)
        assert closed.status_code == 200
        assert client.get(f"{two.url}/api/session", headers=headers).status_code == 404


def test_workers_on_one_port_outlive_one_killed_and_it_is_replaced(
    launch: Callable[..., Serve],
) -> None:
    server = launch("--workers", "2")
    server.wait_ready()
    deadline = time.monotonic() + 60
    while len(workers := _workers(server)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(workers) == 2, "serve --workers 2 did not start two workers"
    with httpx.Client(timeout=10) as client:
        headers = _open(client, server.url)
        assert (
            client.post(
                f"{server.url}/api/session/messages", json={"text": TURNS[0]}, headers=headers
            ).status_code
            == 200
        )
        os.kill(workers[0], signal.SIGKILL)
        # New connections: the dead worker's keep-alive connection went with it.
        for text in TURNS[1:]:
            with httpx.Client(timeout=10) as fresh:
                reply = fresh.post(
                    f"{server.url}/api/session/messages", json={"text": text}, headers=headers
                )
            assert reply.status_code == 200, reply.text
        deadline = time.monotonic() + 60
        while workers[0] in _workers(server) or len(_workers(server)) < 2:
            assert time.monotonic() < deadline, "the killed worker was not replaced"
            time.sleep(0.2)
        with httpx.Client(timeout=10) as fresh:
            summary = fresh.post(f"{server.url}/api/session/summary", headers=headers)
            assert "wife" in summary.json()["reply"]["text"]
            fresh.post(f"{server.url}/api/session/close", json={"relief": None}, headers=headers)


def _workers(server: Serve) -> list[int]:
    """The uvicorn worker processes of ``server`` (not multiprocessing's helper process)."""
    found = []
    for pid in server.children():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in command:
            found.append(pid)
    return found
