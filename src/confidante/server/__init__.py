"""The server: FastAPI app with the session API, its WebSocket, an OpenAI-compatible face and
the web page. Build it with ``create_app(settings)``; ``confidante serve`` runs it on uvicorn."""

from __future__ import annotations

from confidante.server.app import create_app
from confidante.server.limits import Limits, Rate

__all__ = ["Limits", "Rate", "create_app"]
