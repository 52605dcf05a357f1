"""Accounts, whatever the way of signing in: the signing secret, bcrypt, rate limits, the
first superuser and the proxies whose client addresses are believed."""

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
# bcrypt costs below this are refused in production (test suites use 4, for speed).
MIN_BCRYPT_ROUNDS = 10


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
        if not self.is_production:
            return
        if self.SECRET_KEY.get_secret_value().lower() in PLACEHOLDER_SECRETS:
            yield Refusal("SECRET_KEY", "is a placeholder: set a fresh random value in production")
        if self.BCRYPT_ROUNDS < MIN_BCRYPT_ROUNDS:
            yield Refusal(
                "BCRYPT_ROUNDS",
                f"{self.BCRYPT_ROUNDS} is too cheap for production: "
                f"use at least {MIN_BCRYPT_ROUNDS} (default 12)",
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
