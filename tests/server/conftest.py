"""Fixtures for the server tests: apps on a manual clock, test clients and a real uvicorn."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from confidante import Listener, ManualClock, Settings
from confidante.server import Limits, create_app
from confidante.server.store import MemoryStore, RedisStore, SessionStore

CANARIES = ("Zorbel123", "Quillfish77", "Marrowind42")
BASE_URL = "http://127.0.0.1"
METRICS_TOKEN = "operator-metrics-token"


@dataclass
class Rig:
    """An app with its clock and store, and a test client on it."""

    app: FastAPI
    clock: ManualClock
    store: SessionStore
    client: TestClient

    def create(self, **body: Any) -> tuple[str, dict[str, str]]:
        """Start a session; returns its token and the Authorization header for it."""
        response = self.client.post("/api/sessions", json=body)
        assert response.status_code == 201, response.text
        token = response.json()["token"]
        return token, {"Authorization": f"Bearer {token}"}

    def started(self, relief: int | None = 6) -> dict[str, str]:
        """A session past the opening (relief check given, invitation said)."""
        _, headers = self.create()
        response = self.client.post("/api/session/start", json={"relief": relief}, headers=headers)
        assert response.status_code == 200, response.text
        return headers


MakeRig = Callable[..., Rig]


@pytest.fixture
def make_rig(listener: Listener) -> Iterator[MakeRig]:
    """Build rigs on the shared listener; each has a ManualClock and a memory store."""
    clients: list[TestClient] = []

    def make(
        settings: Settings | None = None,
        limits: Limits | None = None,
        store: SessionStore | None = None,
        use_listener: Listener | None = None,
        debug: bool = False,  # True logs an unexpected error's traceback (for a failing test)
    ) -> Rig:
        clock = ManualClock(1_000_000.0)
        store = store or MemoryStore()
        app = create_app(
            settings or Settings(locale="en_US"),
            use_listener or listener,
            clock=clock,
            store=store,
            limits=limits,
            debug=debug,
        )
        # The server answers only allowed Host names (127.0.0.1 by default), not "testserver".
        client = TestClient(app, raise_server_exceptions=False, base_url=BASE_URL)
        client.__enter__()
        clients.append(client)
        return Rig(app=app, clock=clock, store=store, client=client)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def rig(make_rig: MakeRig) -> Rig:
    """A default rig."""
    return make_rig()


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """A real uvicorn serving an app on 127.0.0.1 in a background thread."""

    def __init__(self, app: FastAPI, **options: Any) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, access_log=False, log_level="warning",
            ws="websockets-sansio", **options,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="module")
def live_server(listener: Listener) -> Iterator[LiveServer]:
    """A real uvicorn on a free 127.0.0.1 port with the default app (wall clock, memory)."""
    app = create_app(Settings(locale="en_US"), listener, limits=Limits.unbounded())
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def raw(redis_url: str) -> Iterator[redis.Redis]:
    """A plain client on the same Redis, to look at what the server stored."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def replicas(make_rig: MakeRig, redis_url: str) -> tuple[Rig, Rig]:
    """Two replicas over the same real Redis, as behind the load balancer."""
    settings = Settings(locale="en_US", redis_url=redis_url)
    return (
        make_rig(settings=settings, store=RedisStore(redis_url)),
        make_rig(settings=settings, store=RedisStore(redis_url)),
    )
