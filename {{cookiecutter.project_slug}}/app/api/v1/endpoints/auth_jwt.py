"""Sign-in, token refresh, logout and password change. Every answer is no-store."""

from typing import Annotated

from fastapi import APIRouter, Form, status

from app.api.v1.dependencies import ClientIp, CurrentUser, service
from app.api.v1.responses import errors
from app.schemas.auth import LogoutRequest, OAuth2PasswordForm, RefreshRequest, Token
from app.schemas.user import LoginRequest, PasswordChangeRequest
from app.services.auth_service import AuthService

router = APIRouter()

Auth = Annotated[AuthService, service(AuthService)]


@router.post("/login", responses=errors(400, 401, 429))
async def login(data: LoginRequest, auth: Auth, ip: ClientIp) -> Token:
    """Sign in with e-mail and password (JSON): an access token and a refresh token."""
    return await auth.login(data.email, data.password, ip)


@router.post("/token", responses=errors(400, 401, 429))
async def login_with_form(
    form: Annotated[OAuth2PasswordForm, Form()], auth: Auth, ip: ClientIp
) -> Token:
    """The same sign-in as an OAuth2 password form (`username` is the e-mail): for `/docs`."""
    return await auth.login(form.username, form.password, ip)


@router.post("/refresh", responses=errors(400, 401, 429))
async def refresh(data: RefreshRequest, auth: Auth, ip: ClientIp) -> Token:
    """New tokens for a refresh token, which stops working. Re-using it ends the login."""
    return await auth.refresh(data.refresh_token, ip)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=errors(400))
async def logout(data: LogoutRequest, auth: Auth) -> None:
    """End the login of this refresh token; its access tokens stop working at once."""
    await auth.logout(data.refresh_token)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401))
async def logout_everywhere(user: CurrentUser, auth: Auth) -> None:
    """End every login of the signed-in user, this one included."""
    await auth.logout_everywhere(user)


@router.post("/password", responses=errors(400, 401, 403, 429))
async def change_password(
    data: PasswordChangeRequest, user: CurrentUser, auth: Auth, ip: ClientIp
) -> Token:
    """Change the password (the current one is required). Every login ends; the new tokens
    returned here start a fresh one."""
    return await auth.change_password(user, data, ip)
