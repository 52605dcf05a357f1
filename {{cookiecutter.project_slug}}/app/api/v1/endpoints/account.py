"""E-mail address verification and password reset. Mails are sent after the answer."""

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, status

from app.api.v1.dependencies import AppResources, ClientIp, CurrentUser, Db, service
from app.api.v1.responses import errors
from app.core.security import CREDENTIAL_ERRORS
from app.schemas.account import (
    AcceptedResponse,
    EmailTokenRequest,
    ForgotPasswordRequest,
    ResetPasswordRequest,
)
from app.schemas.common import ErrorResponse
from app.services.account_service import AccountService

router = APIRouter()

Accounts = Annotated[AccountService, service(AccountService)]

TOKEN_ERRORS: dict[int | str, dict[str, Any]] = {
    **errors(429),
    400: {
        "model": ErrorResponse,
        "description": "The token is invalid, expired, already used or for another purpose "
        "(or the body could not be read)",
    },
}
VERIFICATION_SENT = AcceptedResponse(detail="A verification link is on its way")
# The same answer whether or not the address has an account.
RESET_SENT = AcceptedResponse(
    detail="If an account uses this address, a link to reset its password is on its way"
)


@router.post(
    "/verify-email/request",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(*CREDENTIAL_ERRORS, 409, 429),
)
async def request_verification_email(
    user: CurrentUser,
    accounts: Accounts,
    resources: AppResources,
    background: BackgroundTasks,
    db: Db,
) -> AcceptedResponse:
    """Mail a new verification link to the signed-in user; earlier links stop working."""
    await accounts.allow_verification_request(user)
    await resources.mail_verification(db, background, user.id)
    await db.commit()
    return VERIFICATION_SENT


@router.post(
    "/verify-email/confirm", status_code=status.HTTP_204_NO_CONTENT, responses=TOKEN_ERRORS
)
async def confirm_email(data: EmailTokenRequest, accounts: Accounts, ip: ClientIp) -> None:
    """Mark the address verified with the token from the e-mail (no sign-in needed)."""
    await accounts.verify_email(data.token, ip)


@router.post("/forgot-password", status_code=status.HTTP_202_ACCEPTED, responses=errors(400, 429))
async def forgot_password(
    data: ForgotPasswordRequest,
    *,
    accounts: Accounts,
    resources: AppResources,
    background: BackgroundTasks,
    ip: ClientIp,
    db: Db,
) -> AcceptedResponse:
    """Mail a password reset link, if the address belongs to an active account. The answer is
    the same either way."""
    await accounts.allow_forgot_password(data.email, ip)
    await resources.mail_password_reset(db, background, data.email)
    await db.commit()
    return RESET_SENT


@router.post("/reset-password", status_code=status.HTTP_204_NO_CONTENT, responses=TOKEN_ERRORS)
async def reset_password(data: ResetPasswordRequest, accounts: Accounts, ip: ClientIp) -> None:
    """Choose a new password with the token from the e-mail. Every session of the account
    ends: sign in again with the new password."""
    await accounts.reset_password(data.token, data.new_password, ip)
