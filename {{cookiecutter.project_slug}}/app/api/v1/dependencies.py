"""Dependencies shared by the endpoints, as `Annotated` aliases."""

from typing import Annotated

from fastapi import Depends, Query, Request
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.database import get_db
from app.core.exceptions import PermissionDeniedError
from app.core.redis import get_redis
from app.core.security import client_ip, oauth2_scheme
from app.models.user import User
from app.schemas.common import Pagination
from app.services.auth_service import AuthService, user_from_access_token
from app.services.rate_limit_service import RateLimiter
from app.services.user_service import UserService


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DbSession = Annotated[AsyncSession, Depends(get_db)]
RedisClient = Annotated[Redis, Depends(get_redis)]
AppSettings = Annotated[Settings, Depends(get_app_settings)]


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


def get_auth_service(db: DbSession, settings: AppSettings, limiter: Limiter) -> AuthService:
    return AuthService(db, settings, limiter)


UserServiceDep = Annotated[UserService, Depends(get_user_service)]
AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


async def get_current_user(
    db: DbSession, settings: AppSettings, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    """The signed-in, active user; 401 for a missing, invalid, expired or revoked token."""
    return await user_from_access_token(db, settings, token)


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise PermissionDeniedError
    return user


CurrentSuperuser = Annotated[User, Depends(get_current_superuser)]
PaginationParams = Annotated[Pagination, Query()]
