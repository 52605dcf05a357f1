"""The SMTP backend against a real SMTP server (aiosmtpd) in this process."""

from collections.abc import Iterator
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr

from app.core.config import Settings
from app.services.email_service import SmtpSender
from tests.mail_server import MailServer, body_of, free_port

USERNAME, SMTP_PASSWORD = "mailer", "smtp-secret-for-tests"


class Authenticator:
    def __init__(self) -> None:
        self.logins: list[str] = []

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (USERNAME, SMTP_PASSWORD)
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)


@pytest.fixture(scope="module")
def authenticator() -> Authenticator:
    return Authenticator()


@pytest.fixture(scope="module")
def auth_server(authenticator: Authenticator) -> Iterator[MailServer]:
    """A server that checks logins (over plain text: there is no certificate here)."""
    with MailServer(free_port(), authenticator=authenticator, auth_require_tls=False) as server:
        yield server


def smtp_settings(port: int, **values: Any) -> Settings:
    return Settings(
        _env_file=None,
        SECRET_KEY=SecretStr("k" * 48),
        PROJECT_NAME="Acme",
        EMAIL_BACKEND="smtp",
        EMAIL_FROM="no-reply@mail.example.org",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        **values,
    )


async def test_a_message_arrives_with_its_headers_and_body(
    auth_server: MailServer, authenticator: Authenticator
) -> None:
    settings = smtp_settings(
        auth_server.port, SMTP_SECURITY="none", SMTP_USERNAME=USERNAME, SMTP_PASSWORD=SMTP_PASSWORD
    )
    await SmtpSender(settings).send("ada@mail.test", "Hello Ada", "Line one\nLine two\n")
    message = auth_server.wait_for("ada@mail.test")
    assert message["From"] == "Acme <no-reply@mail.example.org>"
    assert message["Subject"] == "Hello Ada"
    assert body_of(message) == "Line one\nLine two\n"
    assert authenticator.logins == [USERNAME]


async def test_starttls_is_required_not_attempted(mail_server: MailServer) -> None:
    """A server that cannot upgrade the connection gets nothing in clear text."""
    mail_server.clear()
    settings = smtp_settings(mail_server.port, SMTP_SECURITY="starttls")
    with pytest.raises(aiosmtplib.SMTPException, match="STARTTLS"):
        await SmtpSender(settings).send("ada@mail.test", "Hello", "Body")
    assert mail_server.messages == []
