"""Signing in with opaque server-side sessions, in a __Host- cookie or as a bearer token."""

from pydantic import Field

from app.core.settings.accounts import AccountSettings


class AuthSettings(AccountSettings):
    # A session ends after this many idle minutes, and at its absolute end however active.
    SESSION_IDLE_MINUTES: int = Field(default=30, ge=1, le=1440)
    SESSION_LIFETIME_HOURS: int = Field(default=24, ge=1, le=720)
