"""Turns over a WebSocket at ``/api/session/stream``, with time cues pushed while it is quiet.

Browsers cannot put headers on a WebSocket, and URLs get logged, so the token comes in the first
frame: ``{"type": "auth", "token": "..."}`` (clients that can may send the Authorization header
instead). After ``{"type": "ready"}`` the client sends ``{"type": "say", "text": "...", "id": 1}``
and gets ``{"type": "reply", "id": 1, "reply": {...}, "time": {...}}``; errors arrive as
``{"type": "error", "id": 1, "ok": false, "error": "...", "status": 4xx}`` in the one error shape.
``{"type": "time"}`` asks for the time; a due time cue arrives as ``{"type": "cue", ...}``.
A binary frame, or text that is not valid Unicode, gets an error and the socket goes on.
A socket from another site's page (its Origin not an allowed host) is refused before it opens
(``middleware.Gatekeeper``).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from confidante.server import actions
from confidante.server.api import answer, due_cue
from confidante.server.problems import Problem, error_body
from confidante.server.services import Services, bearer_token, services_of

router = APIRouter()

#: Close codes: 4000 + the HTTP status the same failure gets over HTTP.
_CLOSE_BASE = 4000


async def _send_error(ws: WebSocket, problem: Problem, ref: Any = None) -> None:
    await ws.send_json({"type": "error", "id": ref, **error_body(problem.status, problem.text)})


async def _frame(ws: WebSocket, s: Services, timeout: float) -> dict[str, Any] | None:
    """The next JSON object from the client; None when ``timeout`` passes first."""
    try:
        msg = await asyncio.wait_for(ws.receive(), timeout)
    except TimeoutError:
        return None
    if msg["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(msg.get("code", 1000))
    raw = msg.get("text")
    if not isinstance(raw, str):
        raise Problem(400, "binary_frame")
    # "surrogatepass": a lone surrogate is the text check's to refuse, not a crash here.
    if len(raw.encode("utf-8", "surrogatepass")) > s.limits.body_bytes:
        raise Problem(413, "too_large", limit=s.limits.body_bytes)
    try:
        frame = json.loads(raw)
    except json.JSONDecodeError:
        raise Problem(422, "invalid") from None
    if not isinstance(frame, dict):
        raise Problem(422, "invalid")
    return frame


async def _authenticate(ws: WebSocket, s: Services) -> str | None:
    """The token from the header or the first frame, checked against the store."""
    token = bearer_token(ws)
    if token is None:
        frame = await _frame(ws, s, s.limits.auth_seconds)
        if frame is None or frame.get("type") != "auth" or not isinstance(frame.get("token"), str):
            raise Problem(401, "unauthorized")
        token = frame["token"]
    await s.desk.check(token)
    return token


@router.websocket("/api/session/stream")
async def stream(ws: WebSocket) -> None:
    """The session's turns over one WebSocket; see the module docstring for the frames."""
    s = services_of(ws)
    await ws.accept()
    try:
        try:
            token = await _authenticate(ws, s)
        except Problem as problem:
            await _send_error(ws, problem)
            await ws.close(code=_CLOSE_BASE + problem.status)
            return
        ready, _ = await s.desk.act(token, actions.time_of)
        await ws.send_json({"type": "ready", "time": ready.model_dump()})
        while True:
            ref: Any = None
            try:
                frame = await _frame(ws, s, s.limits.cue_poll_seconds)
                if frame is None:
                    cue = await due_cue(s, token)
                    if cue.reply is not None:
                        await ws.send_json({"type": "cue", **cue.model_dump()})
                    continue
                ref = frame.get("id")
                if not isinstance(ref, int | str | None):
                    ref = None
                kind = frame.get("type")
                if kind == "say" and isinstance(frame.get("text"), str):
                    turn = await answer(s, token, frame["text"], "websocket")
                    await ws.send_json({"type": "reply", "id": ref, **turn.model_dump()})
                elif kind == "time":
                    found, _ = await s.desk.act(token, actions.time_of)
                    await ws.send_json({"type": "time", "id": ref, "time": found.model_dump()})
                else:
                    raise Problem(422, "invalid")
            except Problem as problem:
                await _send_error(ws, problem, ref)
                if problem.status in (401, 404, 410):
                    await ws.close(code=_CLOSE_BASE + problem.status)
                    return
    except WebSocketDisconnect:
        return
