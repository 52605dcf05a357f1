"""The app in process, through httpx, against the real test database and Redis."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.main import app as application
from app.models import Base


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
