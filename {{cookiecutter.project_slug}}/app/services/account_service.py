"""E-mail address verification and password reset, the request side: rate limits and
redeeming the mailed tokens (account_mailer.py sends them)."""

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.exceptions import ConflictError
from app.models.action_token import TokenPurpose
from app.models.user import User
from app.services.account_mailer import MailResources
from app.services.action_token_service import ActionTokenStore
from app.services.auth_service import AuthService
from app.services.rate_limit_service import account_key

logger = logging.getLogger(__name__)


class AccountService:
    def __init__(self, db: AsyncSession, resources: MailResources) -> None:
        self.db = db
        self.limiter = resources.limiter
        self.auth = AuthService(db, resources)
        self.tokens = ActionTokenStore(db, resources.settings)

    async def allow_forgot_password(self, email: str, ip: str) -> None:
        """Counted per address whether or not it has an account, so 429 reveals nothing."""
        await self.limiter.hit("forgot_password", account=account_key(email), ip=ip)

    async def allow_verification_request(self, user: User) -> None:
        if user.is_verified:
            raise ConflictError("This e-mail address is already verified")
        await self.limiter.hit("verify_email", account=str(user.id))

    async def verify_email(self, token: str, ip: str) -> None:
        """Commits."""
        await self.limiter.hit("email_token", ip=ip)
        user = await self.tokens.redeem(token, TokenPurpose.VERIFY_EMAIL)
        user.verified_email = user.email
        await self.db.commit()
        logger.info("E-mail address verified user_id=%s", user.id)

    async def reset_password(self, token: str, new_password: str, ip: str) -> None:
        """Set the new password and end every sign-in of the account. The password is hashed
        before the token is redeemed: no database connection is held while bcrypt runs.
        Commits."""
        await self.limiter.hit("email_token", ip=ip)
        hashed = await self.auth.hasher.hash(new_password)
        user = await self.tokens.redeem(token, TokenPurpose.RESET_PASSWORD)
        await self.auth.users.store_password(user, hashed)
        # The link arrived at the account's address: that proves the address, too.
        user.verified_email = user.email
        await self.auth.logout_everywhere(user)
        logger.info("Password reset user_id=%s ip=%s", user.id, ip)
