"""Test set-up shared by every layer.

Unit tests need nothing. Integration and e2e tests need PostgreSQL (`TEST_DATABASE_URL`,
any database on the server: the suite creates its own, migrates it with Alembic and drops
it afterwards){% if cookiecutter.use_redis %} and Redis (`TEST_REDIS_URL`, a database the suite may empty){% endif %}. When
{%- if cookiecutter.use_redis %} one is{% else %} it is{% endif %} unreachable, the run stops at once with one line that says which URL was tried.

The app under test is built from `TEST_SETTINGS` (and the servers' URLs): nothing here
changes the environment, and no `.env` file is read.
"""

import asyncio
import os
import secrets
from collections.abc import AsyncIterator{% if cookiecutter.enable_email %}, Iterator{% endif %}
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest
from alembic import command
from alembic.config import Config
{%- if cookiecutter.use_redis %}
from redis.asyncio import Redis
from redis.exceptions import AuthenticationError, AuthorizationError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
{%- endif %}
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.config import Settings
{%- if cookiecutter.enable_email %}
from tests.mail_server import MailServer, free_port
{%- endif %}

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SERVER_URL = make_url(
    os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
)
{%- if cookiecutter.use_redis %}
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
{%- endif %}
{%- if cookiecutter.enable_email %}
# Mail goes to an SMTP server in this process (the `mail_server` fixture), on a port chosen now.
MAIL_PORT = free_port()
{%- endif %}

# The settings of the app under test, as environment variables: the e2e servers get them so.
TEST_SETTINGS: dict[str, str] = {
    "ENVIRONMENT": "development",
    "DEBUG": "false",
{%- if cookiecutter.auth_mode != "none" %}
    "SECRET_KEY": secrets.token_urlsafe(48),
{%- endif %}
{%- if cookiecutter.enable_email %}
    # These values also pass the production checks, which tests of production settings use.
    "EMAIL_BACKEND": "smtp",
    "EMAIL_FROM": "no-reply@mail.example.org",
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": str(MAIL_PORT),
    "SMTP_SECURITY": "none",
    "FRONTEND_URL": "https://app.test",
{%- endif %}
{%- if cookiecutter.observability == "opentelemetry" %}
    # No metrics server: tests that scrape start one on a free port.
    "METRICS_PORT": "0",
{%- endif %}
}


def make_settings(**values: Any) -> Settings:
    """The suite's settings changed by `values`, for tests that need no server (no `.env`
    is read)."""
    return Settings(_env_file=None, **(TEST_SETTINGS | values))


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


def stop(message: str) -> NoReturn:
    """End the run at once with one line: a server the suite needs is missing or refuses."""
    pytest.exit(message, returncode=3)


@asynccontextmanager
async def new_database() -> AsyncIterator[str]:
    """A new, empty database on the test server: its URL; dropped at the end."""
    name = f"{{ cookiecutter.project_slug }}_test_{secrets.token_hex(4)}"
    shown = SERVER_URL.render_as_string(hide_password=True)
    server = create_async_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        async with asyncio.timeout(5), server.connect() as connection:
            try:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
            except DBAPIError as exc:
                stop(
                    f"PostgreSQL at {shown} did not create the test database {name} "
                    f"({exc.orig}); its user needs the CREATEDB privilege"
                )
    except OSError as exc:  # refused, unreachable or timed out: nothing answered
        await server.dispose()
        stop(
            f"PostgreSQL is not reachable at {shown} ({type(exc).__name__}: {exc}); "
            "start it (e.g. {% if cookiecutter.include_docker %}`docker compose up -d db` or {% endif %}`pg_ctlcluster 16 main start`) "
            "or set TEST_DATABASE_URL"
        )
    except DBAPIError as exc:  # it answered, and refused this user, password or database
        await server.dispose()
        stop(f"PostgreSQL at {shown} refused the connection ({exc.orig}); check TEST_DATABASE_URL")
    try:
        yield SERVER_URL.set(database=name).render_as_string(hide_password=False)
    finally:
        async with server.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await server.dispose()


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    """A fresh database for this session, migrated to head, dropped at the end."""
    async with new_database() as url:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
        yield url


{%- if cookiecutter.use_redis %}


@pytest.fixture(scope="session")
async def redis_url() -> AsyncIterator[str]:
    client = Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=3)
    try:
        await client.ping()
    except (AuthenticationError, AuthorizationError, ResponseError) as exc:
        await client.aclose()  # it answered, and refused these credentials or this database
        stop(f"Redis at {TEST_REDIS_URL} refused the suite ({exc}); check TEST_REDIS_URL")
    except (OSError, RedisConnectionError, RedisTimeoutError) as exc:
        await client.aclose()
        stop(
            f"Redis is not reachable at {TEST_REDIS_URL} ({type(exc).__name__}: {exc}); "
            "start it (e.g. {% if cookiecutter.include_docker %}`docker compose up -d redis` or {% endif %}`redis-server --daemonize yes`) "
            "or set TEST_REDIS_URL"
        )
    await client.flushdb()
    yield TEST_REDIS_URL
    await client.flushdb()
    await client.aclose()
{%- endif %}


@pytest.fixture(scope="session")
def services(database_url: str{% if cookiecutter.use_redis %}, redis_url: str{% endif %}{% if cookiecutter.enable_email %}, mail_server: MailServer{% endif %}) -> dict[str, str]:
    """The settings of the app under test, pointing at the running test servers.{% if cookiecutter.auth_mode != "none" %} The
    cheapest bcrypt cost keeps the suite fast (production settings refuse it).{% endif %}"""
    return {
        **TEST_SETTINGS,
        "DATABASE_URL": database_url,
{%- if cookiecutter.use_redis %}
        "REDIS_URL": redis_url,
{%- endif %}
{%- if cookiecutter.auth_mode != "none" %}
        "BCRYPT_ROUNDS": "4",
{%- endif %}
    }


@pytest.fixture(scope="session")
def settings(services: dict[str, str]) -> Settings:
    return Settings.model_validate(services)
{%- if cookiecutter.enable_email %}


@pytest.fixture(scope="session")
def mail_server() -> Iterator[MailServer]:
    """The SMTP server the app sends to (aiosmtpd, in a thread of this process)."""
    with MailServer(MAIL_PORT) as server:
        yield server


@pytest.fixture
def inbox(mail_server: MailServer) -> MailServer:
    """The mail server, emptied for this test."""
    mail_server.clear()
    return mail_server
{%- endif %}
