"""The account e-mails, sent off the request path: each job opens its own database session.

For forgot-password even the account look-up happens in the job, so neither the answer nor its
timing says whether the address has an account. A job never raises: failures are logged, as
nobody waits for them.
"""

import logging
from functools import cached_property

from fastapi import BackgroundTasks
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.tokens import new_opaque_token
from app.models.action_token import TokenPurpose
from app.models.user import User
from app.services.account_messages import password_reset_mail, verification_mail
from app.services.action_token_service import ActionTokenStore
from app.services.email_service import EmailSender, create_email_sender
from app.services.user_service import AuthResources

logger = logging.getLogger(__name__)


class AccountMailer:
    def __init__(
        self,
        db_sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        sender: EmailSender,
    ) -> None:
        self.db_sessions = db_sessions
        self.settings = settings
        self.sender = sender

    async def send_verification(self, user_id: int) -> None:
        try:
            async with self.db_sessions() as db:
                user = await db.get(User, user_id)
                if user is None or user.is_verified:
                    return
                tokens = ActionTokenStore(db, self.settings)
                token = new_opaque_token()
                await tokens.issue(user, TokenPurpose.VERIFY_EMAIL, token)
                await db.commit()
                await self.sender.send(user.email, *verification_mail(self.settings, token))
            logger.info("Verification e-mail sent user_id=%s", user_id)
        except Exception:
            logger.exception("Verification e-mail failed user_id=%s", user_id)

    async def send_password_reset(self, email: str) -> None:
        try:
            async with self.db_sessions() as db:
                user = await db.scalar(select(User).where(User.email == email.lower()))
                if user is None or not user.is_active:
                    logger.info("Password reset asked for no active account: nothing sent")
                    return
                tokens = ActionTokenStore(db, self.settings)
                token = new_opaque_token()
                await tokens.issue(user, TokenPurpose.RESET_PASSWORD, token)
                await db.commit()
                await self.sender.send(user.email, *password_reset_mail(self.settings, token))
            logger.info("Password reset e-mail sent user_id=%s", user.id)
        except Exception:
            logger.exception("Password reset e-mail failed")


class MailResources(AuthResources):
    """The mailer, built once: the e-mail backend is chosen at start-up (SMTP, or the log in
    development)."""

    @cached_property
    def mailer(self) -> AccountMailer:
        sender = create_email_sender(self.settings)
        return AccountMailer(self.sessionmaker, self.settings, sender)

    async def account_created(
        self, db: AsyncSession, user: User, background: BackgroundTasks
    ) -> None:
        await super().account_created(db, user, background)
        background.add_task(self.mailer.send_verification, user.id)

    async def mail_verification(
        self, db: AsyncSession, background: BackgroundTasks, user_id: int
    ) -> None:
        """Mail a new verification link after the answer."""
        background.add_task(self.mailer.send_verification, user_id)

    async def mail_password_reset(
        self, db: AsyncSession, background: BackgroundTasks, email: str
    ) -> None:
        """Mail a password reset link after the answer, if the address has an account."""
        background.add_task(self.mailer.send_password_reset, email)
