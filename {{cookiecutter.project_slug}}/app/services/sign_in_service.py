"""What every way of signing in shares: registration, and checking an e-mail address and a
password under the rate limits, with one answer for every kind of failure."""

import logging
from typing import NoReturn

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.exceptions import AuthenticationError
from app.models.user import User
from app.schemas.user import UserCreate
from app.services.rate_limit_service import account_key
from app.services.user_service import AuthResources, UserService

logger = logging.getLogger(__name__)

# One answer for an unknown e-mail, a wrong password and a deactivated account.
LOGIN_FAILED = "Incorrect e-mail or password"


class SignInService:
    def __init__(self, db: AsyncSession, resources: AuthResources) -> None:
        self.db = db
        self.settings = resources.settings
        self.limiter = resources.limiter
        self.hasher = resources.hasher
        self.shared_cache = resources.shared_cache
        self.users = UserService(db, resources)

    async def register(self, data: UserCreate, ip: str) -> User:
        await self.limiter.hit("register", account=account_key(data.email), ip=ip)
        user = await self.users.create(data)
        logger.info("Registered user_id=%s ip=%s", user.id, ip)
        return user

    async def check_password(self, email: str, password: str, ip: str) -> User:
        """The active user with this e-mail and password; 401 otherwise, 429 past the limits.

        Every attempt is counted before the password is checked, so parallel guesses cannot
        slip past the limits; a success clears the account's failures and is taken back from
        the address's count. The user is read, with the auth epoch any new sign-in
        will record, before the check: a revocation during the check ends that sign-in too.
        No database connection is held while bcrypt runs."""
        account = account_key(email)
        await self.limiter.hit("login", account=account, ip=ip)
        user = await self.users.get_by_email(email)
        await self.users.release_connection()
        if user is None:
            await self.hasher.spend(password)
            self._login_failed("unknown e-mail", None, ip)
        elif not await self.hasher.verify(password, user.hashed_password):
            self._login_failed("wrong password", user.id, ip)
        elif not user.is_active:
            self._login_failed("inactive account", user.id, ip)
        await self.limiter.forget_success("login", account=account, ip=ip)
        if self.hasher.needs_rehash(user.hashed_password):
            await self._rehash(user, password)
        return user

    async def _rehash(self, user: User, password: str) -> None:
        """Store a hash of the configured cost, unless the password changed meanwhile."""
        old, new = user.hashed_password, await self.hasher.hash(password)
        await self.db.execute(
            update(User)
            .where(User.id == user.id, User.hashed_password == old)
            .values(hashed_password=new)
            .execution_options(synchronize_session=False)
        )

    @staticmethod
    def _login_failed(reason: str, user_id: int | None, ip: str) -> NoReturn:
        logger.warning("Login failed (%s) user_id=%s ip=%s", reason, user_id, ip)
        raise AuthenticationError(LOGIN_FAILED)
