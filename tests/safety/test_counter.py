"""The referral counter keeps counts by date, level and kind, and nothing else."""

from __future__ import annotations

from datetime import date

from confidante.conversation import Assessment, RiskKind, RiskLevel
from confidante.safety import ReferralCounter


def test_counts_crisis_referrals_only() -> None:
    c = ReferralCounter()
    d1, d2 = date(2026, 11, 24), date(2026, 11, 25)
    assert c.record(Assessment(RiskLevel.IMMINENT, RiskKind.MEDICAL_EMERGENCY, ("x",)), d1)
    assert c.record(Assessment(RiskLevel.ELEVATED, RiskKind.SUICIDE_SELF_HARM), d1)
    assert c.record(Assessment(RiskLevel.ELEVATED, RiskKind.SUICIDE_SELF_HARM), d2)
    assert not c.record(Assessment(RiskLevel.LOW, RiskKind.SUICIDE_SELF_HARM), d2)
    assert c.counts() == {
        "2026-11-24": {
            "kind.medical_emergency": 1,
            "kind.suicide_self_harm": 1,
            "level.elevated": 1,
            "level.imminent": 1,
            "total": 2,
        },
        "2026-11-25": {"kind.suicide_self_harm": 1, "level.elevated": 1, "total": 1},
    }
    c.forget_before(d2)
    assert list(c.counts()) == ["2026-11-25"]


def test_counts_hold_no_reasons_or_text() -> None:
    c = ReferralCounter()
    c.record(
        Assessment(RiskLevel.ELEVATED, RiskKind.THIRD_PARTY, ("lexicon:secret",)), date(2026, 1, 1)
    )
    assert "secret" not in repr(c.counts())
    assert "secret" not in repr(vars(c))
