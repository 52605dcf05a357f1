"""The cache in Redis, shared by every worker process (see cache_service.py).

When Redis does not answer:
- the counters fail closed: a rate-limited action answers 503 with Retry-After, because
  without counters nothing would bound password guessing;
- reading the shared cache fails open to the database, which decides anyway, and a value that
  cannot be added is simply not cached;
- a tombstone that cannot be written fails closed: the caller's request (a logout) answers 503
  and ends nothing, so that no worker could later find a live entry for an ended sign-in.
"""

import logging
from collections.abc import Awaitable, Sequence
from functools import cached_property
from typing import Literal, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.core.exceptions import ServiceUnavailableError
from app.core.redis import RedisResources, redis_address
from app.services.cache_service import REVOKED, Counter, CounterStore, SharedCache

logger = logging.getLogger(__name__)

# How long a value may answer for what the database holds; a tombstone lives twice as long.
SHARED_CACHE_SECONDS = 60


class RedisUnavailableError(ServiceUnavailableError):
    detail = "A shared store is unavailable: try again shortly"


async def answered[ResultT](redis: Redis, call: Awaitable[ResultT], use: str) -> ResultT:
    """The result of a Redis call; 503 (logged with the server's address) when Redis fails."""
    try:
        return await call
    except RedisError as exc:
        logger.warning("Redis at %s failed (%s): %s", redis_address(redis), use, type(exc).__name__)
        raise RedisUnavailableError from exc


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
            count, _, ttl = await answered(self.redis, pipe.execute(), "rate limits")
        return Counter(int(count), max(int(ttl), 1))

    async def decrement(self, key: str, window_seconds: int) -> None:
        name = self.prefix + key
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.decr(name)
            pipe.expire(name, window_seconds, nx=True)
            await answered(self.redis, pipe.execute(), "rate limits")

    async def peek(self, key: str) -> Counter:
        name = self.prefix + key
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(name)
            pipe.ttl(name)
            value, ttl = await answered(self.redis, pipe.execute(), "rate limits")
        if value is None:
            return Counter(0, 0)
        return Counter(int(value), max(int(ttl), 1))

    async def delete(self, key: str) -> None:
        await answered(self.redis, self.redis.delete(self.prefix + key), "rate limits")


class RedisSharedCache:
    def __init__(self, redis: Redis, ttl_seconds: int, prefix: str = "shared:") -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds
        # Callers add a value within one lifetime of reading it from the database: a
        # tombstone that lives two lifetimes outlasts every value that could still arrive.
        self.tombstone_seconds = 2 * ttl_seconds
        self.prefix = prefix

    async def get(self, key: str) -> str | Literal["revoked"] | None:
        try:
            # The shared client decodes responses (app/core/redis.py): values are str.
            return cast("str | None", await self.redis.get(self.prefix + key))
        except RedisError as exc:
            logger.warning("Redis at %s failed (cache read): %s", redis_address(self.redis), exc)
            return None  # the database answers instead

    async def get_many(self, keys: Sequence[str]) -> list[str | Literal["revoked"] | None]:
        try:
            values = await self.redis.mget([self.prefix + key for key in keys])
        except RedisError as exc:
            logger.warning("Redis at %s failed (cache read): %s", redis_address(self.redis), exc)
            return [None] * len(keys)  # the database answers instead
        return cast("list[str | None]", values)

    async def add(self, key: str, value: str) -> None:
        try:
            await self.redis.set(self.prefix + key, value, ex=self.ttl_seconds, nx=True)
        except RedisError as exc:
            logger.warning("Redis at %s failed (cache fill): %s", redis_address(self.redis), exc)

    async def revoke(self, keys: Sequence[str]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.set(self.prefix + key, REVOKED, ex=self.tombstone_seconds)
            await answered(self.redis, pipe.execute(), "tombstones")


class CacheResources(RedisResources):
    # Counters in Redis: every worker and command sees the same counters.
    SHARED_COUNTERS = True

    @cached_property
    def counters(self) -> CounterStore:
        return RedisCounterStore(self.redis)

    @cached_property
    def shared_cache(self) -> SharedCache | None:
        return RedisSharedCache(self.redis, SHARED_CACHE_SECONDS)
