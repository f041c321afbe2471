"""Process hardening for discretion: no core dumps that could hold what a person said."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import sys

_PR_SET_DUMPABLE = 4


def forbid_core_dumps() -> None:
    """Set the core-dump size limit to zero and, on Linux, mark the process non-dumpable.

    A crash then leaves no memory image on disk, and other processes of the same user cannot
    attach a debugger to read the conversation out of memory.
    """
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError, TypeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
