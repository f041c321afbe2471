"""Parts of ``bench_load.py`` that do not depend on Confidante: a minimal keep-alive HTTP
client, a start barrier, free ports and the figures taken from latencies."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import statistics
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
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        """Send a JSON request and read the JSON response: (status, body)."""
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", f"Content-Length: {len(payload)}"]
        if body is not None:
            head.append("Content-Type: application/json")
        if token:
            head.append(f"Authorization: Bearer {token}")
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


class Barrier:
    """Lets everyone go at once when the last one arrives (so start-up is not measured)."""

    def __init__(self, parties: int) -> None:
        self.parties = parties
        self.arrived = 0
        self.go = asyncio.Event()

    async def wait(self) -> None:
        """Arrive and wait for the others."""
        self.arrived += 1
        if self.arrived >= self.parties:
            self.go.set()
        await self.go.wait()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank, in milliseconds."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank] * 1000


def window_rates(stamps: list[float], width: float = 0.1) -> tuple[float, float]:
    """Replies per ``width`` seconds: the median window and the slowest (the last, partial
    window left out). A slow window with the median steady means the machine was disturbed."""
    if not stamps:
        return 0.0, 0.0
    start = min(stamps)
    counts: dict[int, int] = {}
    for at in stamps:
        slot = int((at - start) / width)
        counts[slot] = counts.get(slot, 0) + 1
    full = [counts.get(i, 0) for i in range(max(counts))] or [len(stamps)]
    return statistics.median(full), float(min(full))
