"""The rate limiter over a stand-in counter store (the real stores have tests of their own)."""

import pytest

from app.core.exceptions import RateLimitedError
from app.core.settings.accounts import RateLimit
from app.services.cache_service import Counter
from app.services.rate_limit_service import RateLimiter, account_key, client_key
from tests.conftest import make_settings


class DictCounters:
    """Counts in a dict; every window has WINDOW_LEFT seconds left."""

    WINDOW_LEFT = 37

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.windows: dict[str, int] = {}  # the window each key was last counted in

    async def increment(self, key: str, window_seconds: int) -> Counter:
        self.counts[key] = self.counts.get(key, 0) + 1
        self.windows[key] = window_seconds
        return Counter(self.counts[key], self.WINDOW_LEFT)

    async def decrement(self, key: str, window_seconds: int) -> None:
        self.counts[key] = self.counts.get(key, 0) - 1
        self.windows[key] = window_seconds

    async def peek(self, key: str) -> Counter:
        return Counter(self.counts.get(key, 0), self.WINDOW_LEFT if key in self.counts else 0)

    async def delete(self, key: str) -> None:
        self.counts.pop(key, None)


@pytest.fixture
def limiter() -> RateLimiter:
    limits = {
        "both": RateLimit(per_account=2, per_ip=3, window_seconds=60),
        "ip_only": RateLimit(per_account=None, per_ip=1, window_seconds=30),
    }
    return RateLimiter(DictCounters(), limits)


async def test_hit_refuses_past_the_limit_with_the_windows_retry_after(
    limiter: RateLimiter,
) -> None:
    await limiter.hit("both", account="a", ip="1")
    await limiter.hit("both", account="a", ip="2")
    with pytest.raises(RateLimitedError) as refused:
        await limiter.hit("both", account="a", ip="3")
    assert refused.value.headers == {"Retry-After": str(DictCounters.WINDOW_LEFT)}
    await limiter.hit("both", account="b", ip="4")  # other subjects are counted apart


async def test_hit_counts_per_address_as_well(limiter: RateLimiter) -> None:
    for account in ("a", "b", "c"):
        await limiter.hit("both", account=account, ip="1")
    with pytest.raises(RateLimitedError):
        await limiter.hit("both", account="d", ip="1")


async def test_an_action_counted_per_address_only_ignores_the_account(
    limiter: RateLimiter,
) -> None:
    await limiter.hit("ip_only", account="a", ip="1")
    await limiter.hit("ip_only", account="a", ip="2")
    with pytest.raises(RateLimitedError):
        await limiter.hit("ip_only", account="b", ip="1")


async def test_check_refuses_once_the_recorded_failures_reach_the_limit(
    limiter: RateLimiter,
) -> None:
    await limiter.check("both", account="a")
    await limiter.record("both", account="a")
    await limiter.check("both", account="a")
    await limiter.record("both", account="a")
    with pytest.raises(RateLimitedError):
        await limiter.check("both", account="a")
    await limiter.reset("both", account="a")
    await limiter.check("both", account="a")


async def test_check_and_record_count_per_address_as_well(limiter: RateLimiter) -> None:
    for account in ("a", "b", "c"):
        await limiter.check("both", account=account, ip="1")
        await limiter.record("both", account=account, ip="1")
    with pytest.raises(RateLimitedError):
        await limiter.check("both", account="d", ip="1")
    await limiter.check("both", account="d", ip="2")


async def test_every_counter_lives_for_its_actions_window(limiter: RateLimiter) -> None:
    counters = limiter.counters
    assert isinstance(counters, DictCounters)
    await limiter.hit("both", account="a", ip="1")
    await limiter.record("both", account="b", ip="2")
    await limiter.forget_success("both", account="a", ip="1")
    await limiter.hit("ip_only", ip="3")
    await limiter.record("ip_only", ip="4")
    assert counters.windows == {
        "ratelimit:both:account:a": 60,
        "ratelimit:both:ip:1": 60,
        "ratelimit:both:account:b": 60,
        "ratelimit:both:ip:2": 60,
        "ratelimit:ip_only:ip:3": 30,
        "ratelimit:ip_only:ip:4": 30,
    }
    assert counters.counts == {
        "ratelimit:both:ip:1": 0,
        "ratelimit:both:account:b": 1,
        "ratelimit:both:ip:2": 1,
        "ratelimit:ip_only:ip:3": 1,
        "ratelimit:ip_only:ip:4": 1,
    }


async def test_a_success_forgets_the_accounts_failures_and_is_taken_back_from_the_address(
    limiter: RateLimiter,
) -> None:
    await limiter.hit("both", account="a", ip="1")
    await limiter.hit("both", account="a", ip="1")
    await limiter.forget_success("both", account="a", ip="1")
    # The account starts afresh (2 of its 2), the address takes one back (3 of its 3).
    await limiter.hit("both", account="a", ip="1")
    await limiter.hit("both", account="a", ip="1")
    with pytest.raises(RateLimitedError):
        await limiter.hit("both", account="b", ip="1")


def test_an_ipv6_client_is_counted_by_its_64_bit_prefix() -> None:
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9")
    assert client_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("192.0.2.7") == "192.0.2.7"
    assert client_key("unknown") == "unknown"


async def test_addresses_of_one_ipv6_client_share_a_limit(limiter: RateLimiter) -> None:
    await limiter.hit("ip_only", ip="2001:db8::1")
    with pytest.raises(RateLimitedError):
        await limiter.hit("ip_only", ip="2001:db8::2")


def test_one_table_of_limits_comes_from_the_settings() -> None:
    settings = make_settings(RATE_LIMIT_LOGIN_PER_ACCOUNT=3, RATE_LIMIT_WINDOW_SECONDS=120)
    limits = settings.rate_limits()
    assert limits["login"] == RateLimit(3, settings.RATE_LIMIT_LOGIN_PER_IP, 120)
    assert {"login", "register"} <= set(limits)


def test_account_keys_do_not_reveal_the_address() -> None:
    assert "ada" not in account_key("ada@example.com")
    assert account_key("ada@example.com") == account_key("ada@example.com")
