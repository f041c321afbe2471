"""Sessions sealed in the real local Redis: shared by replicas, unreadable to the server, gone
after the close."""

from __future__ import annotations

import pytest
import redis
from tests.server.conftest import CANARIES, MakeRig, Rig

from confidante import Settings
from confidante.errors import WrongKeyError
from confidante.server.store import RedisStore
from confidante.vault.sessionbox import new_session_token, open_state

pytestmark = pytest.mark.redis

KEY = "confidante:session:{}"


def test_replicas_share_sealed_state_that_holds_no_plaintext(
    replicas: tuple[Rig, Rig], raw: redis.Redis
) -> None:
    one, two = replicas
    token, headers = one.create()
    sid, secret = token.split(".")
    try:
        one.client.post("/api/session/start", json={"relief": 6}, headers=headers)
        said = f"My friend {CANARIES[0]} and my sister {CANARIES[2]} stopped calling me."
        first = one.client.post("/api/session/messages", json={"text": said}, headers=headers)
        assert first.status_code == 200
        # The other replica picks the session up from Redis.
        second = two.client.post(
            "/api/session/messages", json={"text": "I feel forgotten."}, headers=headers
        )
        assert second.status_code == 200
        assert second.json()["reply"]["text"] != first.json()["reply"]["text"]
        blob = raw.get(KEY.format(sid))
        assert isinstance(blob, bytes) and len(blob) >= 4096
        for canary in (CANARIES[0], CANARIES[2], "forgotten", "sister"):
            for form in (canary, canary.lower(), canary.upper()):
                assert form.encode() not in blob
                assert form.encode("utf-16-le") not in blob
        assert secret.encode() not in blob and token.encode() not in blob
        assert 0 < raw.ttl(KEY.format(sid)) <= 60 * 60 + 30 * 60
        # The token opens it; nothing the server keeps does.
        assert CANARIES[0] in str(open_state(blob, token))
        with pytest.raises(WrongKeyError):
            open_state(blob, f"{sid}.{new_session_token().token.split('.')[1]}")
        closed = two.client.post("/api/session/close", json={"relief": 4}, headers=headers)
        assert closed.status_code == 200
        assert raw.exists(KEY.format(sid)) == 0
        assert raw.zscore("confidante:sessions", sid) is None
        assert one.client.get("/api/session", headers=headers).status_code == 404
    finally:
        raw.delete(KEY.format(sid))
        raw.zrem("confidante:sessions", sid)


def test_quick_exit_drops_the_record_from_redis(
    make_rig: MakeRig, redis_url: str, raw: redis.Redis
) -> None:
    rig = make_rig(settings=Settings(locale="en_US", redis_url=redis_url),
                   store=RedisStore(redis_url))
    token, headers = rig.create()
    sid = token.split(".")[0]
    try:
        assert raw.exists(KEY.format(sid)) == 1
        assert rig.client.get("/healthz").json()["store"] == "redis"
        assert rig.client.delete("/api/session", headers=headers).status_code == 204
        assert raw.exists(KEY.format(sid)) == 0
    finally:
        raw.delete(KEY.format(sid))
        raw.zrem("confidante:sessions", sid)


def test_the_settings_alone_choose_redis(make_rig: MakeRig, redis_url: str) -> None:
    from fastapi.testclient import TestClient

    from confidante.server import create_app

    app = create_app(Settings(locale="en_US", redis_url=redis_url))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/healthz").json() == {
            "ok": True,
            "store": "redis",
            "text": "Confidante is up.",
            "voice": "builtin",
        }
