"""Accounts, whatever the way of signing in: the signing secret, bcrypt, rate limits, the
first superuser and the proxies whose client addresses are believed."""

import math
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import NoDecode

from app.core.settings.base import Refusal, SettingsPart
from app.core.settings.http import comma_separated

# Values that must never reach production, whatever their length.
PLACEHOLDER_SECRETS = frozenset(
    {
        "change-me",
        "changeme",
        "secret",
        "your-secret-key-min-32-chars",
        "change-me-to-a-random-string-of-at-least-32-bytes",
    }
)
MIN_SECRET_BYTES = 32
# A secret must carry at least this much entropy (estimated from its characters) outside
# development: `"a" * 32` is long enough but guessable.
MIN_SECRET_ENTROPY_BITS = 128
# bcrypt costs below this are refused outside development (test suites use 4, for speed).
MIN_BCRYPT_ROUNDS = 10


def estimated_entropy_bits(value: str) -> float:
    """Shannon entropy of the characters times the length: an upper bound for a random-looking
    string, and far below it for repetitive ones."""
    counts, length = Counter(value), len(value)
    per_character = -sum(n / length * math.log2(n / length) for n in counts.values())
    return per_character * length


@dataclass(frozen=True)
class RateLimit:
    """Attempts allowed per window, counted per account and per client address (None: not
    counted that way). Past either: 429 with Retry-After."""

    per_account: int | None
    per_ip: int | None
    window_seconds: int


class AccountSettings(SettingsPart):
    SECRET_KEY: SecretStr
    BCRYPT_ROUNDS: int = Field(default=12, ge=4, le=31)
    # bcrypt runs in threads, this many at a time per process (it is CPU-bound); at most
    # PASSWORD_HASH_QUEUE more requests wait for a turn, the next ones get 503 at once.
    PASSWORD_HASH_CONCURRENCY: int = Field(default=min(os.cpu_count() or 1, 4), ge=1, le=64)
    PASSWORD_HASH_QUEUE: int = Field(default=16, ge=0)
    # Proxies whose X-Forwarded-For is believed (IPs or CIDRs); otherwise the socket peer counts.
    TRUSTED_PROXIES: Annotated[list[IPvAnyNetwork], NoDecode] = Field(default_factory=list)
    # Fixed-window limits on the auth endpoints; past them: 429 with Retry-After.
    RATE_LIMIT_WINDOW_SECONDS: int = Field(default=900, ge=1)
    RATE_LIMIT_LOGIN_PER_ACCOUNT: int = Field(default=5, ge=1)
    RATE_LIMIT_LOGIN_PER_IP: int = Field(default=20, ge=1)
    RATE_LIMIT_REGISTER_PER_ACCOUNT: int = Field(default=5, ge=1)
    RATE_LIMIT_REGISTER_PER_IP: int = Field(default=10, ge=1)
    # Read by `python -m app.cli create-superuser`; nothing happens while they are unset.
    FIRST_SUPERUSER_EMAIL: str | None = None
    FIRST_SUPERUSER_PASSWORD: SecretStr | None = None

    @field_validator("TRUSTED_PROXIES", mode="before")
    @classmethod
    def split_proxies(cls, value: object) -> object:
        return comma_separated(value)

    @field_validator("SECRET_KEY")
    @classmethod
    def long_secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes; generate one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return value

    def refusals(self) -> Iterator[Refusal]:
        yield from super().refusals()
        if self.is_development:
            return
        secret = self.SECRET_KEY.get_secret_value()
        if secret.lower() in PLACEHOLDER_SECRETS:
            yield Refusal(
                "SECRET_KEY", f"is a placeholder: set a fresh random value in {self.ENVIRONMENT}"
            )
        elif estimated_entropy_bits(secret) < MIN_SECRET_ENTROPY_BITS:
            yield Refusal(
                "SECRET_KEY",
                "is too easy to guess: generate one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'",
            )
        if self.BCRYPT_ROUNDS < MIN_BCRYPT_ROUNDS:
            yield Refusal(
                "BCRYPT_ROUNDS",
                f"{self.BCRYPT_ROUNDS} is too cheap outside development: "
                f"use at least {MIN_BCRYPT_ROUNDS} (default 12)",
            )
        if self.is_production and any(network.prefixlen == 0 for network in self.TRUSTED_PROXIES):
            yield Refusal(
                "TRUSTED_PROXIES",
                "trusts every address, so any client could choose its own address for the "
                "rate limits: list your proxies' addresses",
            )

    def rate_limits(self) -> dict[str, RateLimit]:
        """The rate limits, by action: one table. Parts that build on this one add theirs to
        `super()`'s."""
        window = self.RATE_LIMIT_WINDOW_SECONDS
        return {
            "login": RateLimit(
                self.RATE_LIMIT_LOGIN_PER_ACCOUNT, self.RATE_LIMIT_LOGIN_PER_IP, window
            ),
            "register": RateLimit(
                self.RATE_LIMIT_REGISTER_PER_ACCOUNT, self.RATE_LIMIT_REGISTER_PER_IP, window
            ),
        }
