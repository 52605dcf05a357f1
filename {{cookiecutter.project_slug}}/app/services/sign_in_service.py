"""What every way of signing in shares: registration, and checking an e-mail address and a
password under the rate limits, with one answer for every kind of failure."""

import logging
from typing import NoReturn

from fastapi import BackgroundTasks
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import DatabaseResources
from app.core.exceptions import AuthenticationError
from app.core.passwords import hash_password, needs_rehash, spend_password_check, verify_password
from app.models.user import User
from app.schemas.user import UserCreate
from app.services.rate_limit_service import RateLimitResources, account_key
from app.services.user_service import UserService

logger = logging.getLogger(__name__)

# One answer for an unknown e-mail, a wrong password and a deactivated account.
LOGIN_FAILED = "Incorrect e-mail or password"


class AuthResources(RateLimitResources, DatabaseResources):
    """What signing in needs: the rate limiter, the shared cache (if any) and the database."""

    def account_created(self, user: User, background: BackgroundTasks) -> None:
        """Schedule what follows a registration, after the answer; parts add their share."""


class SignInService:
    def __init__(self, db: AsyncSession, resources: AuthResources) -> None:
        self.db = db
        self.settings = resources.settings
        self.limiter = resources.limiter
        self.users = UserService(db, resources)

    async def register(self, data: UserCreate, ip: str) -> User:
        await self.limiter.hit("register", account=account_key(data.email), ip=ip)
        user = await self.users.create(data)
        logger.info("Registered user_id=%s ip=%s", user.id, ip)
        return user

    async def check_password(self, email: str, password: str, ip: str) -> User:
        """The active user with this e-mail and password; 401 otherwise, 429 past the limits.
        A hash made with another cost is replaced (the caller commits)."""
        account = account_key(email)
        await self.limiter.check("login", account=account, ip=ip)
        user = await self.users.get_by_email(email)
        if user is None:
            await spend_password_check(password, self.settings.BCRYPT_ROUNDS)
            await self._login_failed("unknown e-mail", None, account, ip)
        elif not await verify_password(password, user.hashed_password):
            await self._login_failed("wrong password", user.id, account, ip)
        elif not user.is_active:
            await self._login_failed("inactive account", user.id, account, ip)
        await self.limiter.reset("login", account=account)
        if needs_rehash(user.hashed_password, self.settings.BCRYPT_ROUNDS):
            user.hashed_password = await hash_password(password, self.settings.BCRYPT_ROUNDS)
        return user

    async def _login_failed(
        self, reason: str, user_id: int | None, account: str, ip: str
    ) -> NoReturn:
        await self.limiter.record("login", account=account, ip=ip)
        logger.warning("Login failed (%s) user_id=%s ip=%s", reason, user_id, ip)
        raise AuthenticationError(LOGIN_FAILED)
