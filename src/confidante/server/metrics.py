"""Prometheus metrics: counts and timings only, never text, tokens, ids or addresses.

Every label takes its value from a closed set (a move's name, a risk level, a channel), so
nothing a person types can reach ``/metrics``. Each app has its own registry, so several apps in
one process (tests, the benchmark) never share or clash.

On a small deployment a figure that moves the moment one person speaks tells a watcher what
they said. So crisis referrals are published only per finished UTC day (by level and kind, and
in total), never live; the live figures count sessions, turns and moves, not what was said: the
crisis move is left out of the live count of moves, and the open sessions are rounded up to a
multiple of ``OPEN_STEP``. (``/metrics`` itself asks for the operator's token: see ``app``.)
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from prometheus_client import CONTENT_TYPE_LATEST as PROMETHEUS_CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from confidante.conversation import Assessment, Move, Reply, RiskKind, RiskLevel
from confidante.safety import ReferralCounter
from confidante.server.voice_metrics import VoiceFigures
from confidante.vault.tally import Tally
from confidante.voices.base import Voice
from confidante.voices.guarded import GuardedVoice

__all__ = ["PROMETHEUS_CONTENT_TYPE", "Metrics"]

CHANNELS = ("http", "websocket", "openai")
ENDINGS = ("close", "exit")
DAYS_KEPT = 30  # days of aggregate referral counts kept for the operator's report
OPEN_STEP = 10  # the open-sessions gauge moves in steps of this many, not with each person
#: Moves that tell what someone said: counted only in the finished days' referral figures.
UNPUBLISHED_MOVES = frozenset({Move.CRISIS})
_TURN_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The app's counters, gauges and histograms in a registry of its own."""

    def __init__(self, tally: Tally | None = None) -> None:
        self.tally = tally  # durable yearly counts in the vault's database (None: not kept)
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
            "confidante_sessions_open",
            f"Sessions open now in the session store, rounded up to a multiple of {OPEN_STEP} "
            "(-1: the store did not answer).",
            registry=r,
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
        # Counted here but not published live (registry=None): it would move the moment someone
        # discloses. The finished days' figures below carry the same counts.
        self.referrals = Counter(
            "confidante_crisis_referrals",
            "Crisis protocol replies (with human help), by risk level.",
            ["level"],
            registry=None,
        )
        # Per-day aggregates (counts by date, level and kind; nothing else) from the safety layer.
        self.daily_referrals = ReferralCounter()
        self.referrals_by_day = Gauge(
            "confidante_crisis_referrals_by_day",
            f"Crisis referrals per finished UTC day (last {DAYS_KEPT} days), by level or kind, "
            "and in total; today's appear tomorrow.",
            ["day", "count"],
            registry=r,
        )
        self.tasks = Counter(
            "confidante_frontend_tasks",
            "A chat front end's background task requests (title, tags...), answered without "
            "the listener, by the JSON key asked for.",
            ["kind"],
            registry=r,
        )
        self.errors = Counter(
            "confidante_errors", "Error responses, by status code.", ["status"], registry=r
        )
        self.clients_gone = Counter(
            "confidante_clients_gone",
            "Requests whose client hung up before the answer (logged as 499; not errors).",
            registry=r,
        )
        # Known label values are created up front so dashboards see zeros, not gaps; the ones
        # every turn touches are kept at hand (a label lookup takes a lock each time).
        self._turn_by_channel = {c: self.turn_seconds.labels(channel=c) for c in CHANNELS}
        self._moves = {
            move: self.moves.labels(move=move.value)
            for move in Move
            if move not in UNPUBLISHED_MOVES
        }
        for level in (RiskLevel.ELEVATED, RiskLevel.IMMINENT):
            self.referrals.labels(level=level.value)
        for how in ENDINGS:
            self.sessions_ended.labels(how=how)

    def replied(self, reply: Reply) -> None:
        """Count one reply by its move (not a crisis one: see the module docstring), and a crisis
        referral (an episode opened) by its level, for the finished days' figures."""
        counted = self._moves.get(Move(reply.move))
        if counted is not None:
            counted.inc()
        if reply.move is Move.CRISIS and reply.referral:
            self.referrals.labels(level=RiskLevel(reply.risk).value).inc()
            assessment = Assessment(RiskLevel(reply.risk), RiskKind(reply.kind))
            self.daily_referrals.record(assessment, _today())
            if self.tally is not None:  # a failed write never stops the reply
                self.tally.record(RiskKind(reply.kind))

    def watch_voice(self, voice: Voice) -> None:
        """Publish a model voice's fallbacks by reason and whether it answers (the phrasebook
        has neither): see ``voice_metrics``."""
        if isinstance(voice, GuardedVoice):
            self.registry.register(VoiceFigures(voice))

    def task(self, kind: str) -> None:
        """Count one front-end task request by its kind (a closed set from frontends.toml)."""
        self.tasks.labels(kind=kind).inc()

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

    def client_gone(self) -> None:
        """Count a request whose client hung up before it was answered."""
        self.clients_gone.inc()

    def render(self, open_sessions: int, today: date | None = None) -> bytes:
        """The exposition text, with the open-sessions gauge and the finished days' referral
        counts set just before (``today`` is for tests)."""
        today = today or _today()
        self.sessions_open.set(coarse(open_sessions))
        self.daily_referrals.forget_before(today - timedelta(days=DAYS_KEPT))
        self.referrals_by_day.clear()
        finished = today.isoformat()
        for day, counts in self.daily_referrals.counts().items():
            if day >= finished:
                continue  # a day still running would show each referral as it happens
            for key, value in counts.items():
                self.referrals_by_day.labels(day=day, count=key).set(value)
        return generate_latest(self.registry)


def coarse(count: int, step: int = OPEN_STEP) -> int:
    """``count`` rounded up to a multiple of ``step`` (0 and -1, the store down, stay)."""
    return count if count <= 0 else math.ceil(count / step) * step


def _today() -> date:
    return datetime.now(UTC).date()
