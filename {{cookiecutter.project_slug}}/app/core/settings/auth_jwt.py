"""Signing in with JWT access tokens and opaque, rotating refresh tokens."""

from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from app.core.settings.accounts import AccountSettings, RateLimit
from app.core.settings.base import Refusal

# An HMAC key as long as the hash (RFC 7518 3.2); PyJWT warns about shorter ones.
HMAC_KEY_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


class AuthSettings(AccountSettings):
    JWT_ALGORITHM: Literal["HS256", "HS384", "HS512"] = "HS256"
    JWT_ISSUER: str = "{{ cookiecutter.project_slug }}"
    ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=30, ge=1, le=1440)
    REFRESH_TOKEN_EXPIRE_DAYS: int = Field(default=7, ge=1)
    # Absolute lifetime of a login: rotation never extends a refresh family past it.
    REFRESH_FAMILY_MAX_DAYS: int = Field(default=30, ge=1)
    RATE_LIMIT_REFRESH_PER_ACCOUNT: int = Field(default=30, ge=1)
    RATE_LIMIT_REFRESH_PER_IP: int = Field(default=60, ge=1)

    def refusals(self) -> Iterator[Refusal]:
        yield from super().refusals()
        key_bytes = len(self.SECRET_KEY.get_secret_value().encode())
        if key_bytes < HMAC_KEY_BYTES[self.JWT_ALGORITHM]:
            yield Refusal(
                "SECRET_KEY",
                f"JWT_ALGORITHM={self.JWT_ALGORITHM} needs at least "
                f"{HMAC_KEY_BYTES[self.JWT_ALGORITHM]} bytes (it has {key_bytes})",
            )

    def rate_limits(self) -> dict[str, RateLimit]:
        return {
            **super().rate_limits(),
            "refresh": RateLimit(
                self.RATE_LIMIT_REFRESH_PER_ACCOUNT,
                self.RATE_LIMIT_REFRESH_PER_IP,
                self.RATE_LIMIT_WINDOW_SECONDS,
            ),
        }
