"""Sign-in, {% if cookiecutter.auth_mode == "jwt" %}tokens{% else %}sessions{% endif %} and password change."""
{% if cookiecutter.auth_mode == "jwt" %}
import uuid
from typing import Annotated, Literal
{%- elif cookiecutter.auth_mode == "session" %}
from datetime import datetime
from typing import Literal
{%- endif %}

from pydantic import BaseModel, Field

from app.schemas.user import Email, NewPassword, Password
{%- if cookiecutter.auth_mode == "jwt" %}

# Refresh tokens are 43 URL-safe characters; anything much longer is not one of ours.
OpaqueToken = Annotated[str, Field(min_length=1, max_length=128)]
{%- endif %}


class LoginRequest(BaseModel):
    email: Email
    password: Password

    model_config = {
        "json_schema_extra": {
            "examples": [{"email": "ada@example.com", "password": "correct horse battery staple"}]
        }
    }

{%- if cookiecutter.auth_mode == "jwt" %}


class OAuth2PasswordForm(BaseModel):
    """The OAuth2 password grant form, as Swagger's Authorize button sends it."""

    grant_type: Literal["password"] | None = None
    username: Email = Field(description="The account's e-mail address")
    password: Password
    scope: str = Field(default="", max_length=200)


class Token(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  # a type, not a secret
    expires_in: int = Field(description="Seconds until the access token expires")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...",
                    "refresh_token": "kq1V3G7ztA7d0aD6b9Jx0a5b6Xx2cT1hYv4W8nR3sQe",
                    "token_type": "bearer",
                    "expires_in": 1800,
                }
            ]
        }
    }


class TokenPayload(BaseModel):
    """The claims of an access token that the application reads (PyJWT checked the rest)."""

    sub: str = Field(pattern=r"^[1-9][0-9]{0,17}$")
    sid: uuid.UUID
    iat: int

    @property
    def user_id(self) -> int:
        return int(self.sub)


class RefreshRequest(BaseModel):
    refresh_token: OpaqueToken

    model_config = {
        "json_schema_extra": {
            "examples": [{"refresh_token": "kq1V3G7ztA7d0aD6b9Jx0a5b6Xx2cT1hYv4W8nR3sQe"}]
        }
    }


class LogoutRequest(RefreshRequest):
    """Logging out revokes the login that this refresh token belongs to."""
{%- elif cookiecutter.auth_mode == "session" %}


class SessionInfo(BaseModel):
    expires_at: datetime = Field(description="The absolute end of the session")
    idle_timeout_seconds: int = Field(description="The session ends after this long unused")


class SessionCookieResponse(SessionInfo):
    """The session itself is in the `__Host-session` cookie, out of reach of scripts."""

    csrf_token: str = Field(
        description="Send it as `X-CSRF-Token` with every POST, PUT, PATCH and DELETE "
        "(also readable from the `__Host-csrf` cookie)"
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "csrf_token": "0b1Yc2Vz6r8pQf4tXk3LwZ9aN5mJ7hG2dS1eR0uV8yA",
                    "expires_at": "2026-01-31T12:00:00Z",
                    "idle_timeout_seconds": 1800,
                }
            ]
        }
    }


class SessionTokenResponse(SessionInfo):
    session_token: str = Field(description="Send it as `Authorization: Bearer <token>`")
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  # a type, not a secret

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "session_token": "kq1V3G7ztA7d0aD6b9Jx0a5b6Xx2cT1hYv4W8nR3sQe",
                    "token_type": "bearer",
                    "expires_at": "2026-01-31T12:00:00Z",
                    "idle_timeout_seconds": 1800,
                }
            ]
        }
    }
{%- endif %}


class PasswordChangeRequest(BaseModel):
    current_password: Password
    new_password: NewPassword

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "current_password": "correct horse battery staple",
                    "new_password": "a new and longer passphrase",
                }
            ]
        }
    }
