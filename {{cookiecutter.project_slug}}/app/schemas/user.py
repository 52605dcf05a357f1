"""User accounts as they enter and leave the API. No schema lets a user set their own role."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, EmailStr, Field

from app.core.security import (
    MAX_PASSWORD_BYTES,
    MIN_PASSWORD_LENGTH,
    check_new_password,
    check_password_bytes,
)
from app.models.user import EMAIL_MAX_LENGTH, FULL_NAME_MAX_LENGTH

# Normalised to lower case: "Ada@Example.com" and "ada@example.com" are one account.
Email = Annotated[EmailStr, Field(max_length=EMAIL_MAX_LENGTH), AfterValidator(str.lower)]
# A password being chosen: 8 characters to 72 bytes, not one of the most common ones.
NewPassword = Annotated[
    str,
    Field(min_length=MIN_PASSWORD_LENGTH, json_schema_extra={"maxLength": MAX_PASSWORD_BYTES}),
    AfterValidator(check_new_password),
]
# A password being checked: only the 72-byte limit, which bcrypt itself imposes.
Password = Annotated[
    str,
    Field(min_length=1, json_schema_extra={"maxLength": MAX_PASSWORD_BYTES}),
    AfterValidator(check_password_bytes),
]
# No control characters: PostgreSQL text cannot even hold NUL.
FullName = Annotated[
    str, Field(min_length=1, max_length=FULL_NAME_MAX_LENGTH, pattern=r"^[^\x00-\x1f\x7f]+$")
]


class UserCreate(BaseModel):
    email: Email
    password: NewPassword
    full_name: FullName | None = None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "email": "ada@example.com",
                    "password": "correct horse battery staple",
                    "full_name": "Ada Lovelace",
                }
            ]
        }
    }


class UserUpdate(BaseModel):
    """What users may change about themselves. A new e-mail needs the current password."""

    email: Email | None = None
    full_name: FullName | None = None
    current_password: Password | None = None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {"full_name": "Ada King"},
                {
                    "email": "ada.king@example.com",
                    "current_password": "correct horse battery staple",
                },
            ]
        }
    }


class UserAdminUpdate(BaseModel):
    """What an administrator may change about any account."""

    email: Email | None = None
    full_name: FullName | None = None
    is_active: bool | None = None
    is_superuser: bool | None = None

    model_config = {"json_schema_extra": {"examples": [{"is_active": False}]}}


class UserResponse(BaseModel):
    id: int
    email: str
    full_name: str | None
    is_active: bool
    is_superuser: bool
{%- if cookiecutter.enable_email %}
    # Whether the e-mail address was confirmed; signing in does not require it.
    is_verified: bool
{%- endif %}
    created_at: datetime

    model_config = {
        "from_attributes": True,
        "json_schema_extra": {
            "examples": [
                {
                    "id": 1,
                    "email": "ada@example.com",
                    "full_name": "Ada Lovelace",
                    "is_active": True,
                    "is_superuser": False,
{%- if cookiecutter.enable_email %}
                    "is_verified": True,
{%- endif %}
                    "created_at": "2026-01-31T12:00:00Z",
                }
            ]
        },
    }
