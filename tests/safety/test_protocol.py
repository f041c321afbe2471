"""The crisis protocol's wording: order, directness, resources and no repeats."""

from __future__ import annotations

import random

import pytest

from confidante.conversation import Assessment, RiskKind, RiskLevel
from confidante.safety import SafetyGuard, helplines_for, normalise_sentence
from confidante.safety.protocol import CRISIS_KINDS, Texts, is_resource


@pytest.fixture(scope="module")
def guard() -> SafetyGuard:
    return SafetyGuard.load()


def test_every_variant_follows_the_rules() -> None:
    texts = Texts.load()
    for (level, kind), variants in texts.crisis.items():
        assert len(variants) >= 3, (level, kind)
        for v in variants:
            assert any("{helpline}" in s for s in v), (level, kind, v)
            if level is RiskLevel.IMMINENT:
                assert "{emergency}" in v[0], (level, kind, v)
            else:
                assert any(s.endswith("?") and not is_resource(s) for s in v), (level, kind, v)


@pytest.mark.parametrize("kind", CRISIS_KINDS)
def test_imminent_reply_leads_with_the_emergency_number(guard: SafetyGuard, kind: RiskKind) -> None:
    reply = guard.crisis_reply(
        Assessment(RiskLevel.IMMINENT, kind), "en_GB", random.Random(1), set()
    )
    first = reply.split(". ")[0]
    assert "999" in first
    # The line that fits the kind: an abuse line for harm from others, Beat for eating.
    fitting = helplines_for("en_GB", kind.value)[0]
    assert fitting.number is not None and fitting.number in reply


def test_harm_from_others_gets_the_abuse_line_not_only_the_suicide_line(
    guard: SafetyGuard,
) -> None:
    reply = guard.crisis_reply(
        Assessment(RiskLevel.ELEVATED, RiskKind.HARMED_BY_OTHERS), "en_GB", random.Random(1), set()
    )
    assert "0808 2000 247" in reply and "116 123" not in reply


def test_elevated_asks_directly_and_offers_the_local_line(guard: SafetyGuard) -> None:
    for seed in range(10):
        reply = guard.crisis_reply(
            Assessment(RiskLevel.ELEVATED, RiskKind.SUICIDE_SELF_HARM),
            "en_US",
            random.Random(seed),
            set(),
        )
        assert "?" in reply
        assert any(w in reply.lower() for w in ("suicide", "ending your life", "killing yourself"))
        assert "988" in reply


def test_no_sentence_repeats_until_the_variants_run_out(guard: SafetyGuard) -> None:
    used: set[str] = set()
    rng = random.Random(3)
    a = Assessment(RiskLevel.ELEVATED, RiskKind.SUICIDE_SELF_HARM)
    n = len(Texts.load().crisis[(RiskLevel.ELEVATED, RiskKind.SUICIDE_SELF_HARM)])
    said: list[str] = []
    for _ in range(n):
        before = set(used)
        reply = guard.crisis_reply(a, "en_GB", rng, used)
        said.append(reply)
        assert used > before
    # Every non-resource sentence was said once: the replies are all different.
    assert len(set(said)) == n
    # Past that, a reply still comes, with the helpline in it.
    again = guard.crisis_reply(a, "en_GB", rng, used)
    assert "116 123" in again


def test_used_sentences_are_normalised(guard: SafetyGuard) -> None:
    used: set[str] = set()
    guard.crisis_reply(
        Assessment(RiskLevel.ELEVATED, RiskKind.THIRD_PARTY), "fr", random.Random(0), used
    )
    assert used
    for s in used:
        assert s == normalise_sentence(s)
        assert not s.endswith((".", "?", "!"))


def test_a_low_assessment_still_gets_a_reply(guard: SafetyGuard) -> None:
    reply = guard.crisis_reply(Assessment(), "en", random.Random(0), set())
    assert "findahelpline.com" in reply


def test_closing_resources_name_every_line(guard: SafetyGuard) -> None:
    text = guard.closing_resources("en_US")
    for h in helplines_for("en_US"):
        assert h.name in text
    assert "911" in text


def test_closing_resources_after_abuse_name_the_abuse_line_first(guard: SafetyGuard) -> None:
    abuse = helplines_for("en_GB", RiskKind.HARMED_BY_OTHERS.value)[0]
    assert abuse.name not in guard.closing_resources("en_GB")  # not without that danger
    text = guard.closing_resources("en_GB", (RiskKind.HARMED_BY_OTHERS,))
    assert text.index(abuse.name) < text.index(helplines_for("en_GB")[0].name)
    assert text.count(abuse.name) == 1


def test_disclosures(guard: SafetyGuard) -> None:
    texts = Texts.load()
    for v in texts.disclosure["opening"]:
        text = " ".join(v).lower()
        assert "ai" in text.split() or "ai," in text or "an ai" in text
        assert "therapist" in text and ("person" in text or "human" in text)
        assert "diagnos" in text and "medical" in text and "legal" in text and "sexual" in text
        assert "forget" in text or "nothing you say is kept" in text
        assert "choose to be remembered" in text
    assert guard.disclosure("opening") == " ".join(texts.disclosure["opening"][0])
    assert "AI" in guard.disclosure("asked", random.Random(2))
    assert "AI" in guard.disclosure("reminder", random.Random(2))
    with pytest.raises(ValueError):
        guard.disclosure("goodbye")
