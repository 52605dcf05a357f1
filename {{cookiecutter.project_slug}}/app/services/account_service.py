"""E-mail address verification and password reset, through single-use tokens sent by e-mail.

Mails leave off the request path: endpoints schedule `AccountMailer` jobs as background tasks,
which open their own database session. For forgot-password even the account look-up happens
in that job, so neither the answer nor its timing says whether the address has an account.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.exceptions import AppError, ConflictError
from app.core.security import hash_opaque_token, new_opaque_token
from app.models.action_token import ActionToken, TokenPurpose
from app.models.user import User
from app.services.auth_service import AuthService
from app.services.email_service import EmailService
from app.services.rate_limit_service import RateLimit, RateLimiter, account_key
from app.services.user_service import UserService

logger = logging.getLogger(__name__)


class InvalidEmailTokenError(AppError):
    """One answer for an unknown, expired, used or wrong-purpose token."""

    detail = "This link is invalid or has expired: request a new one"


class Mail(NamedTuple):
    subject: str
    text_body: str


@dataclass(frozen=True)
class AccountRateLimits:
    forgot_password_account: RateLimit
    forgot_password_ip: RateLimit
    verify_email_account: RateLimit
    token_ip: RateLimit

    @classmethod
    def from_settings(cls, settings: Settings) -> "AccountRateLimits":
        window = settings.RATE_LIMIT_WINDOW_SECONDS
        return cls(
            forgot_password_account=RateLimit(
                "forgot-password:account", settings.RATE_LIMIT_FORGOT_PASSWORD_PER_ACCOUNT, window
            ),
            forgot_password_ip=RateLimit(
                "forgot-password:ip", settings.RATE_LIMIT_FORGOT_PASSWORD_PER_IP, window
            ),
            verify_email_account=RateLimit(
                "verify-email:account", settings.RATE_LIMIT_VERIFY_EMAIL_PER_ACCOUNT, window
            ),
            token_ip=RateLimit("email-token:ip", settings.RATE_LIMIT_EMAIL_TOKEN_PER_IP, window),
        )


def token_lifetime(settings: Settings, purpose: TokenPurpose) -> timedelta:
    if purpose is TokenPurpose.RESET_PASSWORD:
        return timedelta(minutes=settings.PASSWORD_RESET_TOKEN_EXPIRE_MINUTES)
    return timedelta(minutes=settings.EMAIL_VERIFY_TOKEN_EXPIRE_MINUTES)


def _validity(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


def verification_mail(settings: Settings, token: str) -> Mail:
    link = f"{settings.FRONTEND_URL}/verify-email?token={token}"
    validity = _validity(settings.EMAIL_VERIFY_TOKEN_EXPIRE_MINUTES)
    return Mail(
        subject=f"Confirm your e-mail address for {settings.PROJECT_NAME}",
        text_body=(
            f"Hello,\n\nplease confirm your e-mail address for {settings.PROJECT_NAME} by "
            f"opening this link within {validity}:\n\n{link}\n\n"
            "If you did not create an account, you can ignore this message.\n"
        ),
    )


def password_reset_mail(settings: Settings, token: str) -> Mail:
    link = f"{settings.FRONTEND_URL}/reset-password?token={token}"
    validity = _validity(settings.PASSWORD_RESET_TOKEN_EXPIRE_MINUTES)
    return Mail(
        subject=f"Reset your {settings.PROJECT_NAME} password",
        text_body=(
            f"Hello,\n\nsomeone asked to reset the password of your {settings.PROJECT_NAME} "
            f"account. To choose a new one, open this link within {validity}; it works once:"
            f"\n\n{link}\n\nEvery session of the account ends when the password is reset. "
            "If you did not ask for this, ignore this message: your password stays as it is.\n"
        ),
    )


class EmailTokens:
    """Issue and redeem tokens; the caller commits."""

    def __init__(self, db: AsyncSession, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def issue(self, user: User, purpose: TokenPurpose) -> str:
        """A new token; the user's older tokens of this purpose stop working."""
        await self.db.execute(
            delete(ActionToken).where(
                ActionToken.user_id == user.id, ActionToken.purpose == purpose
            )
        )
        token = new_opaque_token()
        self.db.add(
            ActionToken(
                user_id=user.id,
                purpose=purpose,
                email=user.email,
                token_hash=hash_opaque_token(token),
                expires_at=datetime.now(UTC) + token_lifetime(self.settings, purpose),
            )
        )
        await self.db.flush()
        return token

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
                .returning(ActionToken.user_id, ActionToken.email)
            )
        ).one_or_none()
        user = await self.db.get(User, row.user_id) if row else None
        if row is None or user is None or not user.is_active or user.email != row.email:
            raise InvalidEmailTokenError
        return user


class AccountMailer:
    """Background jobs that issue a token and mail it, each in its own database session.

    Built once at start-up. A job never raises: failures are logged, as nobody waits for them.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        email: EmailService,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.email = email

    async def send_verification(self, user_id: int) -> None:
        try:
            async with self.sessionmaker() as db:
                user = await db.get(User, user_id)
                if user is None or user.is_verified:
                    return
                token = await EmailTokens(db, self.settings).issue(user, TokenPurpose.VERIFY_EMAIL)
                await db.commit()
                await self.email.send(user.email, *verification_mail(self.settings, token))
            logger.info("Verification e-mail sent user_id=%s", user_id)
        except Exception:
            logger.exception("Verification e-mail failed user_id=%s", user_id)

    async def send_password_reset(self, email: str) -> None:
        try:
            async with self.sessionmaker() as db:
                user = await UserService(db, self.settings).get_by_email(email)
                if user is None or not user.is_active:
                    logger.info("Password reset asked for no active account: nothing sent")
                    return
                token = await EmailTokens(db, self.settings).issue(
                    user, TokenPurpose.RESET_PASSWORD
                )
                await db.commit()
                await self.email.send(user.email, *password_reset_mail(self.settings, token))
            logger.info("Password reset e-mail sent user_id=%s", user.id)
        except Exception:
            logger.exception("Password reset e-mail failed")


class AccountService:
    """The request side of the flows: rate limits and token redemption."""

    def __init__(
        self,
        db: AsyncSession,
        settings: Settings,
        limiter: RateLimiter,
        limits: AccountRateLimits,
        auth: AuthService,
    ) -> None:
        self.db = db
        self.limiter = limiter
        self.limits = limits
        self.auth = auth
        self.users = UserService(db, settings, limiter)
        self.tokens = EmailTokens(db, settings)

    async def allow_forgot_password(self, email: str, ip: str) -> None:
        """Counted per address whether or not it has an account, so 429 reveals nothing."""
        await self.limiter.hit(self.limits.forgot_password_ip, ip)
        await self.limiter.hit(self.limits.forgot_password_account, account_key(email))

    async def allow_verification_request(self, user: User) -> None:
        if user.is_verified:
            raise ConflictError("This e-mail address is already verified")
        await self.limiter.hit(self.limits.verify_email_account, str(user.id))

    async def verify_email(self, token: str, ip: str) -> None:
        await self.limiter.hit(self.limits.token_ip, ip)
        user = await self.tokens.redeem(token, TokenPurpose.VERIFY_EMAIL)
        user.email_verified_at = datetime.now(UTC)
        await self.db.commit()
        logger.info("E-mail address verified user_id=%s", user.id)

    async def reset_password(self, token: str, new_password: str, ip: str) -> None:
        """Set the new password and end every session of the account."""
        await self.limiter.hit(self.limits.token_ip, ip)
        user = await self.tokens.redeem(token, TokenPurpose.RESET_PASSWORD)
        await self.users.set_password(user, new_password)
        # The link arrived at the account's address: that proves the address, too.
        user.email_verified_at = user.email_verified_at or datetime.now(UTC)
        await self.auth.logout_everywhere(user)
        await self.db.commit()
        logger.info("Password reset user_id=%s ip=%s", user.id, ip)
