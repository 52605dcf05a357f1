"""The texts of the account e-mails: address verification and password reset."""

from typing import NamedTuple

from app.core.config import Settings


class Mail(NamedTuple):
    subject: str
    text_body: str


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
