"""Every model is imported here, so that `Base.metadata` knows all tables (Alembic reads it)."""

from app.models.base import Base

__all__ = ["Base"]
