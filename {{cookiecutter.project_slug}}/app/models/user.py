"""User accounts. E-mail addresses are stored lower-case, so uniqueness ignores case."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, String, false, func, true
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.mixins import IdMixin, TimestampMixin

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
    # Tokens issued before this instant (whole seconds, like a JWT's iat) are refused:
    # moved forward by a password change and by "log out everywhere".
    tokens_valid_after: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.date_trunc("second", func.now())
    )
