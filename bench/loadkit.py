"""What ``bench_load.py`` and ``bench_scale.py`` share beneath the load itself: a minimal
keep-alive HTTP client, free ports, child processes, one replica as ``confidante serve`` runs it,
and percentiles. The open-loop driver is ``openloop.py``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from typing import Any

HOST = "127.0.0.1"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class Connection:
    """One keep-alive connection; requests on it go one after another."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        """Connect to 127.0.0.1:port."""
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """Send a JSON request (with any extra ``headers``) and read the JSON response:
        (status, body)."""
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", f"Content-Length: {len(payload)}"]
        if body is not None:
            head.append("Content-Type: application/json")
        if token:
            head.append(f"Authorization: Bearer {token}")
        head.extend(f"{name}: {value}" for name, value in (headers or {}).items())
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("the server closed the connection")
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        raw = await self.reader.readexactly(length) if length else b""
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, None  # not ours: a load balancer's own error page

    async def close(self) -> None:
        """Close the connection."""
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank, in milliseconds."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank] * 1000


# -- processes ---------------------------------------------------------------------------------


class Proc:
    """A child process, stopped by its own pid."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        quiet = None if os.environ.get("BENCH_SERVER_LOG") else subprocess.DEVNULL
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=quiet)

    def stop(self) -> None:
        """Terminate it (kill it after 10 s)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


def wait_port(port: int, proc: Proc, timeout: float = 120) -> None:
    """Block until 127.0.0.1:port accepts connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.proc.poll() is not None:
            raise SystemExit(f"a process exited with {proc.proc.returncode} before it listened")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return
        time.sleep(0.2)
    raise SystemExit(f"nothing listened on port {port} in time")


def serve_replica(port: int, app: Any = None) -> None:
    """Run ``app`` (default: Confidante from the environment, rate limits off) on 127.0.0.1:port
    with ``confidante serve``'s uvicorn options."""
    import uvicorn

    from confidante import Settings
    from confidante.cli.serve import uvicorn_options
    from confidante.server import Limits, create_app

    if app is None:
        app = create_app(Settings.from_env(), limits=Limits.unbounded())
    options = uvicorn_options() | {"log_config": None, "log_level": "warning"}
    uvicorn.run(app, host=HOST, port=port, **options)


def fast_loop() -> None:
    """uvloop for the load generator where it is installed: the client should cost little."""
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
