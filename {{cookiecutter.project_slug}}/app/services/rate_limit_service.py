"""Fixed-window rate limits over the cache service: a temporary back-off, never a lock-out."""

import hashlib
from dataclasses import dataclass

from app.core.config import Settings
from app.core.exceptions import RateLimitedError
from app.services.cache_service import CacheService


@dataclass(frozen=True)
class RateLimit:
    name: str
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class AuthRateLimits:
    login_account: RateLimit
    login_ip: RateLimit
    register_account: RateLimit
    register_ip: RateLimit
{%- if cookiecutter.auth_mode == "jwt" %}
    refresh_account: RateLimit
    refresh_ip: RateLimit
{%- endif %}

    @classmethod
    def from_settings(cls, settings: Settings) -> "AuthRateLimits":
        window = settings.RATE_LIMIT_WINDOW_SECONDS
        return cls(
            login_account=RateLimit("login:account", settings.RATE_LIMIT_LOGIN_PER_ACCOUNT, window),
            login_ip=RateLimit("login:ip", settings.RATE_LIMIT_LOGIN_PER_IP, window),
            register_account=RateLimit(
                "register:account", settings.RATE_LIMIT_REGISTER_PER_ACCOUNT, window
            ),
            register_ip=RateLimit("register:ip", settings.RATE_LIMIT_REGISTER_PER_IP, window),
{%- if cookiecutter.auth_mode == "jwt" %}
            refresh_account=RateLimit(
                "refresh:account", settings.RATE_LIMIT_REFRESH_PER_ACCOUNT, window
            ),
            refresh_ip=RateLimit("refresh:ip", settings.RATE_LIMIT_REFRESH_PER_IP, window),
{%- endif %}
        )


def account_key(email: str) -> str:
    """E-mail addresses are not written into the cache: a digest identifies the account."""
    return hashlib.sha256(email.encode()).hexdigest()[:32]


class RateLimiter:
    """Built once at start-up; the endpoints reach it through a dependency."""

    def __init__(self, cache: CacheService, limits: AuthRateLimits) -> None:
        self.cache = cache
        self.limits = limits

    async def check(self, rule: RateLimit, subject: str) -> None:
        """Refuse when the limit is already used up, without counting this attempt."""
        counter = await self.cache.peek(self._key(rule, subject))
        if counter.hits >= rule.limit:
            raise RateLimitedError(retry_after=counter.expires_in)

    async def hit(self, rule: RateLimit, subject: str) -> None:
        """Count this attempt, and refuse it when it goes over the limit."""
        counter = await self.cache.increment(self._key(rule, subject), rule.window_seconds)
        if counter.hits > rule.limit:
            raise RateLimitedError(retry_after=counter.expires_in)

    async def record(self, rule: RateLimit, subject: str) -> None:
        """Count an attempt (a failure) that is answered anyway."""
        await self.cache.increment(self._key(rule, subject), rule.window_seconds)

    async def reset(self, rule: RateLimit, subject: str) -> None:
        await self.cache.delete(self._key(rule, subject))

    @staticmethod
    def _key(rule: RateLimit, subject: str) -> str:
        return f"ratelimit:{rule.name}:{subject}"
