"""User accounts. E-mail addresses are stored lower-case, so uniqueness ignores case."""

from sqlalchemy import Boolean, CheckConstraint, Integer, String, false, text, true
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
{%- if cookiecutter.__email %}
from app.models.email_verification import EmailVerificationMixin
{%- endif %}
from app.models.mixins import IdMixin, TimestampMixin
from app.models.types import EMAIL_MAX_LENGTH

FULL_NAME_MAX_LENGTH = 255


class User(
{%- if cookiecutter.__email %}
    EmailVerificationMixin,
{%- endif %}
    IdMixin,
    TimestampMixin,
    Base,
):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)
    # Read back server-side timestamps on UPDATE too, so responses never lazy-load them.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(FULL_NAME_MAX_LENGTH))
    hashed_password: Mapped[str] = mapped_column(String(128))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Every sign-in records the epoch it began in, and only sign-ins of the current epoch are
    # accepted. Moving it forward ends them all at once, those still being created included:
    # password change or reset, "log out everywhere", deactivation.
    auth_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
