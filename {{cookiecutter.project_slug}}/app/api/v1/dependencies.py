"""Dependencies shared by the endpoints, as `Annotated` aliases."""
{% if cookiecutter.auth_mode == "session" %}
from dataclasses import dataclass
{%- endif %}
from typing import Annotated

from fastapi import Depends, {% if cookiecutter.auth_mode != "none" %}Query, {% endif %}Request
{%- if cookiecutter.auth_mode == "session" %}
from fastapi.security import HTTPAuthorizationCredentials
{%- endif %}
{%- if cookiecutter.use_redis %}
from redis.asyncio import Redis
{%- endif %}
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.database import get_db
{%- if cookiecutter.auth_mode != "none" %}
from app.core.exceptions import {% if cookiecutter.auth_mode == "session" %}AuthenticationError, {% endif %}PermissionDeniedError
{%- endif %}
{%- if cookiecutter.use_redis %}
from app.core.redis import get_redis
{%- endif %}
{%- if cookiecutter.auth_mode == "jwt" %}
from app.core.security import client_ip
from app.core.tokens import oauth2_scheme
{%- elif cookiecutter.auth_mode == "session" %}
from app.core.security import client_ip
from app.core.sessions import (
    Credential,
    bearer_scheme,
    check_csrf,
    presented_credential,
    session_cookie,
)
{%- endif %}
{%- if cookiecutter.auth_mode != "none" %}
from app.models.user import User
from app.schemas.common import Pagination
{%- endif %}
{%- if cookiecutter.enable_email %}
from app.services.account_service import AccountMailer, AccountRateLimits, AccountService
{%- endif %}
{%- if cookiecutter.auth_mode == "jwt" %}
from app.services.auth_service import AuthService, user_from_access_token
from app.services.rate_limit_service import RateLimiter
{%- elif cookiecutter.auth_mode == "session" %}
from app.services.auth_service import AuthService
from app.services.rate_limit_service import RateLimiter
from app.services.session_service import SessionCache, SessionService
{%- endif %}
{%- if cookiecutter.auth_mode != "none" %}
from app.services.user_service import UserService
{%- endif %}


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DbSession = Annotated[AsyncSession, Depends(get_db)]
{%- if cookiecutter.use_redis %}
RedisClient = Annotated[Redis, Depends(get_redis)]
{%- endif %}
AppSettings = Annotated[Settings, Depends(get_app_settings)]
{%- if cookiecutter.auth_mode != "none" %}


def get_client_ip(request: Request, settings: AppSettings) -> str:
    peer = request.client.host if request.client else None
    return client_ip(peer, request.headers.getlist("x-forwarded-for"), settings.TRUSTED_PROXIES)


def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


ClientIp = Annotated[str, Depends(get_client_ip)]


Limiter = Annotated[RateLimiter, Depends(get_rate_limiter)]


def get_user_service(db: DbSession, settings: AppSettings, limiter: Limiter) -> UserService:
    return UserService(db, settings, limiter)


{% if cookiecutter.auth_mode == "jwt" -%}
def get_auth_service(db: DbSession, settings: AppSettings, limiter: Limiter) -> AuthService:
    return AuthService(db, settings, limiter)


UserServiceDep = Annotated[UserService, Depends(get_user_service)]
AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


async def get_current_user(
    db: DbSession, settings: AppSettings, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    """The signed-in, active user; 401 for a missing, invalid, expired or revoked token."""
    return await user_from_access_token(db, settings, token)
{%- elif cookiecutter.auth_mode == "session" -%}
def get_session_cache(request: Request) -> SessionCache | None:
    cache: SessionCache | None = request.app.state.session_cache
    return cache


SessionCacheDep = Annotated[SessionCache | None, Depends(get_session_cache)]


def get_auth_service(
    db: DbSession, settings: AppSettings, limiter: Limiter, session_cache: SessionCacheDep
) -> AuthService:
    return AuthService(db, settings, limiter, session_cache)


UserServiceDep = Annotated[UserService, Depends(get_user_service)]
AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


def get_credential(
    cookie: Annotated[str | None, Depends(session_cookie)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Credential | None:
    return presented_credential(cookie, bearer)


PresentedCredential = Annotated[Credential | None, Depends(get_credential)]


@dataclass(frozen=True)
class SignedIn:
    user: User
    session_token: str


async def get_current_session(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    session_cache: SessionCacheDep,
    credential: PresentedCredential,
) -> SignedIn:
    """The live session and its active user: 401 without one, 403 for an unsafe request
    authenticated by cookie without the session's CSRF token."""
    if credential is None:
        raise AuthenticationError("Not authenticated")
    user = await SessionService(db, settings, session_cache).user_for(credential.token)
    check_csrf(request, settings, credential)
    return SignedIn(user, credential.token)


CurrentSession = Annotated[SignedIn, Depends(get_current_session)]


def get_current_user(session: CurrentSession) -> User:
    return session.user
{%- endif %}


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise PermissionDeniedError
    return user


CurrentSuperuser = Annotated[User, Depends(get_current_superuser)]
PaginationParams = Annotated[Pagination, Query()]
{%- if cookiecutter.enable_email %}


def get_account_mailer(request: Request) -> AccountMailer:
    mailer: AccountMailer = request.app.state.account_mailer
    return mailer


def get_account_service(
    request: Request, db: DbSession, settings: AppSettings, limiter: Limiter, auth: AuthServiceDep
) -> AccountService:
    limits: AccountRateLimits = request.app.state.account_rate_limits
    return AccountService(db, settings, limiter, limits, auth)


AccountMailerDep = Annotated[AccountMailer, Depends(get_account_mailer)]
AccountServiceDep = Annotated[AccountService, Depends(get_account_service)]
{%- endif %}
{%- endif %}
