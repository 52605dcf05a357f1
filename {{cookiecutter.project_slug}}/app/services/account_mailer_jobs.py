"""The account e-mails, as durable background jobs (app/worker.py runs them).

A request writes the job to the outbox and commits it before it answers; the worker sends the
mail, retrying with a growing delay while SMTP or the database fail, and marks the job failed
after its last attempt. A job may run more than once (a retry, or a worker that died before
recording success): its link is derived from the job's key and SECRET_KEY, so every run of one
job mails the same link, never a second one, and a link already used is not mailed again.

For forgot-password even the account look-up happens in the job, so neither the answer nor its
timing says whether the address has an account.
"""

import base64
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from functools import cached_property

from fastapi import BackgroundTasks
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.tokens import hash_opaque_token
from app.models.action_token import ActionToken, TokenPurpose
from app.models.user import User
from app.services.account_messages import password_reset_mail, verification_mail
from app.services.action_token_service import ActionTokenStore
from app.services.email_service import EmailSender, create_email_sender
from app.services.job_outbox import add_job
from app.services.user_service import AuthResources

logger = logging.getLogger(__name__)

type JobHandler = Callable[..., Awaitable[None]]


def job_token(settings: Settings, job_key: str, purpose: TokenPurpose) -> str:
    """The link token of one job: 256 bits, the same on every run of the job, and unknown to
    anyone without SECRET_KEY (the queue and the outbox hold only the key)."""
    digest = hmac.new(
        settings.SECRET_KEY.get_secret_value().encode(),
        f"action-token:{purpose}:{job_key}".encode(),
        hashlib.sha256,
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


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

    def jobs(self) -> dict[str, JobHandler]:
        """The job functions by name; each takes the job's key and its keyword arguments."""
        return {
            "send_verification": self.send_verification,
            "send_password_reset": self.send_password_reset,
        }

    async def send_verification(self, job_key: str, *, user_id: int) -> None:
        async with self.db_sessions() as db:
            user = await db.get(User, user_id)
            if user is None or user.is_verified:
                return
            token = job_token(self.settings, job_key, TokenPurpose.VERIFY_EMAIL)
            if not await self._issue_once(db, user, TokenPurpose.VERIFY_EMAIL, token):
                return
        await self.sender.send(user.email, *verification_mail(self.settings, token))
        logger.info("Verification e-mail sent user_id=%s", user_id)

    async def send_password_reset(self, job_key: str, *, email: str) -> None:
        async with self.db_sessions() as db:
            user = await db.scalar(select(User).where(User.email == email.lower()))
            if user is None or not user.is_active:
                logger.info("Password reset asked for no active account: nothing sent")
                return
            token = job_token(self.settings, job_key, TokenPurpose.RESET_PASSWORD)
            if not await self._issue_once(db, user, TokenPurpose.RESET_PASSWORD, token):
                return
        await self.sender.send(user.email, *password_reset_mail(self.settings, token))
        logger.info("Password reset e-mail sent user_id=%s", user.id)

    async def _issue_once(
        self, db: AsyncSession, user: User, purpose: TokenPurpose, token: str
    ) -> bool:
        """Store the token unless an earlier run did; whether it is (still) worth mailing."""
        issued = await db.scalar(
            select(ActionToken).where(ActionToken.token_hash == hash_opaque_token(token))
        )
        if issued is not None:
            return issued.used_at is None
        await ActionTokenStore(db, self.settings).issue(user, purpose, token)
        await db.commit()
        return True


class MailResources(AuthResources):
    """The mailer, built once: the e-mail backend is chosen at start-up (SMTP, or the log in
    development). Requests only write jobs to the outbox; the worker sends."""

    @cached_property
    def mailer(self) -> AccountMailer:
        sender = create_email_sender(self.settings)
        return AccountMailer(self.sessionmaker, self.settings, sender)

    async def account_created(
        self, db: AsyncSession, user: User, background: BackgroundTasks
    ) -> None:
        await super().account_created(db, user, background)
        add_job(db, "send_verification", user_id=user.id)

    async def mail_verification(
        self, db: AsyncSession, background: BackgroundTasks, user_id: int
    ) -> None:
        """Ask the worker for a new verification link; the caller commits."""
        add_job(db, "send_verification", user_id=user_id)

    async def mail_password_reset(
        self, db: AsyncSession, background: BackgroundTasks, email: str
    ) -> None:
        """Ask the worker for a password reset link; the caller commits."""
        add_job(db, "send_password_reset", email=email)
