"""A running Confidante leaves no core dump and cannot be attached to by other processes."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_core_dumps_are_forbidden_in_the_cli_process() -> None:
    code = (
        "import resource; from confidante.hardening import forbid_core_dumps; "
        "forbid_core_dumps(); print(resource.getrlimit(resource.RLIMIT_CORE))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(0, 0)"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux only")
def test_the_process_is_not_dumpable() -> None:
    code = (
        "import ctypes; libc = ctypes.CDLL('libc.so.6'); before = libc.prctl(3, 0, 0, 0, 0); "
        "from confidante.hardening import forbid_core_dumps; forbid_core_dumps(); "
        "print(before, libc.prctl(3, 0, 0, 0, 0))"  # 3 is PR_GET_DUMPABLE
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "0"]
