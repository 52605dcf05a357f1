"""`python -m app.prestart --create-database`, as `make migrate` and `make dev` run it: the
database is made when missing; an unreachable server is one line, never a traceback."""

import os
import secrets
import subprocess
import sys

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import PROJECT_ROOT, SERVER_URL, TEST_SETTINGS


def prestart(database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.prestart", "--create-database"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **TEST_SETTINGS, "DATABASE_URL": database_url, "DB_WAIT_SECONDS": "5"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_creates_a_missing_database_and_migrates_it() -> None:
    name = f"prestart_{secrets.token_hex(4)}"
    url = SERVER_URL.set(database=name).render_as_string(hide_password=False)
    server = create_async_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        first = prestart(url)
        assert first.returncode == 0, first.stdout + first.stderr
        assert f"prestart: created the database {SERVER_URL.host}:" in first.stdout
        assert f"/{name}\n" in first.stdout
        again = prestart(url)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "created" not in again.stdout
        migrated = create_async_engine(url)
        try:
            async with migrated.connect() as connection:
                assert await connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
        finally:
            await migrated.dispose()
    finally:
        async with server.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await server.dispose()


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    result = prestart("postgresql+asyncpg://app:s3cret-pw@127.0.0.1:9/orders")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "127.0.0.1:9" in line
    assert "s3cret-pw" not in result.stdout + result.stderr
