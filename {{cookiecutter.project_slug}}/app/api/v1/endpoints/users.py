"""The signed-in user's own account, and account management for administrators."""

from typing import Annotated

from fastapi import APIRouter, Depends, status

from app.api.v1.dependencies import (
    CurrentSuperuser,
    CurrentUser,
    PaginationParams,
    get_existing_user,
    service,
)
from app.api.v1.responses import errors
from app.models.user import User
from app.schemas.common import Page
from app.schemas.user import UserAdminUpdate, UserResponse, UserUpdate
from app.services.user_service import UserService

router = APIRouter()

Users = Annotated[UserService, service(UserService)]
ADMIN_ERRORS = errors(401, 403, 404)


@router.get("/me", response_model=UserResponse, responses=errors(401))
async def read_me(user: CurrentUser) -> User:
    return user


@router.patch("/me", response_model=UserResponse, responses=errors(400, 401, 403, 409, 429))
async def update_me(data: UserUpdate, user: CurrentUser, users: Users) -> User:
    """Change your name or e-mail address (the latter needs `current_password`)."""
    return await users.update_own(user, data)


@router.get("", responses=errors(401, 403))
async def list_users(
    _: CurrentSuperuser, users: Users, page: PaginationParams
) -> Page[UserResponse]:
    """Every account, oldest first (administrators only)."""
    items, total = await users.list_page(page)
    return Page[UserResponse](
        items=[UserResponse.model_validate(user) for user in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


# `get_existing_user` reads `{user_id}` (404 when no such account): spelled out in each
# signature, not as an alias, so that linters (ruff FAST003) see where the parameter goes.
@router.get("/{user_id:int}", response_model=UserResponse, responses=ADMIN_ERRORS)
async def read_user(user: Annotated[User, Depends(get_existing_user)]) -> User:
    return user


@router.patch(
    "/{user_id:int}", response_model=UserResponse, responses=errors(400, 401, 403, 404, 409)
)
async def update_user(
    data: UserAdminUpdate,
    user: Annotated[User, Depends(get_existing_user)],
    admin: CurrentSuperuser,
    users: Users,
) -> User:
    return await users.update_by_admin(user, data, admin=admin)


@router.post(
    "/{user_id:int}/deactivate", response_model=UserResponse, responses=errors(401, 403, 404, 409)
)
async def deactivate_user(
    user: Annotated[User, Depends(get_existing_user)], admin: CurrentSuperuser, users: Users
) -> User:
    """Refuse the account's sign-ins from now on and end those it has; reactivating it (PATCH)
    does not bring them back."""
    return await users.deactivate(user, admin=admin)


@router.delete(
    "/{user_id:int}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403, 404, 409)
)
async def delete_user(
    user: Annotated[User, Depends(get_existing_user)], admin: CurrentSuperuser, users: Users
) -> None:
    """Delete the account and all its sessions."""
    await users.delete(user, admin=admin)
