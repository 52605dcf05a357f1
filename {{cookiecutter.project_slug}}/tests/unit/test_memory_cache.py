"""The in-process counters: windows, expiry and bounded memory, without any server."""

import pytest

from app.services.cache_backend import CacheResources, MemoryCounterStore
from app.services.cache_service import Counter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("app.services.cache_backend.time.monotonic", clock)
    return clock


async def test_increment_counts_within_the_window(clock: Clock) -> None:
    cache = MemoryCounterStore()
    assert await cache.increment("k", 60) == Counter(1, 60)
    clock.now += 20
    assert await cache.increment("k", 60) == Counter(2, 40)
    assert await cache.peek("k") == Counter(2, 40)


async def test_a_new_window_starts_after_expiry(clock: Clock) -> None:
    cache = MemoryCounterStore()
    await cache.increment("k", 10)
    await cache.increment("k", 10)
    clock.now += 10
    assert await cache.peek("k") == Counter(0, 0)
    assert await cache.increment("k", 10) == Counter(1, 10)


async def test_decrement_takes_one_back_from_a_live_counter_only(clock: Clock) -> None:
    cache = MemoryCounterStore()
    await cache.increment("k", 10)
    await cache.increment("k", 10)
    await cache.decrement("k", 10)
    assert await cache.peek("k") == Counter(1, 10)
    clock.now += 10
    await cache.decrement("k", 10)  # expired meanwhile: nothing to take back
    assert await cache.peek("k") == Counter(0, 0)
    assert await cache.increment("k", 10) == Counter(1, 10)


async def test_delete_and_clear_forget_counters(clock: Clock) -> None:
    cache = MemoryCounterStore()
    await cache.increment("a", 60)
    await cache.increment("b", 60)
    await cache.delete("a")
    assert await cache.peek("a") == Counter(0, 0)
    assert (await cache.peek("b")).hits == 1
    cache.clear()
    assert await cache.peek("b") == Counter(0, 0)


async def test_memory_stays_bounded(clock: Clock) -> None:
    cache = MemoryCounterStore(max_entries=4)
    for number in range(4):
        await cache.increment(f"old{number}", 10)
    clock.now += 11  # all four expire
    for number in range(4):
        await cache.increment(f"new{number}", 100 + number)
    assert [(await cache.peek(f"old{n}")).hits for n in range(4)] == [0, 0, 0, 0]
    await cache.increment("one-more", 200)  # all live: the soonest-expiring half goes
    assert len(cache._counters) <= 4
    assert (await cache.peek("one-more")).hits == 1
    assert (await cache.peek("new3")).hits == 1
    assert (await cache.peek("new0")).hits == 0


def test_nothing_is_shared_between_workers_without_a_server() -> None:
    """A cache one worker cannot invalidate for the others would let an ended sign-in live
    on: the database answers for every sign-in."""
    assert CacheResources().shared_cache is None
