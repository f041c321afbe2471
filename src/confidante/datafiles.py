"""Loading reviewed wording and lexicons shipped as TOML package data."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from confidante.errors import DataFileError


@cache
def load_toml(package: str, name: str) -> dict[str, Any]:
    """Parse ``name`` from ``package``'s data; a malformed file's error names file and line."""
    try:
        text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError) as err:
        raise DataFileError(
            f"{package}/{name} is missing; reinstall Confidante (pip install -e .)."
        ) from err
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        # tomllib's message carries "(at line N, column M)", so the reviewer can find the spot.
        raise DataFileError(f"{package}/{name}: {err}") from None


def text_at(data: dict[str, Any], path: str, source: str) -> str:
    """The string at dotted ``path`` in ``data``; a missing or non-string entry names the file."""
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise DataFileError(f"{source}: no entry '{path}'; add it to the data file.")
        node = node[part]
    if not isinstance(node, str):
        raise DataFileError(f"{source}: entry '{path}' must be text.")
    return node
