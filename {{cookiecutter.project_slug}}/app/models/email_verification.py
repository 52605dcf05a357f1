"""Which address of an account was confirmed through a mailed link."""

from typing import TYPE_CHECKING

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.types import EMAIL_MAX_LENGTH


class EmailVerificationMixin:
    # The address the account proved it receives; a new address is unverified until proven.
    # Signing in does not require it: check `is_verified` where it matters.
    verified_email: Mapped[str | None] = mapped_column(String(EMAIL_MAX_LENGTH))
    if TYPE_CHECKING:
        email: str  # the model's own column

    @property
    def is_verified(self) -> bool:
        return self.verified_email is not None and self.verified_email == self.email
