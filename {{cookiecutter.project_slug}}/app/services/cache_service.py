"""Short-lived shared counters behind a small interface, so the store can be swapped.

`RedisCacheService` shares them between every worker process. Correctness of logout and
revocation never depends on this store: the database decides those.
"""

from typing import NamedTuple, Protocol

from redis.asyncio import Redis


class Counter(NamedTuple):
    hits: int
    # Seconds until the counter expires (0 when it does not exist).
    expires_in: int


class CacheService(Protocol):
    async def increment(self, key: str, window_seconds: int) -> Counter:
        """Add one; the first increment starts a window of `window_seconds`."""
        ...

    async def peek(self, key: str) -> Counter: ...

    async def delete(self, key: str) -> None: ...


class RedisCacheService:
    def __init__(self, redis: Redis, prefix: str = "cache:") -> None:
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
