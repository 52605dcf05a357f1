"""Short-lived counters behind a small interface, so that the store can be swapped.

{% if cookiecutter.use_redis -%}
`RedisCacheService` shares them between every worker process; `MemoryCacheService` keeps
them in this process only (unit tests, trying the service out without Redis).
{%- else -%}
`MemoryCacheService` keeps them in this process: with several workers each one counts on
its own, so rate limits are per process.
{%- endif %}
Correctness of logout and revocation never depends on this store: the database decides.
"""

import time
from typing import NamedTuple, Protocol
{%- if cookiecutter.use_redis %}

from redis.asyncio import Redis
{%- endif %}


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


class MemoryCacheService:
    """Counters in a dict. Each method runs without awaiting, so it is atomic on the loop."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._counters: dict[str, tuple[int, float]] = {}

    async def increment(self, key: str, window_seconds: int) -> Counter:
        now = time.monotonic()
        hits, expires_at = self._counters.get(key, (0, 0.0))
        if expires_at <= now:
            hits, expires_at = 0, now + window_seconds
            if len(self._counters) >= self.max_entries:
                self._evict(now)
        self._counters[key] = (hits + 1, expires_at)
        return Counter(hits + 1, max(int(expires_at - now + 0.999), 1))

    async def peek(self, key: str) -> Counter:
        now = time.monotonic()
        hits, expires_at = self._counters.get(key, (0, 0.0))
        if expires_at <= now:
            return Counter(0, 0)
        return Counter(hits, max(int(expires_at - now + 0.999), 1))

    async def delete(self, key: str) -> None:
        self._counters.pop(key, None)

    def clear(self) -> None:
        self._counters.clear()

    def _evict(self, now: float) -> None:
        """Drop expired counters; if all are live, the oldest half (bounded memory)."""
        live = {key: value for key, value in self._counters.items() if value[1] > now}
        if len(live) >= self.max_entries:
            by_expiry = sorted(live.items(), key=lambda item: item[1][1])
            live = dict(by_expiry[len(by_expiry) // 2 :])
        self._counters = live
{%- if cookiecutter.use_redis %}


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
{%- endif %}
