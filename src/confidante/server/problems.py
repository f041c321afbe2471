"""One JSON error shape for every error the server sends: ``{"ok": false, "error", "status"}``.

Routes raise ``Problem`` with a key into ``data/messages.toml``; Starlette's own errors (404, 405)
and FastAPI's validation errors (422) are rewritten into the same shape. A validation error lists
where and what (field location and error type) but never the value that was sent, because that
value may be what a person said. Unexpected errors become a bare 500 (see ``middleware.Shield``).
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


def problem_response(exc: Problem | RequestValidationError) -> Response:
    """The one-shape response for a route's deliberate error or a body it could not read."""
    if isinstance(exc, Problem):
        return error_response(exc.status, exc.text, headers=exc.headers)
    return error_response(
        422, message("errors.invalid"), errors=validation_errors(exc.errors())
    )


async def _on_problem(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return problem_response(exc)


async def _on_http(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    key = _ROUTING_KEYS.get(status)
    text = message(f"errors.{key}") if key else HTTPStatus(status).phrase
    return error_response(status, text, headers=exc.headers)


async def _on_validation(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem_response(exc)


def install(app: FastAPI) -> None:
    """Make every error ``app`` sends take the one JSON shape."""
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
