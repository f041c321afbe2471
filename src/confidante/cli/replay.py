"""``confidante replay``: JSON lines in, one JSON reply line out per input, for scripts."""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

import typer

from confidante.errors import InputError, SessionEndedError
from confidante.listener import Listener
from confidante.session.clock import ManualClock
from confidante.session.hour import Session


class Replayer:
    """Feeds lines to one session per conversation_id, in order, and yields reply records."""

    def __init__(self, listener: Listener, seed: int = 0, seconds_per_turn: float = 60.0) -> None:
        self._listener = listener
        self._seed = seed
        self._step = seconds_per_turn
        self._sessions: dict[str, tuple[Session, ManualClock]] = {}

    def _session(self, conversation_id: str) -> tuple[Session, ManualClock]:
        if conversation_id not in self._sessions:
            clock = ManualClock()
            # Each conversation gets its own seeded random source, so replays are repeatable.
            rng = random.Random(f"{self._seed}:{conversation_id}")
            session = self._listener.session(clock=clock, rng=rng)
            session.open()
            self._sessions[conversation_id] = (session, clock)
        return self._sessions[conversation_id]

    def reply(self, conversation_id: str, text: str) -> dict[str, Any]:
        """One reply record; raises InputError for a message the listener cannot take."""
        session, clock = self._session(conversation_id)
        clock.advance(self._step)
        reply = session.respond(text)
        return {
            "conversation_id": conversation_id,
            "reply": reply.text,
            "move": reply.move.value,
            "risk": reply.risk.value,
        }

    def run(self, lines: Iterable[str], errors: TextIO) -> Iterator[dict[str, Any]]:
        """Replies for good lines; a bad line gets an error on ``errors`` naming its number."""
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                conversation_id, text = _parse(line)
                yield self.reply(conversation_id, text)
            except (InputError, SessionEndedError, ValueError) as err:
                print(f"line {number}: {err}", file=errors)


def _parse(line: str) -> tuple[str, str]:
    """The conversation id and text of one JSON line, or a ValueError that never quotes it."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise ValueError(
            f"not valid JSON ({err.msg} at column {err.colno}); "
            'each line must look like {"conversation_id": "c1", "text": "..."}'
        ) from None
    if not isinstance(record, dict):
        raise ValueError('expected a JSON object like {"conversation_id": "c1", "text": "..."}')
    cid, text = record.get("conversation_id"), record.get("text")
    if not isinstance(cid, str | int) or isinstance(cid, bool) or str(cid) == "":
        raise ValueError('missing "conversation_id" (a non-empty string)')
    if not isinstance(text, str):
        raise ValueError('missing "text" (a string)')
    return str(cid), text


def replay(
    file: Path = typer.Argument(
        None, exists=True, dir_okay=False, readable=True,
        help="JSON lines file; reads standard input when left out.",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed for the wording choices."),
) -> None:
    """Answer JSON lines {"conversation_id", "text"} with one JSON line per input.

    Each conversation_id is its own session, in order. A bad line gets an error on stderr
    naming its line number, and the run goes on with the next line.

    Example usage:

        echo '{"conversation_id": "a", "text": "My wife ignores me."}' | confidante replay
    """
    replayer = Replayer(Listener.default(), seed=seed)
    source = sys.stdin if file is None else file.open(encoding="utf-8", errors="replace")
    with source:
        for record in replayer.run(source, sys.stderr):
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            sys.stdout.flush()
