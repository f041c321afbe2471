"""/metrics counts and times, and never carries text, tokens, ids or addresses."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families
from tests.server.conftest import CANARIES, Rig


def samples(rig: Rig) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = rig.client.get("/metrics").text
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def test_metrics_count_and_time_but_hold_no_text(rig: Rig) -> None:
    token, headers = rig.create()
    rig.client.post("/api/session/start", json={"relief": 8}, headers=headers)
    for text in (f"My friend {CANARIES[0]} ignores me.", "I want to kill myself.", "Still here."):
        rig.client.post("/api/session/messages", json={"text": text}, headers=headers)
    other_token, other = rig.create()
    rig.client.delete("/api/session", headers=other)
    response = rig.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for secret in (CANARIES[0], "kill", "friend", token, token.split(".")[0],
                   other_token.split(".")[0], "testclient", "127.0.0.1"):
        assert secret not in text
    # Every label value comes from a closed set.
    for name, value in re.findall(r'(\w+)="([^"]*)"', text):
        assert re.fullmatch(r"[a-z_.]+|[0-9.+Inf]+|[0-9]{3}|\d{4}-\d{2}-\d{2}", value), (name, value)
    found = samples(rig)
    assert found[("confidante_turn_seconds_count", (("channel", "http"),))] == 3
    assert found[("confidante_sessions_started_total", ())] == 2
    assert found[("confidante_sessions_open", ())] == 1
    assert found[("confidante_sessions_ended_total", (("how", "exit"),))] == 1
    # "Still here." after the crisis is a crisis turn too, but the referral is counted once.
    assert found[("confidante_moves_total", (("move", "crisis"),))] == 2
    assert found[("confidante_moves_total", (("move", "open"),))] == 1
    referrals = sum(
        v for (n, labels), v in found.items() if n == "confidante_crisis_referrals_total"
    )
    assert referrals == 1
    # The per-day aggregate the safety protocol publishes: counts by date, level and kind only.
    today = datetime.now(UTC).date().isoformat()
    assert found[("confidante_crisis_referrals_by_day", (("count", "total"), ("day", today)))] == 1
    kinds = [labels for (n, labels) in found if n == "confidante_crisis_referrals_by_day"]
    assert (("count", "kind.suicide_self_harm"), ("day", today)) in kinds


def test_error_responses_are_counted_by_status(rig: Rig) -> None:
    rig.client.get("/nowhere")
    rig.client.get("/api/session")
    found = samples(rig)
    assert found[("confidante_errors_total", (("status", "404"),))] == 1
    assert found[("confidante_errors_total", (("status", "401"),))] == 1
