"""E-mail settings, backends and the messages of the verification and reset flows."""

import logging
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from app.core.config import Settings
from app.models.action_token import TokenPurpose
from app.services.account_messages import password_reset_mail, verification_mail
from app.services.action_token_service import token_lifetime
from app.services.email_service import (
    ConsoleSender,
    SmtpSender,
    build_message,
    create_email_sender,
)
from tests.conftest import make_settings as settings_from

TOKEN = "Zr6oYv1p0nq2m3HkE5b8QwT4xJ7sLd9cVaU1gN2hKfM"
PRODUCTION_EMAIL = {
    "ENVIRONMENT": "production",
    "EMAIL_BACKEND": "smtp",
    "EMAIL_FROM": "no-reply@mail.example.org",
    "FRONTEND_URL": "https://app.test",
    "SMTP_HOST": "smtp.mail.test",
    "SMTP_SECURITY": "starttls",
}


def make_settings(**values: Any) -> Settings:
    values.setdefault("EMAIL_BACKEND", "console")
    return settings_from(**values)


# --- Settings --------------------------------------------------------------------------------


def test_the_backend_is_the_one_the_settings_name() -> None:
    assert isinstance(create_email_sender(make_settings()), ConsoleSender)
    assert isinstance(create_email_sender(make_settings(EMAIL_BACKEND="smtp")), SmtpSender)


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_console_backend_is_refused_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError, match="EMAIL_BACKEND: console only logs e-mails"):
        make_settings(
            **(PRODUCTION_EMAIL | {"ENVIRONMENT": environment, "EMAIL_BACKEND": "console"})
        )


def test_production_accepts_a_complete_smtp_configuration() -> None:
    assert make_settings(**PRODUCTION_EMAIL).is_production


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"FRONTEND_URL": "http://app.test"}, "FRONTEND_URL: must use https"),
        ({"EMAIL_FROM": "no-reply@example.com"}, "EMAIL_FROM: is a placeholder"),
        (
            {"SMTP_SECURITY": "none", "SMTP_HOST": "smtp.mail.test"},
            "SMTP_SECURITY: none would send reset links in clear text",
        ),
    ],
)
def test_production_refuses_unsafe_email_settings(override: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make_settings(**(PRODUCTION_EMAIL | override))


def test_production_accepts_plain_smtp_to_a_local_relay() -> None:
    settings = make_settings(**(PRODUCTION_EMAIL | {"SMTP_SECURITY": "none", "SMTP_HOST": "::1"}))
    assert settings.SMTP_SECURITY == "none"


def test_reset_links_cannot_live_longer_than_an_hour() -> None:
    settings = make_settings(
        PASSWORD_RESET_TOKEN_EXPIRE_MINUTES=60, EMAIL_VERIFY_TOKEN_EXPIRE_MINUTES=1440
    )
    assert token_lifetime(settings, TokenPurpose.RESET_PASSWORD) == timedelta(hours=1)
    assert token_lifetime(settings, TokenPurpose.VERIFY_EMAIL) == timedelta(days=1)
    with pytest.raises(ValidationError, match="PASSWORD_RESET_TOKEN_EXPIRE_MINUTES"):
        make_settings(PASSWORD_RESET_TOKEN_EXPIRE_MINUTES=61)
    with pytest.raises(ValidationError, match="EMAIL_VERIFY_TOKEN_EXPIRE_MINUTES"):
        make_settings(EMAIL_VERIFY_TOKEN_EXPIRE_MINUTES=1441)


def test_frontend_url_needs_a_scheme_and_loses_its_trailing_slash() -> None:
    assert make_settings(FRONTEND_URL="https://app.test/").FRONTEND_URL == "https://app.test"
    with pytest.raises(ValidationError, match="FRONTEND_URL must start with"):
        make_settings(FRONTEND_URL="app.test")


def test_each_purpose_has_its_own_lifetime() -> None:
    settings = make_settings(
        PASSWORD_RESET_TOKEN_EXPIRE_MINUTES=15, EMAIL_VERIFY_TOKEN_EXPIRE_MINUTES=120
    )
    assert token_lifetime(settings, TokenPurpose.RESET_PASSWORD) == timedelta(minutes=15)
    assert token_lifetime(settings, TokenPurpose.VERIFY_EMAIL) == timedelta(hours=2)


# --- Messages --------------------------------------------------------------------------------


def test_verification_mail_links_to_the_frontend_with_the_token() -> None:
    settings = make_settings(FRONTEND_URL="https://app.test/", PROJECT_NAME="Acme")
    mail = verification_mail(settings, TOKEN)
    assert "Acme" in mail.subject
    assert f"https://app.test/verify-email?token={TOKEN}" in mail.text_body
    assert "24 hours" in mail.text_body


def test_reset_mail_links_to_the_frontend_and_states_its_lifetime() -> None:
    settings = make_settings(
        FRONTEND_URL="https://app.test", PASSWORD_RESET_TOKEN_EXPIRE_MINUTES=30
    )
    mail = password_reset_mail(settings, TOKEN)
    assert f"https://app.test/reset-password?token={TOKEN}" in mail.text_body
    assert "30 minutes" in mail.text_body
    assert "verify-email" not in mail.text_body


def test_message_headers_cannot_be_injected() -> None:
    message = build_message("a@mail.test", "b@mail.test", "Hello", "Body")
    assert message["Subject"] == "Hello"
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        build_message("a@mail.test", "b@mail.test\r\nBcc: c@mail.test", "Hello", "Body")


async def test_console_backend_logs_the_whole_message(caplog: pytest.LogCaptureFixture) -> None:
    settings = make_settings(PROJECT_NAME="Acme", EMAIL_FROM="no-reply@mail.example.org")
    caplog.set_level(logging.INFO, logger="app.services.email_service")
    await ConsoleSender(settings).send("ada@mail.test", "Subject line", "Open the link")
    logged = caplog.text
    assert "To: ada@mail.test" in logged
    assert "From: Acme <no-reply@mail.example.org>" in logged
    assert "Subject line" in logged
    assert "Open the link" in logged


async def test_console_backend_logs_links_whole(caplog: pytest.LogCaptureFixture) -> None:
    """Decoded text, as the reader would see it: no quoted-printable `=3D` or soft line breaks
    in a link that is copied from the log."""
    settings = make_settings(FRONTEND_URL="https://app.test/")
    caplog.set_level(logging.INFO, logger="app.services.email_service")
    mail = password_reset_mail(settings, f"{TOKEN}=={TOKEN}")
    await ConsoleSender(settings).send("ada@mail.test", mail.subject, mail.text_body)
    link = f"https://app.test/reset-password?token={TOKEN}=={TOKEN}"
    assert link in mail.text_body
    assert link in caplog.text
