"""Prometheus metrics: counts and timings only, never text, tokens, ids or addresses.

Every label takes its value from a closed set (a move's name, a risk level, a channel), so
nothing a person types can reach ``/metrics``. Each app has its own registry, so several apps in
one process (tests, the benchmark) never share or clash.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from prometheus_client import CONTENT_TYPE_LATEST as PROMETHEUS_CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from confidante.conversation import Assessment, Move, Reply, RiskKind, RiskLevel
from confidante.safety import ReferralCounter

__all__ = ["PROMETHEUS_CONTENT_TYPE", "Metrics"]

CHANNELS = ("http", "websocket", "openai")
ENDINGS = ("close", "exit")
DAYS_KEPT = 30  # days of aggregate referral counts kept for the operator's report
_TURN_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The app's counters, gauges and histograms in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.turn_seconds = Histogram(
            "confidante_turn_seconds",
            "Time to answer one message, by channel.",
            ["channel"],
            buckets=_TURN_BUCKETS,
            registry=r,
        )
        self.engine_seconds = Histogram(
            "confidante_engine_seconds",
            "Time the listener itself took to answer one message (no HTTP, no store).",
            buckets=_TURN_BUCKETS,
            registry=r,
        )
        self.sessions_open = Gauge(
            "confidante_sessions_open", "Sessions open now in the session store.", registry=r
        )
        self.sessions_started = Counter(
            "confidante_sessions_started", "Sessions started.", registry=r
        )
        self.sessions_ended = Counter(
            "confidante_sessions_ended", "Sessions ended, by how (close or quick exit).",
            ["how"], registry=r,
        )
        self.moves = Counter(
            "confidante_moves", "Listener replies, by move.", ["move"], registry=r
        )
        self.referrals = Counter(
            "confidante_crisis_referrals",
            "Crisis protocol replies (with human help), by risk level.",
            ["level"],
            registry=r,
        )
        # Per-day aggregates (counts by date, level and kind; nothing else) from the safety layer.
        self.daily_referrals = ReferralCounter()
        self.referrals_by_day = Gauge(
            "confidante_crisis_referrals_by_day",
            f"Crisis referrals per UTC day (last {DAYS_KEPT} days), by level or kind.",
            ["day", "count"],
            registry=r,
        )
        self.errors = Counter(
            "confidante_errors", "Error responses, by status code.", ["status"], registry=r
        )
        # Known label values are created up front so dashboards see zeros, not gaps; the ones
        # every turn touches are kept at hand (a label lookup takes a lock each time).
        self._turn_by_channel = {c: self.turn_seconds.labels(channel=c) for c in CHANNELS}
        self._moves = {move: self.moves.labels(move=move.value) for move in Move}
        for level in (RiskLevel.ELEVATED, RiskLevel.IMMINENT):
            self.referrals.labels(level=level.value)
        for how in ENDINGS:
            self.sessions_ended.labels(how=how)

    def replied(self, reply: Reply) -> None:
        """Count one reply by its move, and a crisis referral (an episode opened) by its level."""
        self._moves[Move(reply.move)].inc()
        if reply.move is Move.CRISIS and reply.referral:
            self.referrals.labels(level=RiskLevel(reply.risk).value).inc()
            assessment = Assessment(RiskLevel(reply.risk), RiskKind(reply.kind))
            self.daily_referrals.record(assessment, _today())

    def turn(self, channel: str, seconds: float) -> None:
        """Record how long one turn took on ``channel``."""
        found = self._turn_by_channel.get(channel)
        if found is not None:
            found.observe(seconds)

    def ended(self, how: str) -> None:
        """Count a session that ended by ``how`` (close or exit)."""
        if how in ENDINGS:
            self.sessions_ended.labels(how=how).inc()

    def error(self, status: int) -> None:
        """Count an error response by its status code."""
        if 400 <= status < 600:
            self.errors.labels(status=str(status)).inc()

    def render(self, open_sessions: int) -> bytes:
        """The exposition text, with the open-sessions gauge set just before."""
        self.sessions_open.set(open_sessions)
        self.daily_referrals.forget_before(_today() - timedelta(days=DAYS_KEPT - 1))
        self.referrals_by_day.clear()
        for day, counts in self.daily_referrals.counts().items():
            for key, value in counts.items():
                self.referrals_by_day.labels(day=day, count=key).set(value)
        return generate_latest(self.registry)


def _today() -> date:
    return datetime.now(UTC).date()
