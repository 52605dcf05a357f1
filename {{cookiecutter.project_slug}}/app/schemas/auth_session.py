"""Sessions as the sign-in endpoints hand them out."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.schemas.common import Schema

EXAMPLE_TOKEN = "kq1V3G7ztA7d0aD6b9Jx0a5b6Xx2cT1hYv4W8nR3sQe"  # noqa: S105  # documentation only


class SessionInfo(Schema):
    expires_at: datetime = Field(
        description="The absolute end of the session", examples=["2026-01-31T12:00:00Z"]
    )
    idle_timeout_seconds: int = Field(
        description="The session ends after this long unused", examples=[1800]
    )


class SessionCookieResponse(SessionInfo):
    """The session itself is in the `__Host-session` cookie, out of reach of scripts."""

    csrf_token: str = Field(
        description="Send it as `X-CSRF-Token` with every POST, PUT, PATCH and DELETE "
        "(also readable from the `__Host-csrf` cookie)",
        examples=["0b1Yc2Vz6r8pQf4tXk3LwZ9aN5mJ7hG2dS1eR0uV8yA"],
    )


class SessionTokenResponse(SessionInfo):
    session_token: str = Field(
        description="Send it as `Authorization: Bearer <token>`", examples=[EXAMPLE_TOKEN]
    )
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  # a type, not a secret
