"""The signed-in user's own account, and account management for administrators."""

from typing import Annotated

from fastapi import APIRouter, Path, status

from app.api.v1.dependencies import (
    CurrentSuperuser,
    CurrentUser,
    PaginationParams,
    UserServiceDep,
)
from app.api.v1.responses import errors
from app.models.user import User
from app.schemas.common import Page
from app.schemas.user import UserAdminUpdate, UserResponse, UserUpdate

router = APIRouter()

# Ids are PostgreSQL BIGINTs: larger numbers are a 422, not a database error.
UserId = Annotated[int, Path(ge=1, le=2**63 - 1)]
ADMIN_ERRORS = errors(401, 403, 404)


@router.get("/me", response_model=UserResponse, responses=errors(401))
async def read_me(user: CurrentUser) -> User:
    return user


@router.patch("/me", response_model=UserResponse, responses=errors(400, 401, 403, 409, 429))
async def update_me(data: UserUpdate, user: CurrentUser, users: UserServiceDep) -> User:
    """Change your name or e-mail address (the latter needs `current_password`)."""
    return await users.update_own(user, data)


@router.get("", responses=errors(401, 403))
async def list_users(
    _: CurrentSuperuser, users: UserServiceDep, page: PaginationParams
) -> Page[UserResponse]:
    """Every account, oldest first (administrators only)."""
    items, total = await users.list_page(page)
    return Page[UserResponse](
        items=[UserResponse.model_validate(user) for user in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{user_id}", response_model=UserResponse, responses=ADMIN_ERRORS)
async def read_user(user_id: UserId, _: CurrentSuperuser, users: UserServiceDep) -> User:
    return await users.get(user_id)


@router.patch("/{user_id}", response_model=UserResponse, responses=errors(400, 401, 403, 404, 409))
async def update_user(
    user_id: UserId, data: UserAdminUpdate, admin: CurrentSuperuser, users: UserServiceDep
) -> User:
    return await users.update_by_admin(await users.get(user_id), data, admin=admin)


@router.post(
    "/{user_id}/deactivate", response_model=UserResponse, responses=errors(401, 403, 404, 409)
)
async def deactivate_user(user_id: UserId, admin: CurrentSuperuser, users: UserServiceDep) -> User:
    """Refuse the account's sign-ins and tokens from now on; reversible with PATCH."""
    return await users.deactivate(await users.get(user_id), admin=admin)


@router.delete(
    "/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403, 404, 409)
)
async def delete_user(user_id: UserId, admin: CurrentSuperuser, users: UserServiceDep) -> None:
    """Delete the account and all its sessions."""
    await users.delete(await users.get(user_id), admin=admin)
