"""Refresh tokens: opaque, stored as SHA-256 hashes, rotated on every use.

A family is one login. Every refresh replaces the presented token with a new one in the same
family; presenting a token that was already replaced revokes the whole family. Access tokens
carry their family id (`sid`), so revoking a family also stops its access tokens at once, and
so does moving the user's `auth_epoch` past the family's.
"""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.mixins import IdMixin
from app.models.types import UTCDateTime


class RefreshTokenFamily(Base):
    __tablename__ = "refresh_token_families"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())
    # The absolute end of this login, however often it is refreshed.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The user's auth_epoch at login: the family works only while the two are equal.
    auth_epoch: Mapped[int] = mapped_column(Integer)


class RefreshToken(IdMixin, Base):
    __tablename__ = "refresh_tokens"

    family_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("refresh_token_families.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set when this token was exchanged for its successor; presenting it again is re-use.
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
