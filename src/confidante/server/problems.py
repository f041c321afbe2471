"""One JSON error shape for every error the server sends: ``{"ok": false, "error", "status"}``,
and OpenAI's, ``{"error": {"message", "type", "param", "code"}}``, under ``/v1``.

Routes raise ``Problem`` with a key into ``data/messages.toml``; Starlette's own errors (404, 405)
and FastAPI's validation errors (422) are rewritten into the same shape. A validation error lists
where and what (field location and error type) but never the value that was sent, because that
value may be what a person said. Unexpected errors become a bare 500 (see
``middleware.Gatekeeper``).

The OpenAI-compatible face (``completions``) answers in OpenAI's shape instead, so the ``openai``
client and front ends like Open WebUI show the message and not only "Error code: 404". The path
alone decides (``speaks_openai``), so the middleware's own refusals (413, 408, a bad Host) and
routing errors for unknown ``/v1`` paths take it too. There the ``code`` is the message's key
(a rule id, never text), and a body that is not JSON at all is a 400, as OpenAI answers it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from confidante.datafiles import load_toml, text_at

_PACKAGE = "confidante.server.data"
_NAME = "messages.toml"

#: What a 500 says: nothing more, whatever went wrong (the cause may quote a person's words).
INTERNAL = HTTPStatus.INTERNAL_SERVER_ERROR.phrase

# Starlette raises these for routing; each gets our own wording.
_ROUTING_KEYS = {404: "not_found", 405: "method"}

# OpenAI's error types by status; any other status is an invalid request in its words.
_OPENAI_TYPES = {
    401: "authentication_error",
    403: "permission_error",
    429: "rate_limit_error",
    500: "server_error",
    503: "server_error",
}
_OPENAI_PREFIX = "/v1"


def speaks_openai(path: str) -> bool:
    """True for the OpenAI-compatible face's paths, whose errors take OpenAI's shape."""
    return path == _OPENAI_PREFIX or path.startswith(_OPENAI_PREFIX + "/")


def message(key: str, **slots: object) -> str:
    """The reviewed text of the server message ``key`` with ``slots`` filled in."""
    text = text_at(load_toml(_PACKAGE, _NAME), key, f"server/data/{_NAME}")
    return text.format(**slots) if slots else text


class Problem(Exception):
    """An error a route raises on purpose; it becomes the JSON error body with ``status``."""

    def __init__(
        self,
        status: int,
        key: str,
        *,
        headers: Mapping[str, str] | None = None,
        text: str | None = None,
        **slots: object,
    ) -> None:
        self.status = status
        # ``text`` is for reviewed wording from another layer (the session's own prompts).
        self.text = text if text is not None else message(f"errors.{key}", **slots)
        self.headers = dict(headers or {})
        super().__init__(key)  # the key only: safe to appear in any log


def error_body(
    status: int, text: str, errors: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The error shape every route uses, as a JSON-ready dict."""
    body: dict[str, Any] = {"ok": False, "error": text, "status": status}
    if errors is not None:
        body["errors"] = list(errors)
    return body


def openai_body(status: int, text: str, code: str) -> dict[str, Any]:
    """OpenAI's error shape as a JSON-ready dict; ``code`` is a message key, never text."""
    kind = _OPENAI_TYPES.get(status, "invalid_request_error")
    return {"error": {"message": text, "type": kind, "param": None, "code": code}}


def body_for(path: str, status: int, code: str, text: str) -> dict[str, Any]:
    """The error body ``path`` answers with: OpenAI's shape under ``/v1``, else the one shape."""
    return openai_body(status, text, code) if speaks_openai(path) else error_body(status, text)


def error_response(
    status: int,
    text: str,
    *,
    headers: Mapping[str, str] | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
) -> JSONResponse:
    """A JSON error response in the one shape."""
    return JSONResponse(error_body(status, text, errors), status_code=status, headers=headers)


def validation_errors(raw: Sequence[Any]) -> list[dict[str, Any]]:
    """Where and what failed, without the input that failed (it may be a person's words)."""
    cleaned: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        cleaned.append(
            {
                "loc": [str(part) for part in item.get("loc", ())],
                "type": str(item.get("type", "invalid")),
            }
        )
    return cleaned


def problem_response(exc: Problem | RequestValidationError, path: str = "/") -> Response:
    """The response for a route's deliberate error or a body it could not read, in the shape
    ``path`` answers with."""
    if isinstance(exc, Problem):
        if speaks_openai(path):
            body = openai_body(exc.status, exc.text, str(exc.args[0]))
            return JSONResponse(body, status_code=exc.status, headers=exc.headers)
        return error_response(exc.status, exc.text, headers=exc.headers)
    errors = validation_errors(exc.errors())
    if not speaks_openai(path):
        return error_response(422, message("errors.invalid"), errors=errors)
    if any(e["type"] == "json_invalid" for e in errors):
        return JSONResponse(openai_body(400, message("errors.not_json"), "not_json"), 400)
    where = "; ".join(".".join(e["loc"]) for e in errors)
    text = f"{message('errors.invalid')} ({where})"
    return JSONResponse(openai_body(422, text, "invalid"), status_code=422)


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return problem_response(exc, request.url.path)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    key = _ROUTING_KEYS.get(status)
    text = message(f"errors.{key}") if key else HTTPStatus(status).phrase
    if speaks_openai(request.url.path):
        body = openai_body(status, text, key or "http_error")
        return JSONResponse(body, status_code=status, headers=exc.headers)
    return error_response(status, text, headers=exc.headers)


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem_response(exc, request.url.path)


def crash_response(request: Request) -> Response:
    """The bare 500 of an unexpected error, in the shape the request's path answers with."""
    body = body_for(request.url.path, 500, "internal", INTERNAL)
    return JSONResponse(body, status_code=500)


def install(app: FastAPI) -> None:
    """Make every error ``app`` sends take the one JSON shape."""
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
