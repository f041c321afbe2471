"""Shared fixtures: every test runs with its own user directory and no stray settings."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

#: Set by .ci/run: a test that would skip for a missing server or browser fails instead.
REQUIRE_ENV = "CONFIDANTE_REQUIRE_SERVICES"


def missing(reason: str) -> None:
    """Skip with ``reason``, or fail when CI demands every service be present."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"required for CI but missing: {reason}")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    """True when something accepts TCP connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the user directory at a fresh temporary folder and clear CONFIDANTE_* settings."""
    for name in list(os.environ):
        if name.startswith("CONFIDANTE_") and name != REQUIRE_ENV:
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "confidante-home"
    monkeypatch.setenv("CONFIDANTE_HOME", str(home))
    yield home


@pytest.fixture
def postgres_url() -> str:
    """URL of the local PostgreSQL test database, or skip (fail in CI) when it is absent."""
    if not port_open("127.0.0.1", 5432):
        missing("PostgreSQL is not running on 127.0.0.1:5432")
    return os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def redis_url() -> str:
    """URL of the local Redis server, or skip (fail in CI) when it is absent."""
    if not port_open("127.0.0.1", 6379):
        missing("Redis is not running on 127.0.0.1:6379")
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def listener() -> object:
    """The default listener (phrasebook voice), loaded once for the whole run."""
    from confidante import Listener, Settings

    return Listener.default(Settings(locale="en_US"))
