"""Outgoing e-mail: through an SMTP server (aiosmtplib, async), or into the log in development.

The sender is chosen once at start-up (`create_email_sender`) and kept in the resources.
Callers send from background jobs, never on a request's path.
"""

import logging
from email.message import EmailMessage
from email.utils import formataddr
from typing import Protocol

import aiosmtplib

from app.core.config import Settings

logger = logging.getLogger(__name__)


class EmailSender(Protocol):
    async def send(self, to: str, subject: str, text_body: str) -> None:
        """Deliver one plain-text message; raises when the message could not be handed over."""
        ...


def build_message(sender: str, to: str, subject: str, text_body: str) -> EmailMessage:
    """A plain-text message. Header values with line breaks raise `ValueError` (no injection)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text_body)
    return message


class SmtpSender:
    """One SMTP connection per message: mails are rare, and no connection sits idle."""

    def __init__(self, settings: Settings) -> None:
        self.sender = formataddr((settings.PROJECT_NAME, settings.EMAIL_FROM))
        self.hostname = settings.SMTP_HOST
        self.port = settings.SMTP_PORT
        # Empty values (as an unfilled .env line gives) mean: no login.
        self.username = settings.SMTP_USERNAME or None
        self.password = settings.SMTP_PASSWORD if self.username else None
        self.use_tls = settings.SMTP_SECURITY == "tls"
        self.start_tls = settings.SMTP_SECURITY == "starttls"
        self.timeout = settings.SMTP_TIMEOUT

    async def send(self, to: str, subject: str, text_body: str) -> None:
        await aiosmtplib.send(
            build_message(self.sender, to, subject, text_body),
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password.get_secret_value() if self.password else None,
            use_tls=self.use_tls,
            start_tls=self.start_tls,
            timeout=self.timeout,
        )


class ConsoleSender:
    """Development only (settings refuse it elsewhere): the message goes to the log, links
    included, so that flows can be followed without a mail server."""

    def __init__(self, settings: Settings) -> None:
        self.sender = formataddr((settings.PROJECT_NAME, settings.EMAIL_FROM))

    async def send(self, to: str, subject: str, text_body: str) -> None:
        message = build_message(self.sender, to, subject, text_body)
        # The decoded text, not message.as_string(): its quoted-printable encoding breaks long
        # lines with `=` and writes `=` as `=3D`, and a link copied from it would not work.
        headers = "".join(f"{name}: {message[name]}\n" for name in ("From", "To", "Subject"))
        text = message.get_content()
        logger.info("E-mail not sent (EMAIL_BACKEND=console):\n%s\n%s", headers, text)


def create_email_sender(settings: Settings) -> EmailSender:
    if settings.EMAIL_BACKEND == "console":
        return ConsoleSender(settings)
    return SmtpSender(settings)
