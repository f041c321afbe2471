"""The web page and its own files, served from package data (no third-party assets).

Only the files named here are served, read once when the app is made. ``/weather`` is the
neutral page a quick exit lands on: a plain page that says nothing about this service.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response

from confidante.server.problems import Problem

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
ASSETS = ("app.js", "style.css", "icon.svg", "neutral.css")


def _read(name: str) -> bytes:
    return resources.files("confidante.server").joinpath("static", name).read_bytes()


def _type(name: str) -> str:
    return _TYPES[name[name.rindex(".") :]]


def pages_router() -> APIRouter:
    """Routes for ``/``, ``/weather`` and ``/static/<asset>``, with the files read now."""
    files = {name: _read(name) for name in (*ASSETS, "index.html", "weather.html")}
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def index() -> Response:
        return Response(files["index.html"], media_type=_type("index.html"))

    @router.get("/weather")
    async def weather() -> Response:
        return Response(files["weather.html"], media_type=_type("weather.html"))

    @router.get("/static/{name}")
    async def asset(name: str) -> Response:
        if name not in ASSETS:
            raise Problem(404, "not_found")
        return Response(files[name], media_type=_type(name))

    return router
