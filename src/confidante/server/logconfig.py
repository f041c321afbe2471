"""Logging for ``confidante serve``: uvicorn's startup lines and our own, never an address.

Uvicorn's access log (one line per request with the client's address) stays off, and its
WebSocket lines, which also name the client's address, are filtered out. What is left: startup
and shutdown, warnings, our one-line errors (exception types only) and, if asked, the discreet
request log of ``middleware.RequestLog``.
"""

from __future__ import annotations

import logging
from typing import Any


class NoAddresses(logging.Filter):
    """Drops uvicorn's per-connection lines, which begin with the client's address."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a ``'%s - "WebSocket ...'`` record (its first argument is the address)."""
        return not (isinstance(record.msg, str) and record.msg.startswith('%s - "WebSocket'))


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn and ``confidante.server``."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"no_addresses": {"()": NoAddresses}},
        "formatters": {
            "default": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(levelprefix)s %(message)s",
                "use_colors": None,
            }
        },
        "handlers": {
            "default": {
                "formatter": "default",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["no_addresses"],
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            # Nothing is ever sent to the access logger; this is belt and braces.
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "confidante.server": {"handlers": ["default"], "level": level, "propagate": False},
            # A model voice going down and coming back (never what was said).
            "confidante.voices": {"handlers": ["default"], "level": level, "propagate": False},
        },
    }
