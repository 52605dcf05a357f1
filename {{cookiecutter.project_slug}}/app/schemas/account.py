"""E-mail address verification and password reset requests."""

from typing import Annotated

from pydantic import Field

from app.schemas.common import Schema
from app.schemas.fields import Email, NewPassword

# Tokens are 43 URL-safe characters; anything much longer is not one of ours.
EmailToken = Annotated[
    str,
    Field(min_length=1, max_length=128, examples=["Zr6oYv1p0nq2m3HkE5b8QwT4xJ7sLd9cVaU1gN2hKfM"]),
]


class VerificationStatus(Schema):
    # Whether the e-mail address was confirmed; signing in does not require it.
    is_verified: bool


class EmailTokenRequest(Schema):
    """The token from the link in a verification e-mail."""

    token: EmailToken


class ForgotPasswordRequest(Schema):
    email: Email


class ResetPasswordRequest(Schema):
    token: EmailToken
    new_password: NewPassword


class AcceptedResponse(Schema):
    """The request was taken; an e-mail may follow."""

    detail: str
