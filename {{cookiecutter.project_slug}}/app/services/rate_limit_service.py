"""Fixed-window rate limits over the cache's counters: a temporary back-off, never a lock-out.

The limits come from one table (`Settings.rate_limits()`): each action is counted per account,
per client address, or both.
"""

import hashlib
import ipaddress
from collections.abc import Mapping, Sequence
from functools import cached_property

from app.core.exceptions import RateLimitedError
from app.core.settings.accounts import RateLimit
from app.services.cache_backend import CacheResources
from app.services.cache_service import Counter, CounterStore

# One IPv6 client usually holds a whole /64: its addresses are counted as one.
IPV6_CLIENT_PREFIX = 64


def account_key(email: str) -> str:
    """E-mail addresses are not written into the cache: a digest identifies the account."""
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def client_key(ip: str) -> str:
    """The client address as counted: an IPv4 address, or the /64 of an IPv6 one."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:  # noqa: PLR2004
        return str(ipaddress.ip_network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(address)


class RateLimiter:
    """Built once at start-up; services reach it through the resources."""

    def __init__(self, counters: CounterStore, limits: Mapping[str, RateLimit]) -> None:
        self.counters = counters
        self.limits = limits

    async def check(
        self, action: str, *, account: str | None = None, ip: str | None = None
    ) -> None:
        """Refuse when a limit is already used up, without counting this attempt."""
        for key, limit in self._counted(action, account, ip):
            counter = await self.counters.peek(key)
            if counter.hits >= limit:
                raise RateLimitedError(retry_after=counter.expires_in)

    async def hit(self, action: str, *, account: str | None = None, ip: str | None = None) -> None:
        """Count this attempt, and refuse it when it goes over a limit."""
        refused: list[Counter] = []
        for key, limit in self._counted(action, account, ip):
            counter = await self.counters.increment(key, self.limits[action].window_seconds)
            if counter.hits > limit:
                refused.append(counter)
        if refused:
            raise RateLimitedError(retry_after=max(counter.expires_in for counter in refused))

    async def record(
        self, action: str, *, account: str | None = None, ip: str | None = None
    ) -> None:
        """Count an attempt (a failure) that is answered anyway."""
        for key, _ in self._counted(action, account, ip):
            await self.counters.increment(key, self.limits[action].window_seconds)

    async def reset(self, action: str, *, account: str) -> None:
        await self.counters.delete(self._key(action, "account", account))

    async def unlock(self, *, accounts: Sequence[str] = (), ip: str | None = None) -> None:
        """Clear every action's counters of these accounts and this address
        (`python -m app.cli unlock`)."""
        for action in self.limits:
            for account in accounts:
                await self.counters.delete(self._key(action, "account", account))
            if ip is not None:
                await self.counters.delete(self._key(action, "ip", ip))

    async def forget_success(self, action: str, *, account: str, ip: str | None = None) -> None:
        """After a counted attempt succeeded: the account's failures are cleared (a success
        proves the password), and the attempt no longer counts against the client's address,
        so that an address is limited in failures, as many users may share it."""
        await self.reset(action, account=account)
        limit = self.limits[action]
        if ip is not None and limit.per_ip is not None:
            await self.counters.decrement(self._key(action, "ip", ip), limit.window_seconds)

    def _counted(self, action: str, account: str | None, ip: str | None) -> list[tuple[str, int]]:
        """(counter key, limit) of each way the action is counted for these subjects."""
        limit = self.limits[action]
        counted = []
        if account is not None and limit.per_account is not None:
            counted.append((self._key(action, "account", account), limit.per_account))
        if ip is not None and limit.per_ip is not None:
            counted.append((self._key(action, "ip", ip), limit.per_ip))
        return counted

    @staticmethod
    def _key(action: str, scope: str, subject: str) -> str:
        if scope == "ip":
            subject = client_key(subject)
        return f"ratelimit:{action}:{scope}:{subject}"


class RateLimitResources(CacheResources):
    @cached_property
    def limiter(self) -> RateLimiter:
        return RateLimiter(self.counters, self.settings.rate_limits())
