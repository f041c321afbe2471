"""Reading the safety package's data files (TOML, JSON, npz) from package resources."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from confidante.errors import DataFileError

_PACKAGE = "confidante.safety"


def resource(path: str) -> Traversable:
    """A file inside the safety package, e.g. ``data/lexicon.toml``."""
    return resources.files(_PACKAGE).joinpath(path)


def read_toml(path: str) -> dict[str, Any]:
    """Parse a packaged TOML file; a syntax error names the file and line."""
    try:
        return tomllib.loads(resource(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as ex:
        # tomllib's message carries "(at line N, column M)"; it never holds user text.
        raise DataFileError(f"safety/{path}: {ex}; fix the file and reinstall") from None
    except FileNotFoundError:
        raise DataFileError(f"safety/{path} is missing; reinstall confidante") from None


def read_json(path: str) -> Any:
    """Parse a packaged JSON file; a syntax error names the file and line."""
    try:
        return json.loads(resource(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as ex:
        raise DataFileError(f"safety/{path}:{ex.lineno}: {ex.msg}; fix the file") from None
    except FileNotFoundError:
        raise DataFileError(f"safety/{path} is missing; reinstall confidante") from None


def require(data: dict[str, Any], key: str, where: str) -> Any:
    """``data[key]``, or a DataFileError naming the file and the missing key."""
    if key not in data:
        raise DataFileError(f"safety/{where}: missing key {key!r}; add it to the file")
    return data[key]
