"""The cache in this process (see cache_service.py).

With several workers each one counts its own rate limits, and there is no shared cache at
all: a cache that one worker cannot invalidate for the others would let an ended sign-in
live on, so the database answers for every sign-in.
"""

import time
from functools import cached_property

from app.core.lifecycle import ResourcePart
from app.services.cache_service import Counter, CounterStore, SharedCache


class MemoryCounterStore:
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

    async def decrement(self, key: str, window_seconds: int) -> None:
        hits, expires_at = self._counters.get(key, (0, 0.0))
        if expires_at > time.monotonic():
            self._counters[key] = (hits - 1, expires_at)

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


class CacheResources(ResourcePart):
    # Counters in this process only: each worker counts for itself.
    SHARED_COUNTERS = False

    @cached_property
    def counters(self) -> CounterStore:
        return MemoryCounterStore()

    @cached_property
    def shared_cache(self) -> SharedCache | None:
        return None
