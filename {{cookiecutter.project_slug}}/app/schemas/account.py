"""E-mail verification and password reset requests."""

from typing import Annotated

from pydantic import BaseModel, Field

from app.schemas.user import Email, NewPassword

# Tokens are 43 URL-safe characters; anything much longer is not one of ours.
EmailToken = Annotated[str, Field(min_length=1, max_length=128)]
EXAMPLE_TOKEN = "Zr6oYv1p0nq2m3HkE5b8QwT4xJ7sLd9cVaU1gN2hKfM"  # noqa: S105  # documentation only


class EmailTokenRequest(BaseModel):
    """The token from the link in a verification e-mail."""

    token: EmailToken

    model_config = {"json_schema_extra": {"examples": [{"token": EXAMPLE_TOKEN}]}}


class ForgotPasswordRequest(BaseModel):
    email: Email

    model_config = {"json_schema_extra": {"examples": [{"email": "ada@example.com"}]}}


class ResetPasswordRequest(BaseModel):
    token: EmailToken
    new_password: NewPassword

    model_config = {
        "json_schema_extra": {
            "examples": [{"token": EXAMPLE_TOKEN, "new_password": "a new and longer passphrase"}]
        }
    }


class AcceptedResponse(BaseModel):
    """The request was taken; an e-mail may follow."""

    detail: str
