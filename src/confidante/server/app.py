"""``create_app``: the FastAPI app over one desk of sessions; nothing is made at import time.

Routes (all errors in one JSON shape, ``{"ok": false, "error", "status"}``):

* ``/`` the web page, ``/weather`` the neutral quick-exit page, ``/static/*`` their files;
* ``/api/sessions`` and ``/api/session/*`` the session API, ``/api/session/stream`` its WebSocket;
* ``/v1/models`` and ``/v1/chat/completions`` for OpenAI clients;
* ``/healthz``, ``/metrics`` (Prometheus; counts and timings only, behind the operator's
  token ``CONFIDANTE_METRICS_TOKEN``), ``/openapi.json``.

Every request must name an allowed host (``CONFIDANTE_ALLOWED_HOSTS``; see ``hosts``).

One app is one process: the listener runs in it (blocking voices in worker threads, see
``desk``), and every route has one path, through FastAPI. For more cores or machines, run more
processes of the same app over one Redis (``confidante serve --workers N``, or replicas behind
a load balancer: see ``deploy/``).
"""

from __future__ import annotations

import gc
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from redis.asyncio import Redis

from confidante import __version__
from confidante.listener import Listener
from confidante.server import api, completions, stream
from confidante.server.desk import Desk
from confidante.server.hosts import HostList
from confidante.server.limits import Limits
from confidante.server.metrics import PROMETHEUS_CONTENT_TYPE, Metrics
from confidante.server.middleware import Gatekeeper
from confidante.server.pages import pages_router
from confidante.server.problems import error_response, install, message
from confidante.server.schemas import ErrorBody, Health
from confidante.server.services import Services, bearer_token, declare_bearer, services_of
from confidante.server.store import SessionStore, StoreDown, store_for
from confidante.session.clock import Clock, WallClock
from confidante.settings import Settings
from confidante.vault.tally import Tally
from confidante.voices.guarded import voice_health

_DESCRIPTION = (
    "Confidante listens for an hour, then forgets. It is an AI, not a therapist and not a person. "
    "Start a session with POST /api/sessions and send its token as Authorization: Bearer."
)


def create_app(
    settings: Settings,
    listener: Listener | None = None,
    *,
    clock: Clock | None = None,
    store: SessionStore | None = None,
    limits: Limits | None = None,
    log_requests: bool = False,
    debug: bool = False,
) -> FastAPI:
    """The app for ``settings``; pass ``listener``, ``clock``, ``store`` or ``limits`` in tests.

    The clock defaults to wall-clock time because session state may move between replicas.
    ``log_requests`` logs each request's method, path, status and time; ``debug`` logs the
    traceback of an unexpected error (it may show what was said: a developer's machine only).
    """
    limits = limits or Limits()
    hosts = HostList(settings.allowed_hosts)  # a malformed pattern stops here, not per request
    desk = Desk(
        listener or Listener.default(settings),
        store or store_for(settings.redis_url),
        clock or WallClock(),
        idle_seconds=limits.idle_seconds,
    )
    # Replicas over Redis share their rate limits there (sessions go through the desk's store).
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    # Every referral is also counted for good, per day and kind, in the vault's database.
    tally = Tally(settings.database_url or None)
    shared = Services(
        settings=settings, desk=desk, limits=limits, redis=redis, metrics=Metrics(tally)
    )
    # A model voice's fallbacks by reason and whether it answers; the phrasebook has neither.
    shared.metrics.watch_voice(desk.listener.voice)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The listener's tables are made once and kept for good: moved out of the collector's
        # sight, a full collection under load scans only what requests made, not all of them
        # (otherwise it stops every request in flight for tens of milliseconds).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()  # what this app made may be collected again once it has stopped
            await desk.aclose()
            shared.vault.close()
            if redis is not None:
                await redis.aclose()

    app = FastAPI(
        title="Confidante",
        version=__version__,
        description=_DESCRIPTION,
        # Swagger UI and ReDoc load scripts from a CDN: no third-party assets, so only the schema.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # FastAPI's own OpenTelemetry would record addresses and paths if a provider were set.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.services = shared
    install(app)  # the one error shape; the one 500 is the gatekeeper's (``middleware.Gatekeeper``)
    declare_bearer(app)

    app.include_router(api.router)
    app.include_router(stream.router)
    app.include_router(completions.router)
    app.include_router(pages_router())

    @app.get("/healthz", response_model=Health, tags=["operations"])
    async def healthz(request: Request) -> Response:
        """Liveness and whether the session store answers (503 when it does not)."""
        s = services_of(request)
        up = await s.desk.ping()
        text = message("health.ok") if up else message("errors.unavailable")
        health = voice_health(s.desk.listener.voice)
        voice = "builtin" if health is None else ("up" if health.up else "down")
        body = Health(ok=up, store=s.desk.store_name, text=text, voice=voice)
        return JSONResponse(body.model_dump(), status_code=200 if up else 503)

    @app.get(
        "/metrics",
        tags=["operations"],
        response_class=Response,
        responses={
            200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
            403: {"model": ErrorBody, "description": "No metrics token set, or another one sent."},
        },
    )
    async def metrics(request: Request) -> Response:
        """Prometheus metrics for the operator (their token as Bearer): counts and timings only."""
        s = services_of(request)
        expected = s.settings.metrics_token.encode()
        sent = (bearer_token(request) or "").encode()
        if not expected or not hmac.compare_digest(sent, expected):
            return error_response(403, message("errors.metrics_closed"))
        try:
            open_sessions = await s.desk.count()
        except StoreDown:
            open_sessions = -1  # the store did not answer; the other figures still stand
        return Response(s.metrics.render(open_sessions), media_type=PROMETHEUS_CONTENT_TYPE)

    def body_limit(path: str) -> int:
        return limits.completions_body_bytes if path.startswith("/v1/") else limits.body_bytes

    app.add_middleware(
        Gatekeeper,
        metrics=shared.metrics,
        limit_for=body_limit,
        hosts=hosts,
        log=log_requests,
        debug=debug,
    )
    return app
