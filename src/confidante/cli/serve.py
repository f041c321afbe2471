"""``confidante serve``: the web page and the API on uvicorn, bound to this machine by default."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import typer

from confidante.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

_HOST_HELP = (
    "Address to listen on. The default, 127.0.0.1, lets only this machine connect: what people "
    "say should not be reachable from the network. To share it, put a reverse proxy with TLS in "
    "front and bind that proxy, not this, to the outside."
)
_WORKERS_HELP = (
    "Server processes on this port (default 1). Each answers any session, so more than one "
    "needs CONFIDANTE_REDIS_URL: sessions then wait in Redis, sealed, between turns. Use about "
    "one per core; for more machines, run replicas behind a load balancer (see deploy/)."
)
_FORWARDED_HELP = (
    "Addresses of your load balancer (comma-separated, or * when only it can reach this "
    "server). Its X-Forwarded-For then names each client, for the per-address rate limits "
    "only: addresses are keyed, never logged or stored. Default: trust no proxy header."
)
#: How ``--log-requests`` reaches worker processes, which build their own app.
_LOG_REQUESTS = "CONFIDANTE_LOG_REQUESTS"
#: ``CONFIDANTE_DEBUG=1`` logs tracebacks, which may show what was said: a developer's machine.
_DEBUG = "CONFIDANTE_DEBUG"


def worker_app() -> FastAPI:
    """The app as one of several uvicorn workers builds it: everything from the environment."""
    from confidante.server import create_app

    return create_app(
        Settings.from_env(),
        log_requests=os.environ.get(_LOG_REQUESTS) == "1",
        debug=os.environ.get(_DEBUG) == "1",
    )


def _refuse_engine_workers(value: int | None) -> None:
    from confidante.server.problems import message

    if value is not None:
        raise typer.BadParameter(message("serve.no_engine_workers"), param_hint="--engine-workers")


def uvicorn_options(forwarded_allow_ips: str = "") -> dict[str, Any]:
    """How ``serve`` runs uvicorn, but for the app, host, port and workers (benchmarks too)."""
    from confidante.server.deadlines import HeaderDeadline
    from confidante.server.logconfig import log_config

    return {
        "access_log": False,  # uvicorn's access log names every client's address
        "log_config": log_config(),
        "server_header": False,
        # Behind a load balancer every client would share its address, and so one rate limit;
        # otherwise X-Forwarded-For is never trusted: from anyone else it could say anything.
        "proxy_headers": bool(forwarded_allow_ips),
        "forwarded_allow_ips": forwarded_allow_ips or None,
        "ws_max_size": 1024 * 1024,
        "http": HeaderDeadline,  # slow clients' connections are closed, not held for ever
        "timeout_keep_alive": 5,
    }


def serve(
    host: str = typer.Option("127.0.0.1", "--host", envvar="CONFIDANTE_HOST", help=_HOST_HELP),
    port: int = typer.Option(
        8000, "--port", "-p", envvar="CONFIDANTE_PORT", min=1, max=65535, help="Port to listen on."
    ),
    workers: int = typer.Option(
        1, "--workers", "-w", envvar="CONFIDANTE_WORKERS", min=1, max=64, help=_WORKERS_HELP
    ),
    log_requests: bool = typer.Option(
        False,
        "--log-requests",
        envvar=_LOG_REQUESTS,
        help="Log each request's method, path, status and time (never addresses, tokens or text).",
    ),
    forwarded_allow_ips: str = typer.Option(
        "", "--forwarded-allow-ips", envvar="CONFIDANTE_FORWARDED_ALLOW_IPS", help=_FORWARDED_HELP
    ),
    engine_workers: int | None = typer.Option(None, "--engine-workers", hidden=True),
) -> None:
    """Serve the web page, the session API and an OpenAI-compatible API on uvicorn.

    One process by default, the listener in it; its sessions live in its memory, each reached
    only with its person's token.

    Set CONFIDANTE_REDIS_URL to keep them sealed in Redis instead, where several processes
    (--workers) or replicas behind a load balancer share them.

    No access log of addresses is kept.

    Example usage:

        confidante serve

        confidante serve --port 8080

        confidante serve --host 10.0.0.5 --forwarded-allow-ips 10.0.0.2   (behind a load balancer)

        CONFIDANTE_REDIS_URL=redis://127.0.0.1:6379/0 confidante serve --workers 2
    """
    import uvicorn

    from confidante.server import create_app
    from confidante.server.problems import message
    from confidante.voices.registry import load_voice

    _refuse_engine_workers(engine_workers)
    settings = Settings.from_env()
    if workers > 1 and not settings.redis_url:
        need = message("serve.workers_need_redis", workers=workers)
        raise typer.BadParameter(need, param_hint="--workers")
    if workers == 1:
        debug = os.environ.get(_DEBUG) == "1"
        app = create_app(settings, log_requests=log_requests, debug=debug)
        typer.echo(message("serve.listening", url=f"http://{host}:{port}/"))
        uvicorn.run(app, host=host, port=port, **uvicorn_options(forwarded_allow_ips))
        return
    # A model server is checked once here, so a wrong setting stops before any worker starts
    # (a local GGUF is not: it would be loaded once more, in this process, for nothing).
    if settings.voice != "llamacpp":
        load_voice(settings)
    typer.echo(message("serve.listening", url=f"http://{host}:{port}/"))
    # Each worker imports and builds the app itself; the options travel in the environment.
    os.environ[_LOG_REQUESTS] = "1" if log_requests else "0"
    uvicorn.run(
        "confidante.cli.serve:worker_app",
        factory=True,
        workers=workers,
        # A new worker imports the whole listener before it can answer uvicorn's health check
        # (seconds on a busy machine); past uvicorn's default of 5 s it would be killed, again
        # and again. A worker that stops answering for this long is replaced.
        timeout_worker_healthcheck=60,
        host=host,
        port=port,
        **uvicorn_options(forwarded_allow_ips),
    )
