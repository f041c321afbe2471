"""Aggregate counts of crisis referrals per day, for the server's metrics. Counts only, no text.

Nothing identifying is kept: not the message, not the session, not the time of day. Only the
number of referrals on a date, by level and by kind.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date

from confidante.conversation import Assessment


class ReferralCounter:
    """In-memory counts of crisis referrals (elevated or imminent assessments) by date."""

    def __init__(self) -> None:
        """Start with no counts."""
        self._lock = threading.Lock()
        self._counts: dict[date, Counter[str]] = {}

    def record(self, assessment: Assessment, day: date) -> bool:
        """Count one referral; returns False (and counts nothing) below elevated."""
        if not assessment.is_crisis:
            return False
        with self._lock:
            c = self._counts.setdefault(day, Counter())
            c["total"] += 1
            c[f"level.{assessment.level.value}"] += 1
            c[f"kind.{assessment.kind.value}"] += 1
        return True

    def counts(self) -> dict[str, dict[str, int]]:
        """Counts by ISO date: ``{"2026-11-25": {"total": 2, "level.imminent": 1, ...}}``."""
        with self._lock:
            return {d.isoformat(): dict(sorted(c.items())) for d, c in sorted(self._counts.items())}

    def forget_before(self, day: date) -> None:
        """Drop the counts of days before ``day`` (bounds memory on a long-running server)."""
        with self._lock:
            for d in [d for d in self._counts if d < day]:
                del self._counts[d]
