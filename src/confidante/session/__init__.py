"""The hour: clock, phases, relief check, and what was said in this session (memory only)."""

from __future__ import annotations

from confidante.session.clock import Clock, ManualClock, SystemClock, WallClock
from confidante.session.hour import MemoryDraft, Session
from confidante.session.relief import parse_relief, relief_comment

__all__ = [
    "Clock",
    "ManualClock",
    "MemoryDraft",
    "Session",
    "SystemClock",
    "WallClock",
    "parse_relief",
    "relief_comment",
]
