"""Sign-in with tokens: the OAuth2 form, the tokens, the claims the app reads."""

import uuid
from typing import Annotated, Literal

from pydantic import Field

from app.schemas.common import Schema
from app.schemas.fields import Email, Password

EXAMPLE_REFRESH_TOKEN = "kq1V3G7ztA7d0aD6b9Jx0a5b6Xx2cT1hYv4W8nR3sQe"  # noqa: S105  # an example
# Refresh tokens are 43 URL-safe characters; anything much longer is not one of ours.
OpaqueToken = Annotated[str, Field(min_length=1, max_length=128, examples=[EXAMPLE_REFRESH_TOKEN])]


class OAuth2PasswordForm(Schema):
    """The OAuth2 password grant form, as Swagger's Authorize button sends it."""

    grant_type: Literal["password"] | None = None
    username: Email = Field(description="The account's e-mail address")
    password: Password
    scope: str = Field(default="", max_length=200)


class Token(Schema):
    access_token: str = Field(examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."])
    refresh_token: str = Field(examples=[EXAMPLE_REFRESH_TOKEN])
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  # a type, not a secret
    expires_in: int = Field(description="Seconds until the access token expires", examples=[1800])


class TokenPayload(Schema):
    """The claims of an access token that the application reads (PyJWT checked the rest)."""

    sub: str = Field(pattern=r"^[1-9][0-9]{0,17}$")
    sid: uuid.UUID

    @property
    def user_id(self) -> int:
        return int(self.sub)


class RefreshRequest(Schema):
    refresh_token: OpaqueToken


class LogoutRequest(RefreshRequest):
    """Logging out revokes the login that this refresh token belongs to."""
