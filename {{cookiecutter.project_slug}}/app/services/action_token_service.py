"""Single-use tokens mailed to users (see models/action_token.py): issued, then redeemed once."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.exceptions import AppError
from app.core.tokens import hash_opaque_token
from app.models.action_token import ActionToken, TokenPurpose
from app.models.user import User


class InvalidEmailTokenError(AppError):
    """One answer for an unknown, expired, used or wrong-purpose token."""

    detail = "This link is invalid or has expired: request a new one"


def token_lifetime(settings: Settings, purpose: TokenPurpose) -> timedelta:
    if purpose is TokenPurpose.RESET_PASSWORD:
        return timedelta(minutes=settings.PASSWORD_RESET_TOKEN_EXPIRE_MINUTES)
    return timedelta(minutes=settings.EMAIL_VERIFY_TOKEN_EXPIRE_MINUTES)


class ActionTokenStore:
    """Issue and redeem tokens; the caller commits."""

    def __init__(self, db: AsyncSession, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def issue(self, user: User, purpose: TokenPurpose, token: str) -> None:
        """Store `token` (a `new_opaque_token()`, or one as random); the user's older tokens
        of this purpose stop working."""
        await self.db.execute(
            delete(ActionToken).where(
                ActionToken.user_id == user.id, ActionToken.purpose == purpose
            )
        )
        self.db.add(
            ActionToken(
                user_id=user.id,
                purpose=purpose,
                email=user.email,
                auth_epoch=user.auth_epoch,
                token_hash=hash_opaque_token(token),
                expires_at=datetime.now(UTC) + token_lifetime(self.settings, purpose),
            )
        )
        await self.db.flush()

    async def redeem(self, token: str, purpose: TokenPurpose) -> User:
        """The active user the token was issued to, marking it used in the same statement, so
        that two concurrent requests cannot both redeem it."""
        now = datetime.now(UTC)
        row = (
            await self.db.execute(
                update(ActionToken)
                .where(
                    ActionToken.token_hash == hash_opaque_token(token),
                    ActionToken.purpose == purpose,
                    ActionToken.used_at.is_(None),
                    ActionToken.expires_at > now,
                )
                .values(used_at=now)
                .returning(ActionToken.user_id, ActionToken.email, ActionToken.auth_epoch)
            )
        ).one_or_none()
        user = await self.db.get(User, row.user_id) if row else None
        if row is None or user is None or not user.is_active or user.email != row.email:
            raise InvalidEmailTokenError
        if purpose is TokenPurpose.RESET_PASSWORD and user.auth_epoch != row.auth_epoch:
            raise InvalidEmailTokenError
        return user
