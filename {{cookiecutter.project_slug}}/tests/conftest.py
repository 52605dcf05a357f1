"""Test set-up shared by every layer.

Unit tests need nothing. Integration and e2e tests need PostgreSQL (`TEST_DATABASE_URL`,
any database on the server: the suite creates its own, migrates it with Alembic and drops
it afterwards) and Redis (`TEST_REDIS_URL`, a database the suite may empty). When one is
unreachable, the run stops at once with one line that says which URL was tried.
"""

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from redis.asyncio import Redis
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SERVER_URL = make_url(
    os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
)
TEST_DATABASE = f"{{ cookiecutter.project_slug }}_test_{secrets.token_hex(4)}"
TEST_DATABASE_URL = SERVER_URL.set(database=TEST_DATABASE).render_as_string(hide_password=False)
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

# The app reads its settings when it is first imported: point it at the test servers first.
os.environ.update(
    ENVIRONMENT="development",
    DEBUG="false",
    DATABASE_URL=TEST_DATABASE_URL,
    REDIS_URL=TEST_REDIS_URL,
    # The cheapest bcrypt cost keeps the suite fast; production settings refuse it.
    BCRYPT_ROUNDS="4",
)
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its folder, so that `pytest -m unit` runs the fast layer alone."""
    for item in items:
        layer = item.path.relative_to(PROJECT_ROOT / "tests").parts[0]
        if layer in {"unit", "integration", "e2e"}:
            item.add_marker(layer)


def alembic_config(database_url: str) -> Config:
    config = Config(PROJECT_ROOT / "alembic.ini")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    """A fresh database for this session, migrated to head, dropped at the end."""
    server = create_async_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        async with asyncio.timeout(5), server.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{TEST_DATABASE}"'))
    except Exception as exc:  # any failure: say what was tried and stop
        await server.dispose()
        shown = SERVER_URL.render_as_string(hide_password=True)
        pytest.exit(
            f"PostgreSQL is not reachable at {shown} ({type(exc).__name__}: {exc}); "
            "start it (e.g. {% if cookiecutter.include_docker %}`docker compose up -d db` or {% endif %}`pg_ctlcluster 16 main start`) "
            "or set TEST_DATABASE_URL",
            returncode=3,
        )
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(TEST_DATABASE_URL), "head")
        yield TEST_DATABASE_URL
    finally:
        async with server.connect() as connection:
            await connection.execute(
                text(f'DROP DATABASE IF EXISTS "{TEST_DATABASE}" WITH (FORCE)')
            )
        await server.dispose()


@pytest.fixture(scope="session")
async def redis_url() -> AsyncIterator[str]:
    client = Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=3)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        pytest.exit(
            f"Redis is not reachable at {TEST_REDIS_URL} ({type(exc).__name__}: {exc}); "
            "start it (e.g. {% if cookiecutter.include_docker %}`docker compose up -d redis` or {% endif %}`redis-server --daemonize yes`) "
            "or set TEST_REDIS_URL",
            returncode=3,
        )
    await client.flushdb()
    yield TEST_REDIS_URL
    await client.flushdb()
    await client.aclose()
