"""The cache in Redis: counters shared by every worker, and validity records with tombstones."""

from fastapi import FastAPI

from app.services.cache_backend import RedisCounterStore, RedisSharedCache
from app.services.cache_service import REVOKED, Counter
from tests.integration.conftest import resources_of


async def test_counters_count_within_their_window(app: FastAPI) -> None:
    counters = RedisCounterStore(resources_of(app).redis)
    assert await counters.peek("k") == Counter(0, 0)
    assert await counters.increment("k", 60) == Counter(1, 60)
    second = await counters.increment("k", 600)  # the window set by the first hit stays
    assert second.hits == 2
    assert 0 < second.expires_in <= 60
    await counters.delete("k")
    assert await counters.peek("k") == Counter(0, 0)


async def test_a_decrement_never_leaves_a_counter_without_expiry(app: FastAPI) -> None:
    redis = resources_of(app).redis
    counters = RedisCounterStore(redis)
    await counters.increment("k", 60)
    await counters.increment("k", 60)
    await counters.decrement("k", 60)
    assert (await counters.peek("k")).hits == 1
    await counters.delete("k")
    await counters.decrement("k", 60)  # expired meanwhile: one attempt more, for one window
    assert await redis.get("counter:k") == "-1"
    assert 0 < await redis.ttl("counter:k") <= 60


async def test_shared_values_are_added_once_and_never_over_a_tombstone(app: FastAPI) -> None:
    redis = resources_of(app).redis
    cache = RedisSharedCache(redis, ttl_seconds=30)
    await cache.add("a", "first")
    await cache.add("a", "second")
    assert await cache.get("a") == "first"
    assert 0 < await redis.ttl("shared:a") <= 30

    await cache.revoke(["a", "b"])
    await cache.add("b", "late")
    assert await cache.get("a") == REVOKED
    assert await cache.get("b") == REVOKED
    assert 30 < await redis.ttl("shared:b") <= 60  # outlives any value added before it
