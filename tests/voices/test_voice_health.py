"""A model voice that stops answering is noticed on that turn, said once, counted, and recovered."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from confidante.conversation import Move
from confidante.errors import VoiceError
from confidante.listening.plan import Plan
from confidante.server.metrics import Metrics
from confidante.voices.base import VoiceBusyError, VoiceContext, VoiceTimeoutError
from confidante.voices.fake import FakeVoice
from confidante.voices.guarded import GuardedVoice, voice_health
from confidante.voices.health import HealthWatch, VoiceHealth, published_reason, status_notice
from confidante.voices.phrasebook import Phrasebook

GOOD = "It sounds like the evenings are long."


class Flaky:
    """A model voice whose next outcomes are scripted: a reply, or an error to raise."""

    name = "flaky"
    where = "http://127.0.0.1:9/v1"

    def __init__(self, outcomes: list[str | VoiceError]) -> None:
        self.outcomes = outcomes

    def say(self, plan: Plan, context: VoiceContext) -> Iterator[str]:
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, VoiceError):
            raise outcome
        yield outcome


def turns(guarded: GuardedVoice, n: int) -> list[str]:
    ctx = VoiceContext(rng=random.Random(0))
    return ["".join(guarded.say(Plan(Move.VALIDATE), ctx)) for _ in range(n)]


def guarded(outcomes: list[str | VoiceError], **kw: float) -> GuardedVoice:
    return GuardedVoice(Flaky(outcomes), FakeVoice(["F."] * 9), **kw)  # type: ignore[arg-type]


def test_the_first_failure_marks_the_voice_down_and_the_next_reply_up_again() -> None:
    voice = guarded([GOOD, VoiceError("down"), GOOD])
    assert voice.health == VoiceHealth(where="http://127.0.0.1:9/v1")
    assert turns(voice, 1) == [GOOD] and voice.health.up
    assert turns(voice, 1) == ["F."]
    assert voice.health == VoiceHealth("http://127.0.0.1:9/v1", up=False, reason="voice.error",
                                       changes=1)
    assert turns(voice, 1) == [GOOD]
    assert voice.health.up and voice.health.changes == 2


def test_timeouts_are_counted_apart_from_errors() -> None:
    voice = guarded([VoiceTimeoutError("slow"), VoiceError("down")])
    turns(voice, 2)
    assert voice.fallback_reasons() == {"voice.timeout": 1, "voice.error": 1}
    assert voice.health.reason == "voice.timeout"  # what took it down


def test_a_busy_local_model_is_not_down_and_never_left_to_rest() -> None:
    voice = guarded([VoiceBusyError("busy")] * 4 + [GOOD])
    assert turns(voice, 5) == ["F."] * 4 + [GOOD]
    assert voice.fallback_reasons() == {"voice.busy": 4}
    assert voice.health.up and voice.health.changes == 0


def test_a_resting_model_is_down_until_it_answers_after_the_rest() -> None:
    now = [0.0]
    voice = guarded([VoiceError("down")] * 3 + [GOOD], monotonic=lambda: now[0],
                    rest_seconds=5.0)
    turns(voice, 4)
    assert voice.fallback_reasons() == {"voice.error": 3, "voice.resting": 1}
    assert not voice.health.up
    now[0] += 6
    assert turns(voice, 1) == [GOOD] and voice.health.up


def test_the_phrasebook_has_no_health_to_watch() -> None:
    assert voice_health(Phrasebook.load()) is None
    assert HealthWatch(None).news(None) is None


def test_each_change_is_said_once_to_each_reader() -> None:
    voice = guarded([VoiceTimeoutError("slow"), VoiceError("down"), GOOD, GOOD])
    watch = HealthWatch(voice.health)
    assert watch.news(voice.health) is None
    turns(voice, 1)
    down = watch.news(voice.health)
    assert down == ("(The model at http://127.0.0.1:9/v1 did not answer (too slow); the "
                    "built-in phrasing answers for now.)")
    turns(voice, 1)
    assert watch.news(voice.health) is None  # still down: said already
    turns(voice, 1)
    assert watch.news(voice.health) == "(The model at http://127.0.0.1:9/v1 answers again.)"
    late = HealthWatch(VoiceHealth("x"))  # a reader that missed the fall and the return
    assert late.news(voice.health) is None


@pytest.mark.parametrize("reason", ["voice.error", "voice.timeout", "voice.busy",
                                    "voice.resting"])
def test_every_voice_reason_has_words(reason: str) -> None:
    text = status_notice(VoiceHealth("m.gguf", up=False, reason=reason, changes=1))
    assert "m.gguf" in text and "{" not in text


def test_reasons_that_hint_at_what_was_said_are_folded_on_metrics() -> None:
    assert published_reason("voice.timeout") == "voice.timeout"
    assert published_reason("form.echo") == "form.echo"
    assert published_reason("move.asks") == "move.asks"
    for hinting in ("harm.encouragement", "clinical", "sexual", "safety.assessment"):
        assert published_reason(hinting) == "content"


def test_metrics_publish_fallbacks_by_reason_and_whether_the_voice_is_up() -> None:
    voice = GuardedVoice(Flaky(["Maybe you should kill yourself.", VoiceError("down")]),
                         Phrasebook.load())  # type: ignore[arg-type]
    metrics = Metrics()
    metrics.watch_voice(voice)
    metrics.watch_voice(Phrasebook.load())  # nothing to publish; no error
    before = metrics.render(0).decode()
    assert 'confidante_voice_fallbacks_total{reason="voice.error"} 0.0' in before
    assert "confidante_voice_up 1.0" in before
    turns(voice, 2)
    after = metrics.render(0).decode()
    assert 'confidante_voice_fallbacks_total{reason="content"} 1.0' in after
    assert 'confidante_voice_fallbacks_total{reason="voice.error"} 1.0' in after
    assert "harm" not in after and "confidante_voice_up 0.0" in after
