"""Rate limits shared by replicas through the real local Redis."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from redis.asyncio import Redis
from tests.server.conftest import MakeRig, Rig

from confidante import Settings
from confidante.errors import ConfigError
from confidante.paths import user_dir
from confidante.server import Limits
from confidante.server.buckets import SharedAddressKeys, SharedRateLimiter, address_key
from confidante.server.limits import Rate
from confidante.server.store import RedisStore, StoreDown

pytestmark = pytest.mark.redis

TIGHT = Limits(creates=Rate(per_minute=1, burst=2), turns=Rate(per_minute=1, burst=3))


def _clear(client: redis.Redis) -> None:
    for key in client.scan_iter("confidante:rate:*"):
        client.delete(key)
    client.delete("confidante:address-key")


@pytest.fixture
def raw(redis_url: str) -> Iterator[redis.Redis]:
    """A plain client on the same Redis, with no rate buckets before or after the test."""
    client = redis.Redis.from_url(redis_url)
    _clear(client)
    yield client
    _clear(client)
    client.close()


def _replicas(make_rig: MakeRig, redis_url: str) -> tuple[Rig, Rig]:
    settings = Settings(locale="en_US", redis_url=redis_url)
    one = make_rig(settings=settings, store=RedisStore(redis_url), limits=TIGHT)
    two = make_rig(settings=settings, store=RedisStore(redis_url), limits=TIGHT)
    return one, two


def test_new_sessions_from_one_address_are_counted_across_replicas(
    make_rig: MakeRig, redis_url: str, raw: redis.Redis
) -> None:
    one, two = _replicas(make_rig, redis_url)
    codes = [
        one.client.post("/api/sessions", json={}).status_code,
        two.client.post("/api/sessions", json={}).status_code,
    ]
    third = one.client.post("/api/sessions", json={})
    assert codes == [201, 201]
    assert third.status_code == 429
    assert int(third.headers["Retry-After"]) >= 1
    assert third.json()["status"] == 429


def test_a_sessions_turns_are_counted_across_replicas(
    make_rig: MakeRig, redis_url: str, raw: redis.Redis
) -> None:
    one, two = _replicas(make_rig, redis_url)
    headers = one.started()
    codes = [
        rig.client.post(
            "/api/session/messages", json={"text": f"Turn {n} of my story."}, headers=headers
        ).status_code
        for n, rig in enumerate((one, two, one, two))
    ]
    assert codes == [200, 200, 200, 429]


def test_redis_holds_no_address_nor_the_key_that_hashes_them(
    make_rig: MakeRig, redis_url: str, raw: redis.Redis
) -> None:
    one, _ = _replicas(make_rig, redis_url)
    assert one.client.post("/api/sessions", json={}).status_code == 201
    assert raw.get("confidante:address-key") is None  # the key lives outside Redis
    key_file = user_dir() / "address.key"
    assert key_file.stat().st_mode & 0o777 == 0o600 and len(key_file.read_bytes()) == 32
    for key in raw.scan_iter("confidante:rate:*"):
        assert b"testclient" not in key
        assert 0 < raw.pttl(key) <= 200_000  # gone once the bucket would be full again
        assert all(b"testclient" not in v for v in raw.hgetall(key).values())


def test_two_replicas_key_an_address_alike(tmp_path: Path) -> None:
    shared = Settings(locale="en_US", address_key_file=str(tmp_path / "secret"))
    first, second = SharedAddressKeys(address_key(shared)), SharedAddressKeys(address_key(shared))
    other = SharedAddressKeys(address_key(Settings(address_key_file=str(tmp_path / "other"))))

    async def keys() -> tuple[str, str, str, str]:
        return (
            await first.of("192.0.2.7"),
            await second.of("192.0.2.7"),
            await second.of("192.0.2.8"),
            await other.of("192.0.2.7"),
        )

    same, alike, elsewhere, unshared = asyncio.run(keys())
    assert same == alike != elsewhere and same != unshared
    assert "192.0.2.7" not in same
    (tmp_path / "short").write_bytes(b"abc")
    with pytest.raises(ConfigError, match="delete it"):
        address_key(Settings(address_key_file=str(tmp_path / "short")))


def test_workers_that_start_together_read_one_whole_key(tmp_path: Path) -> None:
    # `serve --workers N` starts N processes at once; none may read a key file half made.
    for attempt in range(20):
        settings = Settings(locale="en_US", address_key_file=str(tmp_path / f"key{attempt}"))
        ready = threading.Barrier(8)

        def read(settings: Settings = settings, ready: threading.Barrier = ready) -> bytes:
            ready.wait()
            return address_key(settings)

        with ThreadPoolExecutor(8) as pool:
            keys = list(pool.map(lambda _: read(), range(8)))
        assert len(set(keys)) == 1 and len(keys[0]) == 32
        assert (tmp_path / f"key{attempt}").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"key{n}" for n in range(20))


def test_an_absent_redis_is_said_plainly() -> None:
    async def take() -> None:
        client = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
        try:
            await SharedRateLimiter(client, Rate(per_minute=60, burst=1), "turns").take("k")
        finally:
            await client.aclose()

    with pytest.raises(StoreDown):
        asyncio.run(take())
