"""Accounts: creation, look-up, profile and administrator changes, passwords.

Nothing here knows how a user signs in; the auth service builds on these operations.
"""

import logging
from collections.abc import Sequence
{%- if cookiecutter.auth_mode == "jwt" %}
from datetime import UTC, datetime
{%- endif %}

from sqlalchemy import {% if cookiecutter.enable_email %}delete, {% endif %}func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.exceptions import ConflictError, NotFoundError, PermissionDeniedError
from app.core.security import hash_password, verify_password
{%- if cookiecutter.enable_email %}
from app.models.action_token import ActionToken, TokenPurpose
{%- endif %}
from app.models.user import User
from app.schemas.common import Pagination
from app.schemas.user import UserAdminUpdate, UserCreate, UserUpdate
from app.services.rate_limit_service import RateLimiter, account_key

logger = logging.getLogger(__name__)

EMAIL_TAKEN = "An account with this e-mail address already exists"


class WrongPasswordError(PermissionDeniedError):
    detail = "The current password is incorrect"
{%- if cookiecutter.auth_mode == "jwt" %}


def whole_seconds_now() -> datetime:
    """Token timestamps (`iat`) have whole seconds; revocation instants match them."""
    return datetime.now(UTC).replace(microsecond=0)
{%- endif %}


class UserService:
    def __init__(
        self, db: AsyncSession, settings: Settings, limiter: RateLimiter | None = None
    ) -> None:
        self.db = db
        self.settings = settings
        # Counts wrong current passwords like failed logins (absent in one-off commands).
        self.limiter = limiter

    async def get(self, user_id: int) -> User:
        user = await self.db.get(User, user_id)
        if user is None:
            raise NotFoundError("User not found")
        return user

    async def get_by_email(self, email: str) -> User | None:
        user: User | None = await self.db.scalar(select(User).where(User.email == email.lower()))
        return user

    async def list_page(self, page: Pagination) -> tuple[Sequence[User], int]:
        total = await self.db.scalar(select(func.count()).select_from(User)) or 0
        users = await self.db.scalars(
            select(User).order_by(User.id).limit(page.limit).offset(page.offset)
        )
        return users.all(), total

    async def create(self, data: UserCreate, *, is_superuser: bool = False) -> User:
        user = User(
            email=data.email,
            full_name=data.full_name,
            hashed_password=await hash_password(data.password, self.settings.BCRYPT_ROUNDS),
            is_superuser=is_superuser,
        )
        self.db.add(user)
        await self._commit_unique_email()
        return user

    async def update_own(self, user: User, data: UserUpdate) -> User:
        changes = data.model_dump(exclude_unset=True, exclude={"current_password"})
        if changes.get("email") not in (None, user.email):
            await self.require_password(
                user,
                data.current_password,
                "Changing the e-mail address needs the current password",
            )
        return await self._apply(user, changes)

    async def update_by_admin(self, user: User, data: UserAdminUpdate, *, admin: User) -> User:
        changes = data.model_dump(exclude_unset=True)
        if user.id == admin.id and (
            changes.get("is_active") is False or changes.get("is_superuser") is False
        ):
            raise ConflictError("Administrators cannot deactivate or demote themselves")
        return await self._apply(user, changes)

    async def deactivate(self, user: User, *, admin: User) -> User:
        if user.id == admin.id:
            raise ConflictError("Administrators cannot deactivate themselves")
        user.is_active = False
        await self.db.commit()
        return user

    async def delete(self, user: User, *, admin: User) -> None:
        if user.id == admin.id:
            raise ConflictError("Administrators cannot delete themselves")
        await self.db.delete(user)
        await self.db.commit()

    async def require_password(
        self, user: User, password: str | None, message: str = WrongPasswordError.detail
    ) -> None:
        """403 unless `password` is the user's; wrong guesses count as failed logins."""
        limiter, account = self.limiter, account_key(user.email)
        if limiter:
            await limiter.check(limiter.limits.login_account, account)
        if password is None or not await verify_password(password, user.hashed_password):
            if limiter:
                await limiter.record(limiter.limits.login_account, account)
            logger.warning("Wrong current password user_id=%s", user.id)
            raise WrongPasswordError(message)

    async def set_password(self, user: User, password: str) -> None:
{%- if cookiecutter.auth_mode == "jwt" %}
        """Store a new password; tokens issued before now stop working. The caller commits."""
        user.hashed_password = await hash_password(password, self.settings.BCRYPT_ROUNDS)
        user.tokens_valid_after = whole_seconds_now()
{%- else %}
        """Store a new password. The caller ends the sessions (AuthService) and commits."""
        user.hashed_password = await hash_password(password, self.settings.BCRYPT_ROUNDS)
{%- endif %}
{%- if cookiecutter.enable_email %}
        # Reset links still in a mailbox were meant for the old password: they stop working.
        await self.db.execute(
            delete(ActionToken).where(
                ActionToken.user_id == user.id,
                ActionToken.purpose == TokenPurpose.RESET_PASSWORD,
                ActionToken.used_at.is_(None),
            )
        )
{%- endif %}

    async def _apply(self, user: User, changes: dict[str, object]) -> User:
        for field, value in changes.items():
            if value is None and field != "full_name":
                continue  # explicit null: leave required fields unchanged
{%- if cookiecutter.enable_email %}
            if field == "email" and value != user.email:
                user.email_verified_at = None  # a new address is not verified yet
{%- endif %}
            setattr(user, field, value)
        await self._commit_unique_email()
        return user

    async def _commit_unique_email(self) -> None:
        try:
            await self.db.commit()
        except IntegrityError as exc:
            await self.db.rollback()
            raise ConflictError(EMAIL_TAKEN) from exc
