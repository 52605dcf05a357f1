"""Sign-in, logout and password change. Every answer is no-store.

Browsers sign in with `/login` and get the session in a cookie; unsafe requests then need
the CSRF token in `X-CSRF-Token`. Other clients sign in with `/token` and send the session
token as `Authorization: Bearer`.
"""

from typing import Annotated

from fastapi import APIRouter, Request, Response, status

from app.api.v1.dependencies import AppSettings, ClientIp, CurrentUser, PresentedCredential, service
from app.api.v1.responses import errors
from app.core.exceptions import AuthenticationError
from app.core.security import check_csrf, clear_session_cookies, csrf_token_for, set_session_cookies
from app.schemas.auth import SessionCookieResponse, SessionTokenResponse
from app.schemas.user import LoginRequest, PasswordChangeRequest
from app.services.auth_service import AuthService

router = APIRouter()

Auth = Annotated[AuthService, service(AuthService)]


@router.post("/login", responses=errors(400, 401, 429))
async def login(
    data: LoginRequest,
    response: Response,
    auth: Auth,
    ip: ClientIp,
    settings: AppSettings,
) -> SessionCookieResponse:
    """Sign in from a browser (JSON): the session cookie, and the CSRF token that every unsafe
    request must echo in `X-CSRF-Token`."""
    session = await auth.login(data.email, data.password, ip)
    csrf_token = csrf_token_for(settings, session.token)
    set_session_cookies(response, session.token, csrf_token)
    return SessionCookieResponse(
        csrf_token=csrf_token,
        expires_at=session.expires_at,
        idle_timeout_seconds=settings.SESSION_IDLE_MINUTES * 60,
    )


@router.post("/token", responses=errors(400, 401, 429))
async def login_for_token(
    data: LoginRequest, auth: Auth, ip: ClientIp, settings: AppSettings
) -> SessionTokenResponse:
    """Sign in from any other client (JSON): the session token, to send as
    `Authorization: Bearer <token>`. No cookie is set and no CSRF token is needed."""
    session = await auth.login(data.email, data.password, ip)
    return SessionTokenResponse(
        session_token=session.token,
        expires_at=session.expires_at,
        idle_timeout_seconds=settings.SESSION_IDLE_MINUTES * 60,
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403))
async def logout(
    request: Request,
    response: Response,
    credential: PresentedCredential,
    auth: Auth,
    settings: AppSettings,
) -> None:
    """End the presented session (cookie or bearer) at once, and clear the cookies. An
    already ended session is no error."""
    if credential is None:
        raise AuthenticationError("Not authenticated")
    check_csrf(request, settings, credential)
    await auth.logout(credential.token)
    clear_session_cookies(response)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403))
async def logout_everywhere(user: CurrentUser, response: Response, auth: Auth) -> None:
    """End every session of the signed-in user, this one included."""
    await auth.logout_everywhere(user)
    clear_session_cookies(response)


@router.post(
    "/password", status_code=status.HTTP_204_NO_CONTENT, responses=errors(400, 401, 403, 429)
)
async def change_password(
    data: PasswordChangeRequest,
    user: CurrentUser,
    credential: PresentedCredential,
    auth: Auth,
    ip: ClientIp,
) -> None:
    """Change the password (the current one is required). Every other session ends; this
    one goes on."""
    if credential is None:  # CurrentUser has refused that already
        raise AuthenticationError("Not authenticated")
    await auth.change_password(user, data, ip, credential.token)
