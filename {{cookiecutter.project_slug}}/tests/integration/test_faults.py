"""When PostgreSQL{% if cookiecutter.use_redis %} or Redis{% endif %} stops answering: liveness stays up, readiness names what is down, requests
answer 503 in bounded time (never a hang, never a 500), and the service recovers by itself.

The connection is cut by a TCP proxy the test owns, between the app and the real server.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import make_url

from app.core.config import Settings
from app.main import create_app
{%- if cookiecutter.auth_mode != "none" %}
from tests.integration.conftest import PASSWORD, create_user, login
from tests.signing_in import LOGIN, bearer
{%- endif %}
from tests.tcp_proxy import TcpProxy

READY = "/api/v1/health/ready"
LIVE = "/api/v1/health/live"
{%- if cookiecutter.auth_mode != "none" %}
ME = "/api/v1/users/me"
{%- endif %}
# Short timeouts, so that a failure shows at once; the hang guard below is far longer.
QUICK = {"DB_CONNECT_TIMEOUT": 1, "DB_POOL_TIMEOUT": 1, "HEALTH_CHECK_TIMEOUT": 1}
HANG_GUARD_SECONDS = 10
SECRET_PASSWORD = "never-in-a-log-7f3a"


def proxy_for(url: str) -> TcpProxy:
    parsed = make_url(url)
    return TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)


@pytest.fixture
def database_proxy(settings: Settings) -> Iterator[TcpProxy]:
    with proxy_for(settings.DATABASE_URL) as proxy:
        yield proxy


@asynccontextmanager
async def client_for(settings: Settings, **overrides: Any) -> AsyncIterator[AsyncClient]:
    app: FastAPI = create_app(Settings.model_validate(settings.model_dump() | QUICK | overrides))
    # The new app configured logging afresh: let pytest capture it again.
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield client


async def get(client: AsyncClient, path: str, **kwargs: Any) -> Any:
    async with asyncio.timeout(HANG_GUARD_SECONDS):
        return await client.get(path, **kwargs)


def captured(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


async def test_the_database_goes_away_and_comes_back(
    settings: Settings,
    database_proxy: TcpProxy,
    caplog: pytest.LogCaptureFixture,
    app: FastAPI,
) -> None:
    # A password the server does not ask for (trust): it must never reach a log line.
    through_proxy = make_url(settings.DATABASE_URL).set(
        host="127.0.0.1", port=database_proxy.port, password=SECRET_PASSWORD
    )
    async with client_for(
        settings, DATABASE_URL=through_proxy.render_as_string(hide_password=False)
    ) as client:
        logging.getLogger("app").addHandler(caplog.handler)
{%- if cookiecutter.auth_mode != "none" %}
        user = await create_user(app, "ada@example.com")
        headers = bearer(await login(client, user.email))
{%- endif %}
        assert (await get(client, READY)).status_code == 200

        database_proxy.cut()
        assert (await get(client, LIVE)).status_code == 200
        ready = await get(client, READY)
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] == "unavailable"
        assert f"127.0.0.1:{database_proxy.port}" in captured(caplog)
{%- if cookiecutter.auth_mode != "none" %}
        for mode in ("refused", "no answer"):
            if mode == "no answer":
                database_proxy.stall()
            refused = await get(client, ME, headers=headers)
            assert refused.status_code == 503, mode
            assert refused.json() == {"detail": "Service unavailable: try again shortly"}
            assert int(refused.headers["Retry-After"]) > 0
{%- endif %}

        database_proxy.restore()
        assert (await get(client, READY)).status_code == 200
{%- if cookiecutter.auth_mode != "none" %}
        assert (await get(client, ME, headers=headers)).status_code == 200
        async with asyncio.timeout(HANG_GUARD_SECONDS):
            again = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
        assert again.status_code == 200
{%- endif %}
        logging.getLogger("app").removeHandler(caplog.handler)
    assert SECRET_PASSWORD not in captured(caplog)
{%- if cookiecutter.auth_mode != "none" %}


async def test_a_sign_in_check_outlives_connections_the_server_closed(
    settings: Settings, database_proxy: TcpProxy, app: FastAPI
) -> None:
    """No pre-ping: a pooled connection the server closed (a restart, a failover) is found
    dead when used. The sign-in check then drops the pool and reads again on a fresh
    connection: the request still answers 200, not 503."""
    through_proxy = make_url(settings.DATABASE_URL).set(host="127.0.0.1", port=database_proxy.port)
    async with client_for(
        settings, DATABASE_URL=through_proxy.render_as_string(hide_password=False)
    ) as client:
        user = await create_user(app, "ada@example.com")
        first = bearer(await login(client, user.email))
        assert (await get(client, ME, headers=first)).status_code == 200
        # A sign-in no cache has seen yet, so that its check reads the database.
        second = bearer(await login(client, user.email))
        database_proxy.restore()  # every connection closed, the server back at once
        assert (await get(client, ME, headers=second)).status_code == 200
{%- endif %}
{%- if cookiecutter.use_redis %}


@pytest.fixture
def redis_proxy(settings: Settings) -> Iterator[TcpProxy]:
    with proxy_for(settings.REDIS_URL) as proxy:
        yield proxy


async def test_redis_goes_away_and_comes_back(
    settings: Settings,
    redis_proxy: TcpProxy,
    caplog: pytest.LogCaptureFixture,
    app: FastAPI,
) -> None:
    """Readiness names Redis.{% if cookiecutter.auth_mode != "none" %} Rate-limited actions fail closed (503: nothing would bound
    password guessing); signed-in requests go on, as the database decides{% if cookiecutter.auth_mode == "session" %}; ending a
    session fails closed (503), so that no worker can find it cached later{% endif %}.{% endif %}"""
    through_proxy = make_url(settings.REDIS_URL).set(host="127.0.0.1", port=redis_proxy.port)
    async with client_for(
        settings, REDIS_URL=through_proxy.render_as_string(hide_password=False), REDIS_TIMEOUT=1
    ) as client:
        logging.getLogger("app").addHandler(caplog.handler)
{%- if cookiecutter.auth_mode != "none" %}
        user = await create_user(app, "ada@example.com")
        headers = bearer(await login(client, user.email))
        assert (await get(client, ME, headers=headers)).status_code == 200
{%- endif %}
        redis_proxy.cut()
        assert (await get(client, LIVE)).status_code == 200
        ready = await get(client, READY)
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"database": "ok", "redis": "unavailable"}
        assert f"127.0.0.1:{redis_proxy.port}" in captured(caplog)
{%- if cookiecutter.auth_mode != "none" %}
        async with asyncio.timeout(HANG_GUARD_SECONDS):
            refused = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
        assert refused.status_code == 503
        assert int(refused.headers["Retry-After"]) > 0
        assert (await get(client, ME, headers=headers)).status_code == 200
{%- if cookiecutter.auth_mode == "session" %}
        async with asyncio.timeout(HANG_GUARD_SECONDS):
            logout = await client.post("/api/v1/auth/logout", headers=headers)
        assert logout.status_code == 503
        assert (await get(client, ME, headers=headers)).status_code == 200  # nothing ended
{%- endif %}
{%- endif %}

        redis_proxy.restore()
        assert (await get(client, READY)).status_code == 200
{%- if cookiecutter.auth_mode != "none" %}
        async with asyncio.timeout(HANG_GUARD_SECONDS):
            again = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
        assert again.status_code == 200
{%- endif %}
        logging.getLogger("app").removeHandler(caplog.handler)
{%- endif %}
