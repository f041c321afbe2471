"""Frames between the web process and its engine processes: a 4-byte length, then a pickle.

Both ends are this program, joined by a socketpair the web process makes before it starts the
engine process, so nothing else can write to the socket and pickle is safe on it. Frames carry
what people say and their session tokens; they live in socket buffers only, never on disk.

Requests are ``(id, kind, packed args)``; replies are ``(id, "ok", packed value)``,
``(id, "problem", status, key, text, headers)`` for a deliberate HTTP error, or
``(id, "error", type_name)`` for anything unexpected (the type only: its text may quote a person).
Arguments and values are packed (pickled) apart from the frame, so one that cannot be unpacked
fails its own request, which the id still names, and never the stream.
"""

from __future__ import annotations

import asyncio
import pickle
import struct
from typing import Any

_LENGTH = struct.Struct("!I")

#: Larger than any request the limits admit; a longer frame means the stream is out of step.
MAX_FRAME = 64 * 1024 * 1024


class FrameError(Exception):
    """The other end sent something that is not a frame (it is not this program, or it broke)."""


def pack(value: Any) -> bytes:
    """``value`` as bytes to put inside a frame."""
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def unpack(packed: bytes) -> Any:
    """What ``pack`` packed."""
    return pickle.loads(packed)


def encode(message: Any) -> bytes:
    """``message`` as one frame."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(body)) + body


async def read_frame(reader: asyncio.StreamReader) -> Any | None:
    """The next message, or None when the other end has closed the socket."""
    try:
        head = await reader.readexactly(_LENGTH.size)
        (size,) = _LENGTH.unpack(head)
        if size > MAX_FRAME:
            raise FrameError(f"a frame of {size} bytes is over the {MAX_FRAME}-byte limit")
        body = await reader.readexactly(size)
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    return pickle.loads(body)
