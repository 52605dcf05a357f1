"""Outgoing e-mail (verification and password reset links): SMTP, or the log in development."""

from collections.abc import Iterator
from typing import Literal

from pydantic import EmailStr, Field, SecretStr, field_validator

from app.core.settings.accounts import AccountSettings, RateLimit
from app.core.settings.base import Refusal

# SMTP without TLS is accepted in production only to a relay on the same host.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
PLACEHOLDER_EMAIL_FROM = "no-reply@example.com"


class EmailSettings(AccountSettings):
    """Builds on the account settings: e-mail flows exist only where accounts do."""

    # "smtp" sends through SMTP_*; "console" only logs each message (development only).
    EMAIL_BACKEND: Literal["smtp", "console"] = "console"
    EMAIL_FROM: EmailStr = PLACEHOLDER_EMAIL_FROM
    SMTP_HOST: str = "localhost"
    SMTP_PORT: int = Field(default=587, ge=1, le=65535)
    # "starttls" upgrades a plain connection (port 587); "tls" is encrypted from the start (465).
    SMTP_SECURITY: Literal["starttls", "tls", "none"] = "starttls"
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: SecretStr | None = None
    SMTP_TIMEOUT: float = Field(default=10.0, gt=0)
    # Links in e-mails open the frontend: {FRONTEND_URL}/reset-password?token=...
    FRONTEND_URL: str = "http://localhost:3000"
    EMAIL_VERIFY_TOKEN_EXPIRE_MINUTES: int = Field(default=1440, ge=5, le=1440)
    PASSWORD_RESET_TOKEN_EXPIRE_MINUTES: int = Field(default=30, ge=5, le=60)
    RATE_LIMIT_FORGOT_PASSWORD_PER_ACCOUNT: int = Field(default=3, ge=1)
    RATE_LIMIT_FORGOT_PASSWORD_PER_IP: int = Field(default=10, ge=1)
    RATE_LIMIT_VERIFY_EMAIL_PER_ACCOUNT: int = Field(default=3, ge=1)
    RATE_LIMIT_EMAIL_TOKEN_PER_IP: int = Field(default=20, ge=1)

    @field_validator("FRONTEND_URL")
    @classmethod
    def frontend_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("FRONTEND_URL must start with https:// (e.g. https://app.example.com)")
        return value.rstrip("/")

    def refusals(self) -> Iterator[Refusal]:
        yield from super().refusals()
        if self.EMAIL_BACKEND == "console" and not self.is_development:
            yield Refusal(
                "EMAIL_BACKEND",
                "console only logs e-mails and is for development: set smtp and SMTP_HOST",
            )
        if not self.is_production:
            return
        if not self.FRONTEND_URL.startswith("https://"):
            yield Refusal("FRONTEND_URL", "must use https:// in production")
        if self.EMAIL_FROM == PLACEHOLDER_EMAIL_FROM:
            yield Refusal("EMAIL_FROM", "is a placeholder: set the address mails come from")
        if self.SMTP_SECURITY == "none" and self.SMTP_HOST not in LOOPBACK_HOSTS:
            yield Refusal(
                "SMTP_SECURITY",
                f"none would send reset links in clear text to {self.SMTP_HOST}: "
                "use starttls or tls (or a relay on localhost)",
            )

    def rate_limits(self) -> dict[str, RateLimit]:
        window = self.RATE_LIMIT_WINDOW_SECONDS
        return {
            **super().rate_limits(),
            "forgot_password": RateLimit(
                self.RATE_LIMIT_FORGOT_PASSWORD_PER_ACCOUNT,
                self.RATE_LIMIT_FORGOT_PASSWORD_PER_IP,
                window,
            ),
            "verify_email": RateLimit(self.RATE_LIMIT_VERIFY_EMAIL_PER_ACCOUNT, None, window),
            "email_token": RateLimit(None, self.RATE_LIMIT_EMAIL_TOKEN_PER_IP, window),
        }
