"""Where Confidante keeps its files: one user directory, overridable for tests and servers."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "CONFIDANTE_HOME"


def user_dir(create: bool = True) -> Path:
    """The user directory (``$CONFIDANTE_HOME`` or the XDG data dir), made private (0700)."""
    override = os.environ.get(HOME_ENV)
    if override:
        path = Path(override).expanduser()
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / "confidante"
    if create:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def default_database_url() -> str:
    """SQLite file in the user directory: the regulars' vault when no server database is set."""
    return f"sqlite:///{user_dir() / 'vault.sqlite3'}"
