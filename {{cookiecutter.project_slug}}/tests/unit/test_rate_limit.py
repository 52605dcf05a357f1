"""The rate limiter over a stand-in store with the cache service's interface."""

import pytest
from pydantic import SecretStr

from app.core.config import Settings
from app.core.exceptions import RateLimitedError
from app.services.cache_service import Counter
from app.services.rate_limit_service import AuthRateLimits, RateLimit, RateLimiter, account_key


class DictCache:
    """Counts in a dict; every window has 60 seconds left."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    async def increment(self, key: str, window_seconds: int) -> Counter:
        self.counts[key] = self.counts.get(key, 0) + 1
        return Counter(self.counts[key], 60)

    async def peek(self, key: str) -> Counter:
        return Counter(self.counts.get(key, 0), 60 if key in self.counts else 0)

    async def delete(self, key: str) -> None:
        self.counts.pop(key, None)


RULE = RateLimit("test", limit=2, window_seconds=60)


@pytest.fixture
def limiter() -> RateLimiter:
    settings = Settings(_env_file=None, SECRET_KEY=SecretStr("k" * 48))
    return RateLimiter(DictCache(), AuthRateLimits.from_settings(settings))


async def test_hit_refuses_past_the_limit_with_retry_after(limiter: RateLimiter) -> None:
    await limiter.hit(RULE, "a")
    await limiter.hit(RULE, "a")
    with pytest.raises(RateLimitedError) as refused:
        await limiter.hit(RULE, "a")
    assert refused.value.headers == {"Retry-After": "60"}
    await limiter.hit(RULE, "b")  # other subjects are counted apart


async def test_check_refuses_once_the_recorded_failures_reach_the_limit(
    limiter: RateLimiter,
) -> None:
    await limiter.check(RULE, "a")
    await limiter.record(RULE, "a")
    await limiter.check(RULE, "a")
    await limiter.record(RULE, "a")
    with pytest.raises(RateLimitedError):
        await limiter.check(RULE, "a")
    await limiter.reset(RULE, "a")
    await limiter.check(RULE, "a")


def test_limits_come_from_the_settings() -> None:
    settings = Settings(
        _env_file=None, SECRET_KEY=SecretStr("k" * 48), RATE_LIMIT_LOGIN_PER_ACCOUNT=3
    )
    limits = AuthRateLimits.from_settings(settings)
    assert limits.login_account.limit == 3
    assert limits.login_account.window_seconds == settings.RATE_LIMIT_WINDOW_SECONDS


def test_account_keys_do_not_reveal_the_address() -> None:
    assert "ada" not in account_key("ada@example.com")
    assert account_key("ada@example.com") == account_key("ada@example.com")
