import socket

import pytest
from alembic.script import ScriptDirectory
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.config import Settings
from app.main import create_app
from tests.conftest import alembic_config


def closed_port() -> int:
    """A local port that nothing listens on: bound once, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def readiness_with(settings: Settings) -> tuple[int, dict[str, object]]:
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client,
    ):
        response = await client.get("/api/v1/health/ready")
    return response.status_code, response.json()


@pytest.fixture
def live_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"HEALTH_CHECK_TIMEOUT": 1.0})


async def test_live_answers_without_dependencies(client: AsyncClient) -> None:
    response = await client.get("/api/v1/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_{% if cookiecutter.use_redis %}database_and_redis_answer{% else %}the_database_answers{% endif %}(client: AsyncClient) -> None:
    response = await client.get("/api/v1/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"{% if cookiecutter.use_redis %}, "redis": "ok"{% endif %}}}


async def test_ready_names_the_database_when_it_is_down(live_settings: Settings) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/nothing"
    status, body = await readiness_with(live_settings.model_copy(update={"DATABASE_URL": url}))
    assert status == 503
    assert body == {
        "status": "unavailable",
        "checks": {"database": "unavailable"{% if cookiecutter.use_redis %}, "redis": "ok"{% endif %}},
    }
{%- if cookiecutter.use_redis %}


async def test_ready_names_redis_when_it_is_down(live_settings: Settings) -> None:
    url = f"redis://127.0.0.1:{closed_port()}/0"
    status, body = await readiness_with(live_settings.model_copy(update={"REDIS_URL": url}))
    assert status == 503
    assert body == {"status": "unavailable", "checks": {"database": "ok", "redis": "unavailable"}}
{%- endif %}


async def test_test_database_is_migrated_to_head(client: AsyncClient, database_url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    engine = create_async_engine(database_url)
    async with engine.connect() as connection:
        current = (
            await connection.execute(text("SELECT version_num FROM alembic_version"))
        ).scalar()
    await engine.dispose()
    assert head is not None
    assert current == head
