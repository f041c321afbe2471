"""``confidante replay``: JSON lines in, exactly one JSON line out per input line, for scripts.

Output line N answers input line N, so the two files zip together. A line that cannot be
answered gets ``{"line": N, "error": "..."}`` (with ``conversation_id`` when it is known) in its
place, and the exit code is 1. Lines end at ``\\n``, ``\\r\\n`` or a bare ``\\r``; the input is
read as bytes and each line decoded on its own, so one undecodable line spoils only itself.
"""

from __future__ import annotations

import io
import json
import random
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import typer

from confidante.errors import ConfidanteError
from confidante.listener import Listener
from confidante.session.clock import ManualClock
from confidante.session.hour import Session

#: Longest input line read, in bytes; a longer one is skipped with an error, unread.
MAX_LINE_BYTES = 1 << 20

_LINE_END = re.compile(rb"\r\n|\r|\n")
_CHUNK = 1 << 16
_BOM = b"\xef\xbb\xbf"
_SHAPE = 'each line must look like {"conversation_id": "c1", "text": "..."}'

Record = dict[str, Any]


def read_lines(
    read: Callable[[int], bytes], max_bytes: int = MAX_LINE_BYTES
) -> Iterator[bytes | None]:
    """The input's lines without their ends, in order; ``None`` stands for one over ``max_bytes``.

    ``read(n)`` returns up to ``n`` bytes and ``b""`` at the end; it may return fewer (``read1``),
    so a line is answered as soon as it is complete.
    """
    carry = b""
    dropping = False  # inside a line already over max_bytes: skip to its end
    while data := read(_CHUNK):
        buffer = carry + data
        # A \r at the very end may be the first half of \r\n: keep it for the next read.
        hold = b"\r" if buffer.endswith(b"\r") else b""
        *done, carry = _LINE_END.split(buffer[: len(buffer) - len(hold)])
        for line in done:
            if dropping:
                dropping = False
                yield None
            else:
                yield None if len(line) > max_bytes else line
        if dropping or len(carry) > max_bytes:
            dropping, carry = True, b""
        carry += hold
    if dropping:
        yield None
    elif carry:
        # At the end a held \r ends its line; nothing else in carry can be a line end.
        last = carry.removesuffix(b"\r")
        yield None if len(last) > max_bytes else last


class _LineError(Exception):
    """A line that cannot be answered; the message never quotes the line."""

    def __init__(self, message: str, conversation_id: str | None = None) -> None:
        super().__init__(message)
        self.conversation_id = conversation_id


class Replayer:
    """Feeds lines to one session per conversation_id, in order, and yields one record per line."""

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

    def reply(self, conversation_id: str, text: str) -> Record:
        """One reply record; raises ``InputError`` for a message the listener cannot take."""
        session, clock = self._session(conversation_id)
        clock.advance(self._step)
        reply = session.respond(text)
        return {
            "conversation_id": conversation_id,
            "reply": reply.text,
            "move": reply.move.value,
            "risk": reply.risk.value,
        }

    def answer(self, number: int, line: bytes | None) -> Record:
        """The record for input line ``number``: a reply, or an ``error`` saying what to fix."""
        try:
            conversation_id, text = _parse(line)
            try:
                return {"line": number, **self.reply(conversation_id, text)}
            except ConfidanteError as err:  # our errors never quote the message
                raise _LineError(str(err), conversation_id) from None
        except _LineError as err:
            record: Record = {"line": number}
            if err.conversation_id is not None:
                record["conversation_id"] = err.conversation_id
            return {**record, "error": str(err)}

    def run(self, lines: Iterable[bytes | None]) -> Iterator[Record]:
        """One record per line of ``lines`` (as ``read_lines`` gives them), numbered from 1."""
        for number, line in enumerate(lines, start=1):
            if number == 1 and line is not None:
                line = line.removeprefix(_BOM)  # editors on Windows start UTF-8 files with one
            yield self.answer(number, line)


def _parse(line: bytes | None) -> tuple[str, str]:
    """The conversation id and text of one input line, or a ``_LineError`` that never quotes it."""
    if line is None:
        raise _LineError(
            f"line is longer than {MAX_LINE_BYTES} bytes, so it was not read; "
            "send a long text as several lines with the same conversation_id"
        )
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _LineError(
            f"not valid UTF-8 (byte {err.start + 1} of the line); save the input as UTF-8"
        ) from None
    if not decoded.strip():
        raise _LineError(f"blank line; {_SHAPE}")
    try:
        record = json.loads(decoded)
    except json.JSONDecodeError as err:
        raise _LineError(f"not valid JSON ({err.msg} at column {err.colno}); {_SHAPE}") from None
    if not isinstance(record, dict):
        raise _LineError(f"expected a JSON object; {_SHAPE}")
    cid, text = record.get("conversation_id"), record.get("text")
    if not isinstance(cid, str | int) or isinstance(cid, bool) or str(cid) == "":
        raise _LineError('missing "conversation_id" (a non-empty string)')
    if not isinstance(text, str):
        raise _LineError('missing "text" (a string)', str(cid))
    return str(cid), text


def _read_function(stream: BinaryIO) -> Callable[[int], bytes]:
    """``read1`` where the stream has it, so a line piped in is answered before more arrive."""
    if isinstance(stream, io.BufferedIOBase):
        return stream.read1
    return stream.read


def replay(
    file: Path = typer.Argument(
        None, exists=True, dir_okay=False, readable=True,
        help="JSON lines file; reads standard input when left out.",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed for the wording choices."),
) -> None:
    """Answer JSON lines {"conversation_id", "text"} with exactly one JSON line per input line.

    Each conversation_id is its own session, in order. Output line N answers input line N; a
    line that cannot be answered gets {"line": N, "error": "..."} instead, the run goes on, and
    the exit code is 1.

    Example usage:

        echo '{"conversation_id": "a", "text": "My wife ignores me."}' | confidante replay
    """
    replayer = Replayer(Listener.default(), seed=seed)
    stream: BinaryIO = sys.stdin.buffer if file is None else file.open("rb")
    failed = total = 0
    with stream:
        for record in replayer.run(read_lines(_read_function(stream))):
            total += 1
            failed += "error" in record
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    if failed:
        typer.echo(
            f"{failed} of {total} lines could not be answered; "
            'their output lines have an "error" saying what to fix.',
            err=True,
        )
        raise typer.Exit(1)
