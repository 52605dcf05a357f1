"""Application settings, read from the environment and `.env`, validated at start-up."""

import json
from functools import lru_cache
from typing import Annotated, Literal, Self

from pydantic import {% if cookiecutter.enable_email %}EmailStr, {% endif %}Field, {% if cookiecutter.auth_mode != "none" %}IPvAnyNetwork, {% endif %}{% if cookiecutter.auth_mode != "none" or cookiecutter.use_sentry %}SecretStr, {% endif %}field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
{%- if cookiecutter.auth_mode != "none" or cookiecutter.use_redis %}
{% endif %}
{%- if cookiecutter.auth_mode != "none" %}
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
{%- endif %}
{%- if cookiecutter.use_redis %}
# `make try` runs without a Redis server: this URL gives an in-process stand-in (fakeredis).
IN_PROCESS_REDIS_URL = "memory://"
{%- endif %}
{%- if cookiecutter.auth_mode == "jwt" %}
# An HMAC key as long as the hash (RFC 7518 3.2); PyJWT warns about shorter ones.
HMAC_KEY_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
{%- endif %}
{%- if cookiecutter.enable_email %}
# SMTP without TLS is accepted in production only to a relay on the same host.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
PLACEHOLDER_EMAIL_FROM = "no-reply@example.com"
{%- endif %}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=True,
    )

    PROJECT_NAME: str = "{{ cookiecutter.project_name }}"
    VERSION: str = "{{ cookiecutter.version }}"
    ENVIRONMENT: Literal["development", "staging", "production"] = "development"
    DEBUG: bool = False
    API_V1_PREFIX: str = "/api/v1"

    HOST: str = "127.0.0.1"
    PORT: int = Field(default=8000, ge=1, le=65535)
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    DATABASE_URL: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/{{ cookiecutter.project_slug }}"
    DB_POOL_SIZE: int = Field(default=10, ge=1)
    DB_MAX_OVERFLOW: int = Field(default=10, ge=0)
    DB_POOL_TIMEOUT: float = Field(default=10.0, gt=0)
    DB_POOL_RECYCLE: int = Field(default=1800, ge=-1)
    DB_ECHO: bool = False

{%- if cookiecutter.use_redis %}

    REDIS_URL: str = "redis://127.0.0.1:6379/0"
    REDIS_TIMEOUT: float = Field(default=2.0, gt=0)
{%- endif %}
{%- if cookiecutter.auth_mode != "none" %}

    SECRET_KEY: SecretStr
{%- endif %}
{%- if cookiecutter.auth_mode == "jwt" %}

    # Authentication: short-lived JWT access tokens, opaque rotating refresh tokens.
    JWT_ALGORITHM: Literal["HS256", "HS384", "HS512"] = "HS256"
    JWT_ISSUER: str = "{{ cookiecutter.project_slug }}"
    ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=30, ge=1, le=1440)
    REFRESH_TOKEN_EXPIRE_DAYS: int = Field(default=7, ge=1)
    # Absolute lifetime of a login: rotation never extends a refresh family past it.
    REFRESH_FAMILY_MAX_DAYS: int = Field(default=30, ge=1)
{%- elif cookiecutter.auth_mode == "session" %}

    # Authentication: opaque server-side sessions, in a __Host- cookie or as a bearer token.
    # A session ends after this many idle minutes, and at its absolute end however active.
    SESSION_IDLE_MINUTES: int = Field(default=30, ge=1, le=1440)
    SESSION_LIFETIME_HOURS: int = Field(default=24, ge=1, le=720)
{%- if cookiecutter.use_redis %}
    # How long Redis may answer for a session; logout still takes effect at once.
    SESSION_CACHE_SECONDS: int = Field(default=60, ge=1, le=3600)
{%- endif %}
{%- endif %}
{%- if cookiecutter.auth_mode != "none" %}
    BCRYPT_ROUNDS: int = Field(default=12, ge=4, le=31)
    # Proxies whose X-Forwarded-For is believed (IPs or CIDRs); otherwise the socket peer counts.
    TRUSTED_PROXIES: Annotated[list[IPvAnyNetwork], NoDecode] = Field(default_factory=list)
    # Fixed-window limits on the auth endpoints; past them: 429 with Retry-After.
    RATE_LIMIT_WINDOW_SECONDS: int = Field(default=900, ge=1)
    RATE_LIMIT_LOGIN_PER_ACCOUNT: int = Field(default=5, ge=1)
    RATE_LIMIT_LOGIN_PER_IP: int = Field(default=20, ge=1)
    RATE_LIMIT_REGISTER_PER_ACCOUNT: int = Field(default=5, ge=1)
    RATE_LIMIT_REGISTER_PER_IP: int = Field(default=10, ge=1)
{%- if cookiecutter.auth_mode == "jwt" %}
    RATE_LIMIT_REFRESH_PER_ACCOUNT: int = Field(default=30, ge=1)
    RATE_LIMIT_REFRESH_PER_IP: int = Field(default=60, ge=1)
{%- endif %}
    # Read by `python -m app.cli create-superuser`; nothing happens while they are unset.
    FIRST_SUPERUSER_EMAIL: str | None = None
    FIRST_SUPERUSER_PASSWORD: SecretStr | None = None
{%- endif %}

    CORS_ORIGINS: Annotated[list[str], NoDecode] = Field(default_factory=list)
    CORS_ALLOW_CREDENTIALS: bool = True

    HEALTH_CHECK_TIMEOUT: float = Field(default=2.0, gt=0)
    MAX_REQUEST_BODY_BYTES: int = Field(default=1_048_576, ge=1024)
{%- if cookiecutter.enable_email %}

    # E-mail: "smtp" sends through SMTP_*; "console" only logs each message (development only).
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
{%- endif %}
{%- if cookiecutter.use_sentry %}

    # Errors go to Sentry only when a DSN is set; traces are off unless a rate is given.
    SENTRY_DSN: SecretStr | None = None
    SENTRY_TRACES_SAMPLE_RATE: float = Field(default=0.0, ge=0.0, le=1.0)
{%- endif %}

    @field_validator("CORS_ORIGINS"{% if cookiecutter.auth_mode != "none" %}, "TRUSTED_PROXIES"{% endif %}, mode="before")
    @classmethod
    def split_origins(cls, value: object) -> object:
        """Accept `a,b` as well as a JSON list, as .env files usually hold the former."""
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def async_driver(cls, value: str) -> str:
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError(
                "DATABASE_URL must use an async driver: postgresql+asyncpg://user:password@host:5432/db"
            )
        return value
{%- if cookiecutter.auth_mode != "none" %}

    @field_validator("SECRET_KEY")
    @classmethod
    def long_secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes; generate one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return value
{%- endif %}

    @model_validator(mode="after")
    def safe_configuration(self) -> Self:
        if "*" in self.CORS_ORIGINS and self.CORS_ALLOW_CREDENTIALS:
            raise ValueError(
                "CORS_ORIGINS='*' with CORS_ALLOW_CREDENTIALS=true lets any site act as the user: "
                "list the allowed origins explicitly"
            )
{%- if cookiecutter.auth_mode == "jwt" %}
        key_bytes = len(self.SECRET_KEY.get_secret_value().encode())
        if key_bytes < HMAC_KEY_BYTES[self.JWT_ALGORITHM]:
            raise ValueError(
                f"JWT_ALGORITHM={self.JWT_ALGORITHM} needs a SECRET_KEY of at least "
                f"{HMAC_KEY_BYTES[self.JWT_ALGORITHM]} bytes (it has {key_bytes})"
            )
{%- endif %}
        if self.is_production:
{%- if cookiecutter.auth_mode != "none" %}
            if self.BCRYPT_ROUNDS < MIN_BCRYPT_ROUNDS:
                raise ValueError(
                    f"BCRYPT_ROUNDS={self.BCRYPT_ROUNDS} is too cheap for production: "
                    f"use at least {MIN_BCRYPT_ROUNDS} (default 12)"
                )
{%- endif %}
            if self.DEBUG:
                raise ValueError("DEBUG must be false in production")
            if self.DATABASE_URL.startswith("sqlite"):
                raise ValueError(
                    "DATABASE_URL is SQLite, which is only for `make try`: "
                    "use postgresql+asyncpg:// in production"
                )
{%- if cookiecutter.use_redis %}
            if self.REDIS_URL == IN_PROCESS_REDIS_URL:
                raise ValueError(
                    f"REDIS_URL={IN_PROCESS_REDIS_URL} is an in-process stand-in for `make try`: "
                    "use redis:// or rediss:// in production"
                )
{%- endif %}
{%- if cookiecutter.auth_mode != "none" %}
            if self.SECRET_KEY.get_secret_value().lower() in PLACEHOLDER_SECRETS:
                raise ValueError(
                    "SECRET_KEY is a placeholder: set a fresh random value in production"
                )
{%- endif %}
        return self
{%- if cookiecutter.enable_email %}

    @field_validator("FRONTEND_URL")
    @classmethod
    def frontend_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("FRONTEND_URL must start with https:// (e.g. https://app.example.com)")
        return value.rstrip("/")

    @model_validator(mode="after")
    def safe_email(self) -> Self:
        if self.EMAIL_BACKEND == "console" and not self.is_development:
            raise ValueError(
                "EMAIL_BACKEND=console only logs e-mails and is for development: "
                "set EMAIL_BACKEND=smtp and SMTP_HOST"
            )
        if self.is_production:
            if not self.FRONTEND_URL.startswith("https://"):
                raise ValueError("FRONTEND_URL must use https:// in production")
            if self.EMAIL_FROM == PLACEHOLDER_EMAIL_FROM:
                raise ValueError("EMAIL_FROM is a placeholder: set the address mails come from")
            if self.SMTP_SECURITY == "none" and self.SMTP_HOST not in LOOPBACK_HOSTS:
                raise ValueError(
                    "SMTP_SECURITY=none would send reset links in clear text to "
                    f"{self.SMTP_HOST}: use starttls or tls (or a relay on localhost)"
                )
        return self
{%- endif %}

    @property
    def is_production(self) -> bool:
        return self.ENVIRONMENT == "production"

    @property
    def is_development(self) -> bool:
        return self.ENVIRONMENT == "development"


@lru_cache
def get_settings() -> Settings:
    return Settings()
