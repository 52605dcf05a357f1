"""The app in process, through httpx, against the real test database{% if cookiecutter.use_redis %} and Redis{% endif %}."""

from collections.abc import AsyncIterator{% if cookiecutter.auth_mode != "none" %}, Callable{% endif %}
{%- if cookiecutter.auth_mode != "none" %}
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any{% if not cookiecutter.use_redis %}, cast{% endif %}
{%- endif %}

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text

from app.core.config import Settings
from app.core.resources import Resources
from app.main import create_app
from app.models import Base
{%- if cookiecutter.auth_mode != "none" %}
from app.models.user import User
from app.schemas.user import UserCreate
{%- if not cookiecutter.use_redis %}
from app.services.cache_backend import MemoryCounterStore
{%- endif %}
from app.services.user_service import UserService
{%- if cookiecutter.task_queue == "saq" %}
from tests.jobs import jobs_after_each_response
{%- endif %}
from tests.signing_in import LOGIN, bearer
{%- endif %}


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def resources_of(app: FastAPI) -> Resources:
    resources: Resources = app.state.resources
    return resources


@pytest.fixture(autouse=True)
async def clean_state(app: FastAPI) -> None:
    """Every test starts with empty tables{% if cookiecutter.use_redis %} and an empty Redis database{% elif cookiecutter.auth_mode != "none" %} and no rate-limit counters{% endif %}."""
    resources = resources_of(app)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    if tables:
        async with resources.engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
{%- if cookiecutter.use_redis %}
    await resources.redis.flushdb()
{%- elif cookiecutter.auth_mode != "none" %}
    cast("MemoryCounterStore", resources.counters).clear()
{%- endif %}


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://test",
{%- if cookiecutter.task_queue == "saq" %}
        event_hooks=jobs_after_each_response(resources_of(app)),
{%- endif %}
    ) as client:
        yield client
{%- if cookiecutter.auth_mode != "none" %}


PASSWORD = "a sturdy test passphrase"


@pytest.fixture
def make_client(app: FastAPI) -> Callable[..., AbstractAsyncContextManager[AsyncClient]]:
    """A client on a second app whose settings differ from the session app's."""

    @asynccontextmanager
    async def factory(**overrides: Any) -> AsyncIterator[AsyncClient]:
        settings = resources_of(app).settings
        other = create_app(Settings.model_validate(settings.model_dump() | overrides))
        async with (
            other.router.lifespan_context(other),
            AsyncClient(
                transport=ASGITransport(app=other),
                base_url="http://test",
{%- if cookiecutter.task_queue == "saq" %}
                event_hooks=jobs_after_each_response(resources_of(other)),
{%- endif %}
            ) as client,
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
    resources = resources_of(app)
    async with resources.sessionmaker() as db:
        user = await UserService(db, resources).create(
            UserCreate(email=email, password=password), is_superuser=is_superuser
        )
        if not is_active:
            user.is_active = False
            await db.commit()
        return user


async def login(client: AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post(LOGIN, json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


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
{%- endif %}
