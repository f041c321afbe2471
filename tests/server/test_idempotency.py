"""A message sent with an Idempotency-Key is safe to send again: the same key as the session's
last answered turn gets the same answer, and the message is taken once (one turn, one rate-limit
token, one count in the metrics). The key and its answer live in the session's own record."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from tests.server.conftest import BASE_URL, CANARIES, METRICS_TOKEN, MakeRig, Rig

from confidante import Listener, ManualClock, Settings
from confidante.server import Limits, create_app
from confidante.server.limits import Rate
from confidante.server.store import MemoryStore, Parked, RedisStore

SAY = "/api/session/messages"
OPERATOR = {"Authorization": f"Bearer {METRICS_TOKEN}"}
RECORD = "confidante:session:{}"


def fresh_key() -> str:
    """A key as a client makes one: opaque, unique, of the allowed characters."""
    return "k-" + secrets.token_urlsafe(18)


def send(rig: Rig, headers: dict[str, str], text: str, key: str | None = None) -> Any:
    with_key = {**headers, "Idempotency-Key": key} if key is not None else headers
    return rig.client.post(SAY, json={"text": text}, headers=with_key)


def parked(rig: Rig, token: str) -> Parked:
    """The session as the memory store holds it."""
    assert isinstance(rig.store, MemoryStore)
    record = asyncio.run(rig.store.fetch(token.split(".")[0]))
    assert record is not None
    return rig.store.from_record(record, token)


def turns_counted(rig: Rig) -> float:
    text = rig.client.get("/metrics", headers=OPERATOR).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "confidante_turn_seconds_count" and sample.labels == {
                "channel": "http"
            }:
                return float(sample.value)
    raise AssertionError("no turn count in /metrics")


@pytest.fixture
def rig(make_rig: MakeRig) -> Rig:
    """A rig whose operator can read the metrics."""
    return make_rig(settings=Settings(locale="en_US", metrics_token=METRICS_TOKEN))


def test_the_same_key_twice_is_one_turn_with_the_same_answer(rig: Rig) -> None:
    token, headers = rig.create()
    rig.client.post("/api/session/start", json={"relief": 6}, headers=headers)
    key = fresh_key()
    first = send(rig, headers, "My brother stopped answering my calls.", key)
    assert first.status_code == 200, first.text
    again = send(rig, headers, "My brother stopped answering my calls.", key)
    assert again.status_code == 200
    assert again.content == first.content  # the very same body, not a second reply
    assert len(parked(rig, token).state.turns) == 1
    assert turns_counted(rig) == 1
    # A later message with a new key is a new turn; the key remembered is the last one.
    later = fresh_key()
    assert send(rig, headers, "I don't know what I did.", later).status_code == 200
    found = parked(rig, token)
    assert len(found.state.turns) == 2
    assert found.answered is not None and found.answered[0] == later
    assert turns_counted(rig) == 2


def test_different_keys_are_two_turns(rig: Rig) -> None:
    token, headers = rig.create()
    rig.client.post("/api/session/start", json={"relief": 6}, headers=headers)
    one = send(rig, headers, "Work has been a lot lately.", fresh_key())
    two = send(rig, headers, "Work has been a lot lately.", fresh_key())
    assert one.status_code == two.status_code == 200
    assert len(parked(rig, token).state.turns) == 2
    assert turns_counted(rig) == 2
    # Without a key every message is a turn, and it clears the key remembered before it.
    assert send(rig, headers, "Still tired.").status_code == 200
    found = parked(rig, token)
    assert len(found.state.turns) == 3 and found.answered is None


def test_a_resent_message_takes_no_rate_limit_token(make_rig: MakeRig) -> None:
    rig = make_rig(limits=Limits(turns=Rate(per_minute=0.01, burst=1)))
    token, headers = rig.create()
    rig.client.post("/api/session/start", json={"relief": 6}, headers=headers)
    key = fresh_key()
    first = send(rig, headers, "I can't stop thinking about it.", key)
    assert first.status_code == 200
    for _ in range(3):  # the bucket is empty, but a resend is not a new turn
        again = send(rig, headers, "I can't stop thinking about it.", key)
        assert again.status_code == 200 and again.content == first.content
    refused = send(rig, headers, "Something new.", fresh_key())
    assert refused.status_code == 429
    assert len(parked(rig, token).state.turns) == 1


@pytest.mark.parametrize(
    "bad", ["", "x" * 65, "has space", "semi;colon", "dots.are.out", "é-accent", "a/b"]
)
def test_a_malformed_key_is_a_400_in_the_error_shape(rig: Rig, bad: str) -> None:
    token, headers = rig.create()
    rig.client.post("/api/session/start", json={"relief": 6}, headers=headers)
    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"Idempotency-Key", bad.encode("utf-8")))
    response = rig.client.post(SAY, json={"text": "Hello."}, headers=raw)
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and body["status"] == 400
    assert "Idempotency-Key" in body["error"] and "64" in body["error"]
    assert len(parked(rig, token).state.turns) == 0  # refused before anything was taken
    # Two keys on one message are refused too, and the longest allowed one is taken.
    doubled = rig.client.post(
        SAY,
        json={"text": "Hello."},
        headers=[*headers.items(), ("Idempotency-Key", "a"), ("Idempotency-Key", "b")],
    )
    assert doubled.status_code == 400
    assert send(rig, headers, "Hello.", "A_z-9" * 12 + "abcd").status_code == 200


def test_the_key_is_in_the_openapi_schema(rig: Rig) -> None:
    operation = rig.client.get("/openapi.json").json()["paths"][SAY]["post"]
    (param,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert param["in"] == "header" and param["required"] is False
    assert param["schema"]["pattern"] == "^[A-Za-z0-9_-]{1,64}$"


def test_neither_the_key_nor_the_answer_reaches_the_logs_or_metrics(
    listener: Listener, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(locale="en_US", metrics_token=METRICS_TOKEN)
    app = create_app(
        settings, listener, clock=ManualClock(1_000_000.0), store=MemoryStore(),
        log_requests=True,
    )
    key = "Zx" + CANARIES[1] + secrets.token_hex(6)
    said = f"My neighbour {CANARIES[2]} shouts at me."
    with (
        caplog.at_level(logging.DEBUG),
        TestClient(app, raise_server_exceptions=False, base_url=BASE_URL) as client,
    ):
        token = client.post("/api/sessions", json={}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        client.post("/api/session/start", json={"relief": 6}, headers=headers)
        keyed = {**headers, "Idempotency-Key": key}
        first = client.post(SAY, json={"text": said}, headers=keyed)
        again = client.post(SAY, json={"text": said}, headers=keyed)
        bad = client.post(SAY, json={"text": said}, headers={**headers, "Idempotency-Key": key + "!"})
        metrics = client.get("/metrics", headers=OPERATOR).text
    assert first.status_code == again.status_code == 200 and again.content == first.content
    assert bad.status_code == 400
    reply = first.json()["reply"]["text"]
    assert "POST" in caplog.text  # the request log was on
    for secret in (key, CANARIES[1], CANARIES[2], reply, token):
        assert secret not in caplog.text
        assert secret not in metrics
    assert 'confidante_turn_seconds_count{channel="http"} 1.0' in metrics


# -- Redis: the key lives in the session's sealed record and nowhere else ---------------------


@pytest.mark.redis
def test_with_redis_the_key_is_sealed_in_the_session_record(
    replicas: tuple[Rig, Rig], redis_url: str, raw: redis.Redis
) -> None:
    one, two = replicas
    token, headers = one.create()
    sid = token.split(".")[0]
    key = "Qv" + secrets.token_hex(12)
    try:
        one.client.post("/api/session/start", json={"relief": 6}, headers=headers)
        first = send(one, headers, "My friend moved away and I feel alone.", key)
        assert first.status_code == 200, first.text
        # The answer is lost on its way; the resend reaches the other replica.
        again = send(two, headers, "My friend moved away and I feel alone.", key)
        assert again.status_code == 200 and again.content == first.content
        blob = raw.get(RECORD.format(sid))
        assert isinstance(blob, bytes)
        assert key.encode() not in blob  # sealed with the rest of the session
        found = RedisStore(redis_url).from_record(blob, token)
        assert found.answered is not None and found.answered[0] == key
        assert found.answered[1] == first.text
        assert len(found.state.turns) == 1
        # No other key in Redis names or holds it.
        for name in raw.scan_iter(count=1000):
            assert key.encode() not in name
            if raw.type(name) == b"string" and name != RECORD.format(sid).encode():
                assert key.encode() not in (raw.get(name) or b"")
        # It goes when the session goes.
        assert one.client.post(
            "/api/session/close", json={"relief": 4}, headers=headers
        ).status_code == 200
        assert raw.exists(RECORD.format(sid)) == 0
        gone = send(two, headers, "My friend moved away and I feel alone.", key)
        assert gone.status_code == 404
    finally:
        raw.delete(RECORD.format(sid))
        raw.zrem("confidante:sessions", sid)
