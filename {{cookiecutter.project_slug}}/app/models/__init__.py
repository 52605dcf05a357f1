"""Every model is imported here, so that `Base.metadata` knows all tables (Alembic reads it)."""

from app.models.base import Base
from app.models.refresh_token import RefreshToken, RefreshTokenFamily
from app.models.user import User

__all__ = ["Base", "RefreshToken", "RefreshTokenFamily", "User"]
