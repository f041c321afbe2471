"""A close sent with an Idempotency-Key is safe to send again: a replica may die after closing
the session and before its answer left, and the load balancer (or the page) sends the close once
more. The same key then gets the same goodbye for a minute; the record kept for it holds nothing
the person said, and nothing else opens the session."""

from __future__ import annotations

import asyncio
import pickle
import secrets
import time
from typing import Any

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from tests.server.conftest import METRICS_TOKEN, MakeRig, Rig

from confidante import Settings
from confidante.server.desk import CLOSE_KEPT_SECONDS
from confidante.server.store import MemoryStore

CLOSE = "/api/session/close"
SAY = "/api/session/messages"
OPERATOR = {"Authorization": f"Bearer {METRICS_TOKEN}"}
RECORD = "confidante:session:{}"
SAID = "My sister Wilhelmina never calls me back."


class Steady:
    """A monotonic clock for the memory store that a test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def closing(rig: Rig, headers: dict[str, str], key: str | None) -> Any:
    with_key = {**headers, "Idempotency-Key": key} if key else headers
    return rig.client.post(CLOSE, json={"relief": 3}, headers=with_key)


def ended_by_close(rig: Rig) -> float:
    text = rig.client.get("/metrics", headers=OPERATOR).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "confidante_sessions_ended_total" and sample.labels == {
                "how": "close"
            }:
                return float(sample.value)
    return 0.0


def talked(rig: Rig) -> tuple[str, dict[str, str]]:
    token, headers = rig.create()
    rig.client.post("/api/session/start", json={"relief": 7}, headers=headers)
    assert rig.client.post(SAY, json={"text": SAID}, headers=headers).status_code == 200
    return token, headers


@pytest.fixture
def steady() -> Steady:
    return Steady()


@pytest.fixture
def rig(make_rig: MakeRig, steady: Steady) -> Rig:
    settings = Settings(locale="en_US", metrics_token=METRICS_TOKEN)
    return make_rig(settings=settings, store=MemoryStore(now=steady))


def test_the_same_close_twice_gets_the_same_goodbye_and_counts_once(rig: Rig) -> None:
    _, headers = talked(rig)
    key = "bye-" + secrets.token_hex(8)
    first = closing(rig, headers, key)
    assert first.status_code == 200, first.text
    again = closing(rig, headers, key)
    assert again.status_code == 200
    assert again.content == first.content
    assert ended_by_close(rig) == 1


def test_a_kept_goodbye_opens_nothing_else(rig: Rig) -> None:
    _, headers = talked(rig)
    assert closing(rig, headers, "bye-1").status_code == 200
    assert closing(rig, headers, "bye-2").status_code == 404  # another close: a new one
    assert closing(rig, headers, None).status_code == 404
    assert rig.client.post(SAY, json={"text": "hello?"}, headers=headers).status_code == 404
    assert rig.client.get("/api/session", headers=headers).status_code == 404
    # A message sent with the close's own key is not answered with the goodbye.
    keyed = {**headers, "Idempotency-Key": "bye-1"}
    assert rig.client.post(SAY, json={"text": "hello?"}, headers=keyed).status_code == 404


def test_the_kept_goodbye_holds_nothing_said_and_goes_after_a_minute(
    rig: Rig, steady: Steady
) -> None:
    token, headers = talked(rig)
    assert closing(rig, headers, "bye-1").status_code == 200
    assert isinstance(rig.store, MemoryStore)
    record = asyncio.run(rig.store.fetch(token.split(".")[0]))
    assert record is not None
    kept = rig.store.from_record(record, token)
    assert kept.state.turns == [] and kept.state.used_sentences == set()
    assert b"Wilhelmina" not in pickle.dumps(kept)
    assert asyncio.run(rig.store.count()) == 0  # a kept goodbye is not an open session
    steady.now += CLOSE_KEPT_SECONDS + 1
    assert closing(rig, headers, "bye-1").status_code == 404


def test_a_close_without_a_key_deletes_the_session_at_once(rig: Rig) -> None:
    token, headers = talked(rig)
    assert closing(rig, headers, None).status_code == 200
    assert asyncio.run(rig.store.fetch(token.split(".")[0])) is None


def test_the_key_is_in_the_close_schema(rig: Rig) -> None:
    operation = rig.client.get("/openapi.json").json()["paths"][CLOSE]["post"]
    names = [p["name"] for p in operation.get("parameters", [])]
    assert "Idempotency-Key" in names


@pytest.mark.redis
def test_with_redis_a_close_lost_on_one_replica_is_answered_by_the_other(
    replicas: tuple[Rig, Rig], raw: redis.Redis
) -> None:
    one, two = replicas
    token, headers = talked(one)
    sid = token.split(".")[0]
    try:
        first = closing(one, headers, "bye-x")
        assert first.status_code == 200, first.text
        blob = raw.get(RECORD.format(sid))
        assert isinstance(blob, bytes) and b"Wilhelmina" not in blob
        assert 0 < raw.ttl(RECORD.format(sid)) <= CLOSE_KEPT_SECONDS
        dated = raw.zscore("confidante:sessions", sid)  # not an open session: pruned at once
        assert dated is not None and dated < time.time()
        again = closing(two, headers, "bye-x")  # the answer was lost; HAProxy asks the other
        assert again.status_code == 200 and again.content == first.content
        assert two.client.post(SAY, json={"text": "hi"}, headers=headers).status_code == 404
    finally:
        raw.delete(RECORD.format(sid))
        raw.zrem("confidante:sessions", sid)
