"""User accounts. E-mail addresses are stored lower-case, so uniqueness ignores case."""
{%- if cookiecutter.auth_mode == "jwt" or cookiecutter.enable_email %}

from datetime import datetime
{%- endif %}

from sqlalchemy import Boolean, CheckConstraint, String, false, {% if cookiecutter.auth_mode == "jwt" %}func, {% endif %}true
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.mixins import IdMixin, TimestampMixin
{%- if cookiecutter.auth_mode == "jwt" or cookiecutter.enable_email %}
from app.models.types import UTCDateTime
{%- endif %}

EMAIL_MAX_LENGTH = 320
FULL_NAME_MAX_LENGTH = 255


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)
    # Read back server-side timestamps on UPDATE too, so responses never lazy-load them.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(FULL_NAME_MAX_LENGTH))
    hashed_password: Mapped[str] = mapped_column(String(128))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
{%- if cookiecutter.auth_mode == "jwt" %}
    # Tokens issued before this instant (whole seconds, like a JWT's iat) are refused:
    # moved forward by a password change and by "log out everywhere".
    tokens_valid_after: Mapped[datetime] = mapped_column(
        UTCDateTime, server_default=func.date_trunc("second", func.now())
    )
{%- endif %}
{%- if cookiecutter.enable_email %}
    # When the address was confirmed through a mailed link; cleared when the address changes.
    # Signing in does not require it: check `is_verified` where it matters.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None
{%- endif %}
