"""What a request does to its session, as plain module-level functions.

Each action takes its arguments first and the ``Live`` session last, so a route binds the
arguments with ``functools.partial`` and hands the result to the desk, which runs it between
reading the session and writing it back. Every channel (HTTP, WebSocket, ``/v1``) uses the same
actions, so the logic of a turn lives in one place.
"""

from __future__ import annotations

from typing import NamedTuple

from confidante.conversation import Reply
from confidante.errors import InputError
from confidante.server.desk import CLOSE_MARK, Live, input_problem
from confidante.server.problems import Problem
from confidante.server.schemas import Closed, Draft, ReplyOut, Status, Summary, TimeOut, TurnOut
from confidante.server.services import Stopwatch
from confidante.server.store import Parked


class Turn(NamedTuple):
    """One answered message: the body to send, the reply behind it and the engine's seconds.
    ``reply`` is None when the body is an earlier answer, sent again for a resent message."""

    out: TurnOut
    reply: Reply | None = None
    engine_seconds: float = 0.0


def respond(text: str, key: str | None, live: Live) -> Turn:
    """The listener's reply to ``text`` and where the hour stands. The session keeps ``key``
    (a client's Idempotency-Key, or None) and this answer as its last answered turn."""
    engine = Stopwatch()
    try:
        reply = live.session.respond(text)
    except InputError as err:
        raise input_problem(err) from None
    seconds = engine.seconds()
    out = TurnOut.model_construct(reply=ReplyOut.of(reply), time=TimeOut.of(live.session))
    live.answered = (key, out.model_dump_json()) if key else None
    return Turn(out, reply, seconds)


def answered(key: str, parked: Parked) -> Turn | None:
    """The session's last answered turn again if it carried ``key``, else None (a new one)."""
    if parked.answered is None or parked.answered[0] != key:
        return None
    return Turn(TurnOut.model_validate_json(parked.answered[1]))


def due_cue(live: Live) -> tuple[Reply | None, TimeOut]:
    """A time cue if one is due now, and where the hour stands."""
    return live.session.due_cue(), TimeOut.of(live.session)


def notice(live: Live) -> tuple[Reply, TimeOut, int]:
    """The AI notice of a new session, its time and its length in minutes."""
    return live.session.disclosure(), TimeOut.of(live.session), live.session.state.minutes


def status(live: Live) -> Status:
    """The session's phase and time."""
    return Status(phase=live.session.state.phase.value, time=TimeOut.of(live.session))


def time_of(live: Live) -> TimeOut:
    """Where the hour stands."""
    return TimeOut.of(live.session)


def begin(relief: int | None, live: Live) -> tuple[Reply, TimeOut]:
    """Record the 0-10 check before the hour and give the invitation."""
    live.session.set_relief_before(relief)
    return live.session.open(), TimeOut.of(live.session)


def summarise(live: Live) -> tuple[Reply, Summary]:
    """The summary that begins the close, with a note offered to keep when something was said."""
    session = live.session
    spoken = bool(session.state.turns)
    reply = session.summary()
    draft = session.memory_draft()  # built from the state, so it survives a rebuild
    offered = (
        Draft(note=draft.note, feelings=list(draft.feelings), topics=list(draft.topics))
        if spoken and draft.note
        else None
    )
    return reply, Summary(reply=ReplyOut.of(reply), draft=offered, regular=live.regular is not None)


def claim_note(live: Live) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
    """Take the session's one note: 409 before any turn or once kept; returns the draft's
    feelings and topics, and the regular's handle if there is one."""
    if not live.session.state.turns:
        raise Problem(409, "too_soon")
    if live.note_kept:
        raise Problem(409, "already_kept")
    live.note_kept = True
    draft = live.session.memory_draft()
    return draft.feelings, draft.topics, live.regular


def release_note(live: Live) -> None:
    """Give the note back when keeping it failed (a wrong passphrase), so it may be tried again."""
    live.note_kept = False


def finish(relief: int | None, live: Live) -> Reply:
    """Record the 0-10 check after the hour and say goodbye (the session then closes)."""
    live.session.set_relief_after(relief)
    return live.session.close()


class Goodbye(NamedTuple):
    """The close's body and the reply behind it (None when the body is a kept one, sent again)."""

    out: Closed
    reply: Reply | None = None


def goodbye(relief: int | None, key: str | None, live: Live) -> Goodbye:
    """``finish``, keeping the goodbye under the close's Idempotency-Key when it has one."""
    reply = finish(relief, live)
    out = Closed(reply=ReplyOut.of(reply))
    live.answered = (CLOSE_MARK + key, out.model_dump_json()) if key else None
    return Goodbye(out, reply)


async def kept_goodbye(key: str, parked: Parked) -> Goodbye | None:
    """The goodbye kept for a close sent before with ``key``, else None (a close to make)."""
    if parked.answered is None or parked.answered[0] != CLOSE_MARK + key:
        return None
    return Goodbye(Closed.model_validate_json(parked.answered[1]))
