"""Concurrent sessions never see each other: 20 sessions x 5 turns on real uvicorn, each with its
own canary name; no reply may carry another session's canary, and no message may go unanswered.
(bench/bench_load.py runs the same check at 200 x 30 and measures it.)"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

import httpx
from tests.server.conftest import LiveServer

SESSIONS = 20
TURNS = 5
SCRIPT = (
    "My friend {canary} has stopped talking to me.",
    "I keep thinking about {canary} and what went wrong.",
    "Work is hard too, everyone is so busy.",
    "I miss {canary}, we used to laugh a lot.",
    "Maybe I should write to {canary} first.",
)


@dataclass
class Seen:
    """What one session was told."""

    canary: str
    replies: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


async def one_session(client: httpx.AsyncClient, canary: str) -> Seen:
    seen = Seen(canary)
    created = await client.post("/api/sessions", json={})
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    await client.post("/api/session/start", json={"relief": 5}, headers=headers)
    for line in SCRIPT[:TURNS]:
        r = await client.post(
            "/api/session/messages", json={"text": line.format(canary=canary)}, headers=headers
        )
        seen.statuses.append(r.status_code)
        if r.status_code == 200:
            seen.replies.append(r.json()["reply"]["text"])
    summary = await client.post("/api/session/summary", headers=headers)
    seen.replies.append(summary.json()["reply"]["text"])
    await client.post("/api/session/close", json={"relief": 4}, headers=headers)
    return seen


async def all_sessions(url: str) -> list[Seen]:
    limits = httpx.Limits(max_connections=SESSIONS)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        canaries = [f"Zorbel{n:03d}x" for n in range(SESSIONS)]
        return await asyncio.gather(*(one_session(client, c) for c in canaries))


def test_concurrent_sessions_never_leak_into_each_other(live_server: LiveServer) -> None:
    results = asyncio.run(all_sessions(live_server.url))
    assert len(results) == SESSIONS
    pattern = re.compile(r"Zorbel\d{3}x")
    echoed = 0
    for seen in results:
        assert seen.statuses == [200] * TURNS, "a message went unanswered"
        for reply in seen.replies:
            names = set(pattern.findall(reply))
            assert names <= {seen.canary}, f"{seen.canary} was told about {names - {seen.canary}}"
            echoed += seen.canary in reply
    # The listener reflects names back, so a leak would show; the check is not vacuous.
    assert echoed >= SESSIONS
