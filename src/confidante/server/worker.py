"""An engine process: the listener and the sessions of one shard, answering the web process.

``EnginePool`` starts it as ``python -m confidante.server.worker FD``, where FD is its end of a
socketpair. The first frame brings ``Settings`` and the idle time; the process builds its own
listener, store and ``Desk``, then says it is ready and answers requests (see ``wire``) until
the web process closes the socket, which it also notices if the web process dies. It ignores
Ctrl-C (the web process owns the terminal and shuts it down) and, like the chat, never writes a
core dump. Requests run as tasks in arrival order, so with the memory store every session's turn
waits only for the turns that came before it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import socket
import sys
from typing import Any

from confidante.hardening import forbid_core_dumps
from confidante.listener import Listener
from confidante.server.desk import Desk
from confidante.server.problems import Problem
from confidante.server.store import store_for
from confidante.server.wire import encode, pack, read_frame, unpack
from confidante.session.clock import WallClock

log = logging.getLogger("confidante.server")


async def _do(desk: Desk, kind: str, args: tuple[Any, ...]) -> Any:
    """Carry out one request on the desk."""
    if kind == "act":
        token, action = args
        return await desk.act(token, action)
    if kind == "start":
        issued, action, options = args
        return await desk.start(action, issued=issued, **options)
    if kind == "drop":
        return await desk.drop(args[0])
    if kind == "run":
        fn = args[0]
        return fn(desk.listener)  # this process has nothing else to do meanwhile but queue
    if kind == "count":
        return await desk.count()
    if kind == "ping":
        return await desk.ping()
    raise ValueError("unknown request kind")


async def _answer(desk: Desk, frame: tuple[Any, ...], writer: asyncio.StreamWriter) -> None:
    rid, kind, packed = frame
    reply: tuple[Any, ...]
    try:
        reply = (rid, "ok", pack(await _do(desk, kind, tuple(unpack(packed)))))
    except Problem as problem:
        reply = (rid, "problem", problem.status, problem.args[0], problem.text, problem.headers)
    except Exception as err:
        log.error("unexpected %s in an engine process", type(err).__name__)
        reply = (rid, "error", type(err).__name__)
    try:
        payload = encode(reply)
    except Exception as err:  # a result that cannot cross: say so, never its content
        payload = encode((rid, "error", type(err).__name__))
    writer.write(payload)


async def serve(sock: socket.socket) -> None:
    """Build the desk from the first frame, then answer frames until the socket closes."""
    reader, writer = await asyncio.open_connection(sock=sock)
    config = await read_frame(reader)
    if config is None:
        return
    settings, idle_seconds = config
    listener = Listener.default(settings)
    desk = Desk(listener, store_for(settings.redis_url), WallClock(), idle_seconds=idle_seconds)
    # As in the web process: the listener's tables are kept for good, out of the collector's way.
    gc.collect()
    gc.freeze()
    writer.write(encode((0, "ok", "ready")))
    in_flight: set[asyncio.Task[None]] = set()
    try:
        while (frame := await read_frame(reader)) is not None:
            task = asyncio.create_task(_answer(desk, frame, writer))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
    finally:
        for task in in_flight:
            task.cancel()  # the web process is gone: there is nobody to answer
        await desk.aclose()
        writer.close()


def main(argv: list[str] | None = None) -> int:
    """Run an engine process on the socket whose file descriptor is the one argument."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        print("This is started by `confidante serve`, not by hand.", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    forbid_core_dumps()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s:     %(message)s")
    sock = socket.socket(fileno=int(args[0]))
    try:
        import uvloop  # uvicorn's own loop, when installed: fewer cycles per frame
    except ImportError:
        asyncio.run(serve(sock))
    else:
        uvloop.run(serve(sock))
    return 0


if __name__ == "__main__":
    sys.exit(main())
