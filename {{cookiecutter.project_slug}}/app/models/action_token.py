"""Single-use tokens sent by e-mail: address verification and password reset.

Only a SHA-256 hash of each token is stored. A token serves one purpose, until it expires,
once, and only while the account still has the address it was sent to (and, for a reset,
the auth epoch it was issued in). Issuing a token deletes the user's older ones of the same
purpose.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.mixins import IdMixin
from app.models.types import EMAIL_MAX_LENGTH, UTCDateTime


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105  # a purpose, not a secret


class ActionToken(IdMixin, Base):
    __tablename__ = "action_tokens"
    __table_args__ = (
        CheckConstraint("purpose IN ('verify_email', 'reset_password')", name="purpose"),
    )

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(32))
    # The address the token was mailed to: it stops working if the account's address changes.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The user's auth_epoch when the token was issued: a reset link works only while the two
    # are equal, so a password change or "log out everywhere" retires the links still in a mailbox.
    auth_epoch: Mapped[int] = mapped_column(Integer)
