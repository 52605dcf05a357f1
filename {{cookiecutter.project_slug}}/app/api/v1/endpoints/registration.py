"""Creating an account. Every answer is no-store."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, status

from app.api.v1.dependencies import AppResources, ClientIp, Db, service
from app.api.v1.responses import errors
from app.models.user import User
from app.schemas.user import UserCreate, UserResponse
from app.services.sign_in_service import SignInService

router = APIRouter()

SignIn = Annotated[SignInService, service(SignInService)]


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserResponse,
    responses=errors(400, 409, 429),
)
async def register(
    data: UserCreate,
    *,
    sign_in: SignIn,
    ip: ClientIp,
    resources: AppResources,
    background: BackgroundTasks,
    db: Db,
) -> User:
    """Create an account. Sign in afterwards with `/auth/login`."""
    user = await sign_in.register(data, ip)
    await resources.account_created(db, user, background)
    await db.commit()
    return user
