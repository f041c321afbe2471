"""The session API over HTTP: start, talk, time, the close, being remembered, quick exit.

The flow is the terminal's: ``POST /api/sessions`` (the AI notice) -> ``/start`` (the 0-10
check, then the invitation) -> ``/messages``* -> ``/summary`` -> [``/remember``] -> ``/close``
(the 0-10 check again, the goodbye). Every call after the first sends the token as
``Authorization: Bearer``; tokens never go in URLs, which end up in logs.

A message may carry an ``Idempotency-Key`` header (a fresh one per message, 1-64 of
``[A-Za-z0-9_-]``): the session keeps the key of its last answered turn with that turn's answer,
sealed with the rest of it, and a message with the same key gets the same answer without being
taken again. That makes a turn safe to send twice, by a client or by the load balancer.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Body, Request, Response
from pydantic import BaseModel

from confidante.server import actions
from confidante.server.desk import session_id
from confidante.server.problems import Problem
from confidante.server.schemas import (
    Closed,
    Created,
    Cue,
    ErrorBody,
    NewSession,
    ReliefIn,
    Remembered,
    RememberIn,
    ReplyOut,
    Say,
    Status,
    Summary,
    TurnOut,
)
from confidante.server.services import BEARER, Services, Stopwatch, bearer_token, services_of
from confidante.server.store import Parked

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": why}
    for code, why in (
        (400, "A message or note it cannot take (empty, binary), or a malformed "
         "Idempotency-Key."),
        (401, "No session token, or a malformed one."),
        (404, "No open session for this token (ended, expired or never was)."),
        (409, "The session is busy with another message, or (remember) has no turn yet or has "
         "kept its note already."),
        (410, "The session is past its hour and the grace for the close; it was closed."),
        (413, "The request or message is too large."),
        (422, "The body is not in the shape this endpoint takes."),
        (429, "Too many requests; see Retry-After."),
    )
}

router = APIRouter(prefix="/api", tags=["sessions"], responses=_ERRORS)

#: What an Idempotency-Key may be: a client's own opaque name for one message.
_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")

#: ``openapi_extra`` of the messages route: its optional Idempotency-Key header.
IDEMPOTENCY_KEY: dict[str, Any] = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "A fresh key of the client's choosing for each new message, and the "
            "same key when that message is sent again (after a timeout or a lost connection). "
            "A message with the key of the session's last answered one gets that answer again "
            "(200, the same body) and is not taken twice; only the last one is kept, so an "
            "older key is a new message. 1-64 characters of A-Z, a-z, 0-9, '-' and '_'; "
            "anything else is a 400.",
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
        }
    ]
}


def _json(model: BaseModel, status: int = 200) -> Response:
    """A model as a JSON response, serialised once (FastAPI would validate it again)."""
    return Response(model.model_dump_json(), status_code=status, media_type="application/json")


def _locale(raw: str | None) -> str | None:
    """A browser's ``en-GB`` as ``en_GB``."""
    if not raw:
        return None
    lang, _, region = raw.replace("-", "_").partition("_")
    return f"{lang.lower()}_{region.upper()}" if region else lang.lower()


def idempotency_key(request: Request) -> str | None:
    """The request's Idempotency-Key, or None; 400 when it is not 1-64 of [A-Za-z0-9_-]."""
    found = request.headers.getlist("idempotency-key")
    if not found:
        return None
    if len(found) > 1 or not _KEY.fullmatch(found[0]):
        raise Problem(400, "idempotency_key")
    return found[0]


async def _resent(s: Services, sid: str, key: str, parked: Parked) -> actions.Turn | None:
    """The last turn's answer again if it carried ``key``; else the turn's rate limit."""
    again = actions.answered(key, parked)
    if again is None:
        await s.limit(s.turns, sid)
    return again


async def answer(
    s: Services, token: str | None, text: str, channel: str, key: str | None = None
) -> TurnOut:
    """One turn for any channel: size, rate, then the session's reply; counted in metrics.

    A message sent with ``key``, the Idempotency-Key of the session's last answered turn, gets
    that turn's answer again: no new turn, no rate-limit token, nothing counted.
    """
    s.check_length(text)
    sid = session_id(token)
    resent: Callable[[Parked], Awaitable[actions.Turn | None]] | None = None
    if key is None:
        await s.limit(s.turns, sid)
    else:  # looked up, and rate-limited when new, under the session's lock
        resent = partial(_resent, s, sid, key)
    watch = Stopwatch()
    turn, _ = await s.desk.act(token, partial(actions.respond, text, key), before=resent)
    if turn.reply is None:
        return turn.out
    s.metrics.turn(channel, watch.seconds())
    s.metrics.engine_seconds.observe(turn.engine_seconds)
    s.metrics.replied(turn.reply)
    return turn.out


async def due_cue(s: Services, token: str | None) -> Cue:
    """A time cue if one is due now (for pages and sockets that tick while the person is quiet)."""
    (reply, time), _ = await s.desk.act(token, actions.due_cue)
    if reply is not None:
        s.metrics.replied(reply)
    return Cue(reply=ReplyOut.of(reply) if reply else None, time=time)


@router.post("/sessions", status_code=201, response_model=Created)
async def create_session(
    request: Request, body: Annotated[NewSession | None, Body()] = None
) -> Response:
    """Start a session: returns its token and the AI notice. Keep the token in memory only."""
    s = services_of(request)
    await s.limit(s.creates, await s.address_key(request))
    body = body or NewSession()
    continuity = handle = None
    if body.regular is not None:
        login = body.regular
        record = await to_thread.run_sync(
            s.vault.open, login.handle, login.passphrase, limiter=s.vault_slots
        )
        continuity, handle = record.note, record.handle
    token, (reply, time, minutes) = await s.desk.start(
        actions.notice,
        minutes=body.minutes,
        locale=_locale(body.locale),
        continuity=continuity,
        regular=handle,
    )
    s.metrics.sessions_started.inc()
    created = Created(
        token=token,
        notice=ReplyOut.of(reply),
        welcome_back=handle is not None,
        minutes=minutes,
        time=time,
    )
    return _json(created, 201)


@router.get("/session", response_model=Status, openapi_extra=BEARER)
async def session_status(request: Request) -> Response:
    """The session's phase and how much time is left."""
    found: Status
    found, _ = await services_of(request).desk.act(bearer_token(request), actions.status)
    return _json(found)


@router.post("/session/start", response_model=TurnOut, openapi_extra=BEARER)
async def start(request: Request, body: ReliefIn) -> Response:
    """Record the 0-10 check before the hour (null skips) and get the invitation to talk."""
    s = services_of(request)
    begin = partial(actions.begin, body.relief)
    (reply, time), _ = await s.desk.act(bearer_token(request), begin)
    s.metrics.replied(reply)
    return _json(TurnOut(reply=ReplyOut.of(reply), time=time))


@router.post(
    "/session/messages", response_model=TurnOut, openapi_extra=BEARER | IDEMPOTENCY_KEY
)
async def say(request: Request, body: Say) -> Response:
    """Send one message and get the listener's reply (the WebSocket does the same).

    With an Idempotency-Key the message is safe to send again: if its answer was lost on the
    way, the same key gets the same answer, and the message is taken once.
    """
    key = idempotency_key(request)
    turn = await answer(services_of(request), bearer_token(request), body.text, "http", key)
    return _json(turn)


@router.post("/session/cue", response_model=Cue, openapi_extra=BEARER)
async def cue(request: Request) -> Response:
    """A time cue if one is due now, else null; for clients that tick while the person is quiet."""
    return _json(await due_cue(services_of(request), bearer_token(request)))


@router.post("/session/summary", response_model=Summary, openapi_extra=BEARER)
async def summary(request: Request) -> Response:
    """A brief summary of what was heard; begins the close and offers a note to keep."""
    s = services_of(request)

    (reply, found), _ = await s.desk.act(bearer_token(request), actions.summarise)
    s.metrics.replied(reply)
    return _json(found)


@router.post("/session/remember", response_model=Remembered, openapi_extra=BEARER)
async def remember(request: Request, body: RememberIn) -> Response:
    """Keep the note the person approved, sealed under their passphrase (or a recovery phrase).

    Once per session, after at least one turn (409 otherwise), and rate-limited per address:
    each keeping is an Argon2id run of 64 MiB.
    """
    s = services_of(request)
    token = bearer_token(request)
    note = body.note.strip()
    if not note:
        raise Problem(400, "nothing_to_keep")
    (feelings, topics, handle), _ = await s.desk.act(token, actions.claim_note)
    if not body.keep_themes:
        feelings, topics = (), ()
    try:
        await s.limit(s.notes, await s.address_key(request))
        if handle is not None:
            if not body.passphrase:
                raise Problem(400, "passphrase_needed")
            kept = await to_thread.run_sync(
                s.vault.update, handle, body.passphrase, note, feelings, topics,
                limiter=s.vault_slots,
            )
        else:
            kept = await to_thread.run_sync(
                s.vault.create, note, feelings, topics, body.passphrase or None,
                limiter=s.vault_slots,
            )
    except Problem:
        await s.desk.act(token, actions.release_note)  # nothing was kept: it may be tried again
        raise
    return _json(kept)


@router.post("/session/close", response_model=Closed, openapi_extra=BEARER | IDEMPOTENCY_KEY)
async def close(request: Request, body: ReliefIn) -> Response:
    """Record the 0-10 check after the hour and say goodbye; the session is then deleted.

    With an Idempotency-Key the close is safe to send again for a minute: if its answer was
    lost on the way, the same key gets the same goodbye (and nothing else opens the session).
    """
    s = services_of(request)
    token = bearer_token(request)
    key = idempotency_key(request)
    again = partial(actions.kept_goodbye, key) if key else None
    bye, _ = await s.desk.act(token, partial(actions.goodbye, body.relief, key), before=again)
    if bye.reply is not None:
        await s.turns.forget(session_id(token))
        s.metrics.replied(bye.reply)
        s.metrics.ended("close")
    return _json(bye.out)


@router.delete("/session", status_code=204, response_class=Response, openapi_extra=BEARER)
async def quick_exit(request: Request) -> Response:
    """Quick exit: delete the session now, saying nothing. Its sealed state becomes unreadable."""
    s = services_of(request)
    token = bearer_token(request)
    if not await s.desk.drop(token):
        raise Problem(404, "no_session")
    await s.turns.forget(session_id(token))
    s.metrics.ended("exit")
    return Response(status_code=204)


@router.post(
    "/session/exit",
    status_code=204,
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"text/plain": {"schema": {"type": "string", "maxLength": 200}}},
        }
    },
)
async def quick_exit_beacon(request: Request) -> Response:
    """Quick exit for ``navigator.sendBeacon``, which cannot set headers: the token is the body.

    Always 204, whether or not there was a session, so it tells nothing to whoever sends it.
    """
    s = services_of(request)
    raw = (await request.body())[:200].decode("utf-8", errors="replace").strip()
    try:
        if raw and await s.desk.drop(raw):
            await s.turns.forget(session_id(raw))
            s.metrics.ended("exit")
    except Problem:
        pass  # a malformed token: nothing to drop, and nothing to say about it
    return Response(status_code=204)

