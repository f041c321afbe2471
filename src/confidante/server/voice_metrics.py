"""A model voice's figures for ``/metrics``, read from the voice at each scrape.

``confidante_voice_fallbacks_total{reason}`` counts replies the phrasebook said instead of the
model, by reason id (``voices/health.py`` folds the ones that hint at what was said into
``content``); ``confidante_voice_up`` is 1 while the model answers and 0 from its first failure
until it answers again. The counts live in the voice itself (``GuardedVoice``), so the chat,
the benchmark and ``/metrics`` read the same figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from confidante.voices.guarded import GuardedVoice
from confidante.voices.health import VOICE_REASONS, published_reason


class VoiceFigures:
    """A Prometheus collector over one guarded model voice."""

    def __init__(self, voice: GuardedVoice) -> None:
        self._voice = voice

    def collect(self) -> Iterator[Metric]:
        """The fallbacks by published reason (zeros for the voice's own), and whether it is up."""
        counts: Counter[str] = Counter(dict.fromkeys(VOICE_REASONS, 0))
        for reason, n in self._voice.fallback_reasons().items():
            counts[published_reason(reason)] += n
        fallbacks = CounterMetricFamily(
            "confidante_voice_fallbacks",
            "Model replies said by the phrasebook instead, by reason: voice.* (the model server "
            "failed, was too slow, busy or left to rest), form.* and move.* (the reply broke a "
            "rule), content (it said something a listener must not).",
            labels=["reason"],
        )
        for reason in sorted(counts):
            fallbacks.add_metric([reason], counts[reason])
        yield fallbacks
        yield GaugeMetricFamily(
            "confidante_voice_up",
            "1 while the model voice answers; 0 from its first failure until it answers again "
            "(the phrasebook answers meanwhile).",
            value=1 if self._voice.health.up else 0,
        )
