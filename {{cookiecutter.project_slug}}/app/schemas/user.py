"""User accounts as they enter and leave the API. No schema lets a user set their own role."""

from datetime import datetime

from pydantic import Field

{% if cookiecutter.__email -%}
from app.schemas.account import VerificationStatus
{% endif -%}
from app.schemas.common import Schema
from app.schemas.fields import Email, FullName, NewPassword, Password


class UserCreate(Schema):
    email: Email
    password: NewPassword
    full_name: FullName | None = None


class UserUpdate(Schema):
    """What users may change about themselves. A new e-mail needs the current password."""

    email: Email | None = None
    full_name: FullName | None = None
    current_password: Password | None = None


class UserAdminUpdate(Schema):
    """What an administrator may change about any account."""

    email: Email | None = None
    full_name: FullName | None = None
    is_active: bool | None = Field(default=None, examples=[False])
    is_superuser: bool | None = None


class UserResponse(
{%- if cookiecutter.__email %}
    VerificationStatus,
{%- endif %}
    Schema,
):
    id: int = Field(examples=[1])
    email: str = Field(examples=["ada@example.com"])
    full_name: str | None = Field(examples=["Ada Lovelace"])
    is_active: bool
    is_superuser: bool
    created_at: datetime


class LoginRequest(Schema):
    email: Email
    password: Password


class PasswordChangeRequest(Schema):
    current_password: Password
    new_password: NewPassword
