"""The public API is what __all__ says, and every public name has a docstring."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import confidante


def test_public_api() -> None:
    assert set(confidante.__all__) >= {"Listener", "Session", "Settings", "Reply", "Move", "ManualClock"}
    for name in confidante.__all__:
        assert hasattr(confidante, name), name


def test_every_public_name_has_a_docstring() -> None:
    missing = []
    for info in pkgutil.walk_packages(confidante.__path__, "confidante."):
        if ".migrations" in info.name or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        if not module.__doc__:
            missing.append(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and not obj.__doc__:
                missing.append(f"{info.name}.{name}")
    assert missing == []
