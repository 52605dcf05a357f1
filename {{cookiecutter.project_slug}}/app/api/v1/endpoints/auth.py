{%- if cookiecutter.auth_mode == "jwt" -%}
"""Registration, sign-in, token refresh, logout and password change. Every answer is no-store."""

from typing import Annotated

from fastapi import APIRouter, {% if cookiecutter.enable_email %}BackgroundTasks, {% endif %}Form, status

from app.api.v1.dependencies import {% if cookiecutter.enable_email %}AccountMailerDep, {% endif %}AuthServiceDep, ClientIp, CurrentUser
from app.api.v1.responses import errors
from app.models.user import User
from app.schemas.auth import (
    LoginRequest,
    LogoutRequest,
    OAuth2PasswordForm,
    PasswordChangeRequest,
    RefreshRequest,
    Token,
)
from app.schemas.user import UserCreate, UserResponse
{%- elif cookiecutter.auth_mode == "session" -%}
"""Registration, sign-in, logout and password change. Every answer is no-store.

Browsers sign in with `/login` and get the session in a cookie; unsafe requests then need
the CSRF token in `X-CSRF-Token`. Other clients sign in with `/token` and send the session
token as `Authorization: Bearer`.
"""

from fastapi import APIRouter, {% if cookiecutter.enable_email %}BackgroundTasks, {% endif %}Request, Response, status

from app.api.v1.dependencies import (
{%- if cookiecutter.enable_email %}
    AccountMailerDep,
{%- endif %}
    AppSettings,
    AuthServiceDep,
    ClientIp,
    CurrentSession,
    CurrentUser,
    PresentedCredential,
)
from app.api.v1.responses import errors
from app.core.exceptions import AuthenticationError
from app.core.sessions import (
    check_csrf,
    clear_session_cookies,
    csrf_token_for,
    set_session_cookies,
)
from app.models.user import User
from app.schemas.auth import (
    LoginRequest,
    PasswordChangeRequest,
    SessionCookieResponse,
    SessionTokenResponse,
)
from app.schemas.user import UserCreate, UserResponse
{%- endif %}

router = APIRouter()


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserResponse,
    responses=errors(400, 409, 429),
)
{%- if cookiecutter.enable_email %}
async def register(
    data: UserCreate,
    auth: AuthServiceDep,
    ip: ClientIp,
    mailer: AccountMailerDep,
    background: BackgroundTasks,
) -> User:
    """Create an account; a link that verifies its address is mailed after the answer. Sign in
    afterwards with `/auth/login` (an unverified address does not prevent it)."""
    user = await auth.register(data, ip)
    background.add_task(mailer.send_verification, user.id)
    return user
{%- else %}
async def register(data: UserCreate, auth: AuthServiceDep, ip: ClientIp) -> User:
    """Create an account. Sign in afterwards with `/auth/login`."""
    return await auth.register(data, ip)
{%- endif %}

{%- if cookiecutter.auth_mode == "jwt" %}


@router.post("/login", responses=errors(400, 401, 429))
async def login(data: LoginRequest, auth: AuthServiceDep, ip: ClientIp) -> Token:
    """Sign in with e-mail and password (JSON): an access token and a refresh token."""
    return await auth.login(data.email, data.password, ip)


@router.post("/token", responses=errors(400, 401, 429))
async def login_with_form(
    form: Annotated[OAuth2PasswordForm, Form()], auth: AuthServiceDep, ip: ClientIp
) -> Token:
    """The same sign-in as an OAuth2 password form (`username` is the e-mail): for `/docs`."""
    return await auth.login(form.username, form.password, ip)


@router.post("/refresh", responses=errors(400, 401, 429))
async def refresh(data: RefreshRequest, auth: AuthServiceDep, ip: ClientIp) -> Token:
    """New tokens for a refresh token, which stops working. Re-using it ends the session."""
    return await auth.refresh(data.refresh_token, ip)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=errors(400))
async def logout(data: LogoutRequest, auth: AuthServiceDep) -> None:
    """End the session of this refresh token; its access tokens stop working at once."""
    await auth.logout(data.refresh_token)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401))
async def logout_everywhere(user: CurrentUser, auth: AuthServiceDep) -> None:
    """End every session of the signed-in user, this one included."""
    await auth.logout_everywhere(user)


@router.post("/password", responses=errors(400, 401, 403, 429))
async def change_password(
    data: PasswordChangeRequest, user: CurrentUser, auth: AuthServiceDep, ip: ClientIp
) -> Token:
    """Change the password (the current one is required). Every session ends; the new tokens
    returned here start a fresh one."""
    return await auth.change_password(user, data, ip)
{%- elif cookiecutter.auth_mode == "session" %}


@router.post("/login", responses=errors(400, 401, 429))
async def login(
    data: LoginRequest,
    response: Response,
    auth: AuthServiceDep,
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
    data: LoginRequest, auth: AuthServiceDep, ip: ClientIp, settings: AppSettings
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
    auth: AuthServiceDep,
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
async def logout_everywhere(user: CurrentUser, response: Response, auth: AuthServiceDep) -> None:
    """End every session of the signed-in user, this one included."""
    await auth.logout_everywhere(user)
    clear_session_cookies(response)


@router.post(
    "/password", status_code=status.HTTP_204_NO_CONTENT, responses=errors(400, 401, 403, 429)
)
async def change_password(
    data: PasswordChangeRequest, session: CurrentSession, auth: AuthServiceDep, ip: ClientIp
) -> None:
    """Change the password (the current one is required). Every other session ends; this
    one goes on."""
    await auth.change_password(session.user, data, ip, session.session_token)
{%- endif %}
