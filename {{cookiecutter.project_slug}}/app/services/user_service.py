"""Accounts: creation, look-up, profile and administrator changes, passwords.

Nothing here knows how a user signs in; the auth service builds on these operations. Methods
that change an account commit, except where a docstring says "The caller commits": those are
steps of a larger change, which its caller commits as one transaction.
"""

import logging
from collections.abc import Sequence
from functools import cached_property

from fastapi import BackgroundTasks
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.core.database import DatabaseResources
from app.core.exceptions import ConflictError, NotFoundError, PermissionDeniedError
from app.core.passwords import PasswordHasher
from app.models.user import User
from app.schemas.common import Pagination
from app.schemas.user import UserAdminUpdate, UserCreate, UserUpdate
from app.services.rate_limit_service import RateLimitResources, account_key

logger = logging.getLogger(__name__)

EMAIL_TAKEN = "An account with this e-mail address already exists"


class WrongPasswordError(PermissionDeniedError):
    detail = "The current password is incorrect"


class AuthResources(RateLimitResources, DatabaseResources):
    """What signing in needs: the rate limiter, the shared cache (if any), the password hasher
    and the database."""

    @cached_property
    def hasher(self) -> PasswordHasher:
        return PasswordHasher(
            rounds=self.settings.BCRYPT_ROUNDS,
            concurrency=self.settings.PASSWORD_HASH_CONCURRENCY,
            queue=self.settings.PASSWORD_HASH_QUEUE,
        )

    async def account_created(
        self, db: AsyncSession, user: User, background: BackgroundTasks
    ) -> None:
        """Schedule what follows a registration; parts add their share. The caller commits
        `db` before it answers."""


class UserService:
    def __init__(self, db: AsyncSession, resources: AuthResources) -> None:
        self.db = db
        self.settings = resources.settings
        self.hasher = resources.hasher
        # Counts checks of the current password like logins.
        self.limiter = resources.limiter

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
        await self.release_connection()
        user = User(
            email=data.email,
            full_name=data.full_name,
            hashed_password=await self.hasher.hash(data.password),
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
        if changes.get("is_active") is False and user.is_active:
            await self.end_sign_ins(user)
        return await self._apply(user, changes)

    async def deactivate(self, user: User, *, admin: User) -> User:
        """Refuse the account's sign-ins from now on; those it has end, for good."""
        if user.id == admin.id:
            raise ConflictError("Administrators cannot deactivate themselves")
        user.is_active = False
        await self.end_sign_ins(user)
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
        """403 unless `password` is the user's. Counted like a login, before the check, so
        that parallel guesses cannot pass the limit. Ends the request's read transaction: no
        database connection is held while bcrypt runs (nothing may be written before)."""
        account = account_key(user.email)
        await self.limiter.hit("login", account=account)
        await self.release_connection()
        if password is None or not await self.hasher.verify(password, user.hashed_password):
            logger.warning("Wrong current password user_id=%s", user.id)
            raise WrongPasswordError(message)
        await self.limiter.reset("login", account=account)

    async def set_password(self, user: User, password: str) -> None:
        """Hash a new password, holding no database connection (nothing may be written
        before), and store it. The caller commits."""
        await self.release_connection()
        await self.store_password(user, await self.hasher.hash(password))

    async def store_password(self, user: User, hashed_password: str) -> None:
        """Store a new password hash; every sign-in of the account ends, and reset links
        mailed for the old password stop working. The caller commits."""
        user.hashed_password = hashed_password
        await self.end_sign_ins(user)

    async def release_connection(self) -> None:
        """End the read transaction, if one is open, so that its connection goes back to the
        pool before slow work. Only for reads: a pending write would be committed with it."""
        if self.db.in_transaction():
            await self.db.commit()

    async def end_sign_ins(self, user: User) -> None:
        """Move the account's auth epoch forward: every sign-in it has ends at once, and so do
        those being created right now, which recorded the old epoch. The caller commits."""
        epoch = await self.db.scalar(
            update(User)
            .where(User.id == user.id)
            .values(auth_epoch=User.auth_epoch + 1)
            .returning(User.auth_epoch)
        )
        if epoch is not None:
            set_committed_value(user, "auth_epoch", epoch)

    async def _apply(self, user: User, changes: dict[str, object]) -> User:
        for field, value in changes.items():
            if value is None and field != "full_name":
                continue  # explicit null: leave required fields unchanged
            setattr(user, field, value)
        await self._commit_unique_email()
        return user

    async def _commit_unique_email(self) -> None:
        try:
            await self.db.commit()
        except IntegrityError as exc:
            await self.db.rollback()
            raise ConflictError(EMAIL_TAKEN) from exc
