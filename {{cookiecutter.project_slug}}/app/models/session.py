"""Server-side sessions: one row per sign-in, found by the SHA-256 hash of its opaque token.

The token itself is never stored. A session ends when it is deleted (logout, log out
everywhere, password change, the account's deletion), when the user's auth_epoch moves past
its own, when it has been idle for longer than the idle timeout, or at its absolute end,
however active it is.
"""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.mixins import IdMixin
from app.models.types import UTCDateTime


class UserSession(IdMixin, Base):
    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())
    # Moved forward by requests (at most once a minute); idle sessions end.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The absolute end of this session, however active it is.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The user's auth_epoch at sign-in: the session works only while the two are equal.
    auth_epoch: Mapped[int] = mapped_column(Integer)
