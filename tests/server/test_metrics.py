"""/metrics counts and times, and never carries text, tokens, ids or addresses."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.server.conftest import CANARIES, METRICS_TOKEN, MakeRig, Rig

from confidante import Settings
from confidante.server import Limits

OPERATOR = {"Authorization": f"Bearer {METRICS_TOKEN}"}


@pytest.fixture
def rig(make_rig: MakeRig) -> Rig:
    """A rig whose operator has set a metrics token."""
    return make_rig(settings=Settings(locale="en_US", metrics_token=METRICS_TOKEN))


def samples(rig: Rig) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = rig.client.get("/metrics", headers=OPERATOR).text
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
    response = rig.client.get("/metrics", headers=OPERATOR)
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
    assert found[("confidante_sessions_open", ())] == 10  # one open, rounded up to ten
    assert found[("confidante_sessions_ended_total", (("how", "exit"),))] == 1
    assert found[("confidante_moves_total", (("move", "open"),))] == 1
    # Nothing about a referral moves while its day runs: no live count by level or by kind, and
    # no live count of crisis replies (two here: "Still here." after it is a crisis turn too).
    assert ("confidante_moves_total", (("move", "crisis"),)) not in found
    assert not [n for (n, _) in found if n.startswith("confidante_crisis_referrals")]


def test_the_open_sessions_gauge_moves_in_steps_not_with_each_person(make_rig: MakeRig) -> None:
    rig = make_rig(
        settings=Settings(locale="en_US", metrics_token=METRICS_TOKEN), limits=Limits.unbounded()
    )
    assert samples(rig)[("confidante_sessions_open", ())] == 0
    seen = []
    for _ in range(11):
        rig.create()
        seen.append(samples(rig)[("confidante_sessions_open", ())])
    assert seen == [10.0] * 10 + [20.0]


def test_referrals_are_published_only_for_a_finished_day(rig: Rig) -> None:
    headers = rig.started()
    rig.client.post("/api/session/messages", json={"text": "I want to kill myself."},
                    headers=headers)
    metrics = rig.app.state.services.metrics
    today = datetime.now(UTC).date()
    running = text_string_to_metric_families(metrics.render(1, today).decode())
    assert not [s for f in running if f.name.startswith("confidante_crisis") for s in f.samples]
    tomorrow = metrics.render(1, today + timedelta(days=1)).decode()
    day = today.isoformat()
    assert f'confidante_crisis_referrals_by_day{{count="total",day="{day}"}} 1.0' in tomorrow
    assert f'count="kind.suicide_self_harm",day="{day}"' in tomorrow


def test_metrics_need_the_operators_token(make_rig: MakeRig) -> None:
    closed = make_rig()  # no token set: closed to everyone
    assert closed.client.get("/metrics").status_code == 403
    assert closed.client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 403
    rig = make_rig(settings=Settings(locale="en_US", metrics_token=METRICS_TOKEN))
    refused = rig.client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert refused.status_code == 403 and refused.json()["ok"] is False
    assert "CONFIDANTE_METRICS_TOKEN" in refused.json()["error"]
    assert rig.client.get("/metrics").status_code == 403
    assert rig.client.get("/metrics", headers=OPERATOR).status_code == 200


def test_error_responses_are_counted_by_status(rig: Rig) -> None:
    rig.client.get("/nowhere")
    rig.client.get("/api/session")
    found = samples(rig)
    assert found[("confidante_errors_total", (("status", "404"),))] == 1
    assert found[("confidante_errors_total", (("status", "401"),))] == 1
