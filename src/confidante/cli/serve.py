"""``confidante serve``: the web page and the API on uvicorn, bound to this machine by default."""

from __future__ import annotations

import typer

from confidante.settings import Settings

_HOST_HELP = (
    "Address to listen on. The default, 127.0.0.1, lets only this machine connect: what people "
    "say should not be reachable from the network. To share it, put a reverse proxy with TLS in "
    "front and bind that proxy, not this, to the outside."
)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", envvar="CONFIDANTE_HOST", help=_HOST_HELP),
    port: int = typer.Option(
        8000, "--port", "-p", envvar="CONFIDANTE_PORT", min=1, max=65535, help="Port to listen on."
    ),
    log_requests: bool = typer.Option(
        False,
        "--log-requests",
        help="Log each request's method, path, status and time (never addresses, tokens or text).",
    ),
    engine_workers: int | None = typer.Option(
        None,
        "--engine-workers",
        "-w",
        min=0,
        max=64,
        help="Processes that run the listener beside the web process (default 1, or "
        "CONFIDANTE_ENGINE_WORKERS); sessions are shared out among them. 0 runs it in the web "
        "process. On a machine with more cores, more answer more people at once.",
        show_default=False,
    ),
) -> None:
    """Serve the web page, the session API and an OpenAI-compatible API on uvicorn.

    The listener runs in engine processes beside the web process (--engine-workers).

    Sessions live in their memory, each reached only with its person's token.

    Set CONFIDANTE_REDIS_URL to keep them sealed in Redis, shared by several servers.

    No access log of addresses is kept.

    Example usage:

        confidante serve

        confidante serve --port 8080

        confidante serve --engine-workers 3

        CONFIDANTE_REDIS_URL=redis://127.0.0.1:6379/0 confidante serve
    """
    import os

    import uvicorn

    from confidante.server import create_app
    from confidante.server.deadlines import HeaderDeadline
    from confidante.server.logconfig import log_config
    from confidante.server.problems import message

    settings = Settings.from_env()
    debug = os.environ.get("CONFIDANTE_DEBUG") == "1"  # tracebacks may show what was said
    app = create_app(
        settings, log_requests=log_requests, debug=debug, engine_workers=engine_workers
    )
    typer.echo(message("serve.listening", url=f"http://{host}:{port}/"))
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,  # uvicorn's access log names every client's address
        log_config=log_config(),
        server_header=False,
        proxy_headers=False,  # never trust X-Forwarded-For: it would only add addresses
        ws_max_size=1024 * 1024,
        http=HeaderDeadline,  # slow clients' connections are closed, not held for ever
        timeout_keep_alive=5,
    )
