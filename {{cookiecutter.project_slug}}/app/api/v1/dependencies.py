"""Every request provider, as `Annotated` aliases: the endpoints declare what they need.

Providers are `async def`: FastAPI runs a plain `def` dependency in a worker thread.
"""

from collections.abc import Callable
from functools import cache
from typing import Annotated, Any

from fastapi import (
    Depends,
{%- if cookiecutter.auth_mode != "none" %}
    Path,
    Query,
{%- endif %}
    Request,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.database import request_session
{%- if cookiecutter.auth_mode != "none" %}
from app.core.exceptions import NotFoundError, PermissionDeniedError
from app.core.proxies import client_ip
{%- endif %}
from app.core.resources import Resources
{%- if cookiecutter.auth_mode != "none" %}
from app.core.security import Credential, presented_credential
from app.models.user import User
from app.schemas.common import Pagination
from app.services.auth_service import authenticate
{%- endif %}


async def get_resources(request: Request) -> Resources:
    """The composition root of the app serving this request (built by `create_app`)."""
    resources: Resources = request.app.state.resources
    return resources


AppResources = Annotated[Resources, Depends(get_resources)]


async def get_settings(resources: AppResources) -> Settings:
    return resources.settings


AppSettings = Annotated[Settings, Depends(get_settings)]


async def get_db(request: Request) -> AsyncSession:
    """The request's database session: one per request, closed (and so rolled back, unless
    committed) when the request is done; see `app.core.database.RequestSessions`."""
    return request_session(request)


Db = Annotated[AsyncSession, Depends(get_db)]


@cache
def service[ServiceT](factory: Callable[[AsyncSession, Resources], ServiceT]) -> Any:
    """`Depends` on a service built per request from the request's database session and the
    resources, e.g. `Annotated[OrderService, service(OrderService)]`."""

    async def provide(db: Db, resources: AppResources) -> ServiceT:
        return factory(db, resources)

    return Depends(provide)
{%- if cookiecutter.auth_mode != "none" %}


async def get_client_ip(request: Request, settings: AppSettings) -> str:
    peer = request.client.host if request.client else None
    return client_ip(peer, request.headers.getlist("x-forwarded-for"), settings.TRUSTED_PROXIES)


ClientIp = Annotated[str, Depends(get_client_ip)]
PresentedCredential = Annotated[Credential | None, Depends(presented_credential)]


async def get_current_user(request: Request, credential: PresentedCredential) -> User:
    """The signed-in, active user; 401 for a missing, invalid, expired or ended sign-in. Safe
    requests check it without a database session where the shared cache answers; others load
    the user in the request's session."""
    return await authenticate(await get_resources(request), credential, request)


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise PermissionDeniedError
    return user


CurrentSuperuser = Annotated[User, Depends(get_current_superuser)]
PaginationParams = Annotated[Pagination, Query()]


async def get_existing_user(
    _: CurrentSuperuser,
    # Ids are PostgreSQL BIGINTs: larger numbers are a 422, not a database error.
    user_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    db: Db,
) -> User:
    """The account `{user_id}` names, for administrators only (others get 403, not 404)."""
    user = await db.get(User, user_id)
    if user is None:
        raise NotFoundError("User not found")
    return user
{%- endif %}
