"""Sign-in, tokens and password change."""

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.schemas.user import Email, NewPassword, Password

# Refresh tokens are 43 URL-safe characters; anything much longer is not one of ours.
OpaqueToken = Annotated[str, Field(min_length=1, max_length=128)]


class LoginRequest(BaseModel):
    email: Email
    password: Password

    model_config = {
        "json_schema_extra": {
            "examples": [{"email": "ada@example.com", "password": "correct horse battery staple"}]
        }
    }


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
