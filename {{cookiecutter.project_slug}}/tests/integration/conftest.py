"""The app in process, through httpx, against the real test database and Redis."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.main import app as application
from app.main import create_app
from app.models import Base, User
from app.schemas.user import UserCreate
from app.services.user_service import UserService


@pytest.fixture(scope="session")
async def app(database_url: str, redis_url: str) -> AsyncIterator[FastAPI]:
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(autouse=True)
async def clean_state(app: FastAPI) -> None:
    """Every test starts with empty tables and an empty Redis database."""
    engine: AsyncEngine = app.state.engine
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    if tables:
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    redis: Redis = app.state.redis
    await redis.flushdb()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client


PASSWORD = "a sturdy test passphrase"


@pytest.fixture
def make_client(app: FastAPI) -> Callable[..., AbstractAsyncContextManager[AsyncClient]]:
    """A client on a second app whose settings differ from the session app's."""

    @asynccontextmanager
    async def factory(**overrides: Any) -> AsyncIterator[AsyncClient]:
        settings: Settings = app.state.settings
        other = create_app(Settings.model_validate(settings.model_dump() | overrides))
        async with (
            other.router.lifespan_context(other),
            AsyncClient(transport=ASGITransport(app=other), base_url="http://test") as client,
        ):
            yield client

    return factory


async def create_user(
    app: FastAPI,
    email: str,
    password: str = PASSWORD,
    *,
    is_superuser: bool = False,
    is_active: bool = True,
) -> User:
    """An account written straight to the database, as the CLI or an admin would."""
    async with app.state.sessionmaker() as db:
        user = await UserService(db, app.state.settings).create(
            UserCreate(email=email, password=password), is_superuser=is_superuser
        )
        if not is_active:
            user.is_active = False
            await db.commit()
        return user


async def login(client: AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture
async def user(app: FastAPI) -> User:
    return await create_user(app, "ada@example.com")


@pytest.fixture
async def admin(app: FastAPI) -> User:
    return await create_user(app, "root@example.com", is_superuser=True)


@pytest.fixture
async def user_headers(client: AsyncClient, user: User) -> dict[str, str]:
    return bearer(await login(client, user.email))


@pytest.fixture
async def admin_headers(client: AsyncClient, admin: User) -> dict[str, str]:
    return bearer(await login(client, admin.email))
