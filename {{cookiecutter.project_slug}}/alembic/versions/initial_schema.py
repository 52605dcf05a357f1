"""Initial schema

Revision ID: __initial_revision__
Revises:
Create Date: __creation_date__
"""

from collections.abc import Sequence

revision: str = "__initial_revision__"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
