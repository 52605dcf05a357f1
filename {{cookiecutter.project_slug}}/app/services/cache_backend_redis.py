"""The cache in Redis, shared by every worker process (see cache_service.py)."""

from collections.abc import Sequence
from functools import cached_property
from typing import Literal, cast

from redis.asyncio import Redis

from app.core.redis import RedisResources
from app.services.cache_service import REVOKED, Counter, CounterStore, SharedCache

# How long a value may answer for what the database holds; a tombstone lives twice as long.
SHARED_CACHE_SECONDS = 60


class RedisCounterStore:
    def __init__(self, redis: Redis, prefix: str = "counter:") -> None:
        self.redis = redis
        self.prefix = prefix

    async def increment(self, key: str, window_seconds: int) -> Counter:
        name = self.prefix + key
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_seconds, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        return Counter(int(count), max(int(ttl), 1))

    async def peek(self, key: str) -> Counter:
        name = self.prefix + key
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(name)
            pipe.ttl(name)
            value, ttl = await pipe.execute()
        if value is None:
            return Counter(0, 0)
        return Counter(int(value), max(int(ttl), 1))

    async def delete(self, key: str) -> None:
        await self.redis.delete(self.prefix + key)


class RedisSharedCache:
    def __init__(self, redis: Redis, ttl_seconds: int, prefix: str = "shared:") -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds
        # Callers add a value within one lifetime of reading it from the database: a
        # tombstone that lives two lifetimes outlasts every value that could still arrive.
        self.tombstone_seconds = 2 * ttl_seconds
        self.prefix = prefix

    async def get(self, key: str) -> str | Literal["revoked"] | None:
        # The shared client decodes responses (app/core/redis.py): values are str.
        return cast("str | None", await self.redis.get(self.prefix + key))

    async def add(self, key: str, value: str) -> None:
        await self.redis.set(self.prefix + key, value, ex=self.ttl_seconds, nx=True)

    async def revoke(self, keys: Sequence[str]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.set(self.prefix + key, REVOKED, ex=self.tombstone_seconds)
            await pipe.execute()


class CacheResources(RedisResources):
    @cached_property
    def counters(self) -> CounterStore:
        return RedisCounterStore(self.redis)

    @cached_property
    def shared_cache(self) -> SharedCache | None:
        return RedisSharedCache(self.redis, SHARED_CACHE_SECONDS)
