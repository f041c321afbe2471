"""The session's fixed wording (relief check, time, input errors, terminal), from prompts.toml."""

from __future__ import annotations

from confidante.datafiles import load_toml, text_at

_PACKAGE = "confidante.session.data"
_NAME = "prompts.toml"


def prompt(path: str, **slots: object) -> str:
    """The reviewed text at dotted ``path`` (e.g. ``"time.left"``) with ``slots`` filled in."""
    text = text_at(load_toml(_PACKAGE, _NAME), path, f"session/data/{_NAME}")
    return text.format(**slots) if slots else text
