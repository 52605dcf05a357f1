"""The service started as it really is: `scripts/prestart.sh` prepares a fresh database
(migrations{% if cookiecutter.auth_mode != "none" %}, then the first superuser{% endif %}), and `python main.py` (`make dev`, with reload) and
`gunicorn main:app -c gunicorn.conf.py` (production, 2 workers) serve it."""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.models import Base
{%- if cookiecutter.auth_mode != "none" %}
from tests.accounts import sign_in
{%- endif %}
from tests.conftest import PROJECT_ROOT, alembic_config, new_database
from tests.e2e.conftest import PATH, STARTUP_SECONDS, Server, free_port, serving
{%- if cookiecutter.auth_mode != "none" %}
from tests.signing_in import bearer

SUPERUSER_EMAIL = "first-admin@example.com"
SUPERUSER_PASSWORD = "a first admin passphrase"
{%- endif %}


@dataclass(frozen=True)
class Prestarted:
    settings: dict[str, str]
    stdout: str


def run_prestart(settings: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "scripts/prestart.sh"],  # noqa: S607  # the project's own script, via PATH's sh
        cwd=PROJECT_ROOT,
        env={**os.environ, "PATH": PATH, **settings},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
async def prestarted(services: dict[str, str]) -> AsyncIterator[Prestarted]:
    """A new, empty database, prepared by scripts/prestart.sh as a release would be."""
    async with new_database() as url:
        settings = {
            **services,
            "DATABASE_URL": url,
{%- if cookiecutter.auth_mode != "none" %}
            "FIRST_SUPERUSER_EMAIL": SUPERUSER_EMAIL,
            "FIRST_SUPERUSER_PASSWORD": SUPERUSER_PASSWORD,
{%- endif %}
        }
        result = await asyncio.to_thread(run_prestart, settings)
        assert result.returncode == 0, result.stdout + result.stderr
        yield Prestarted(settings, result.stdout)


async def rows(url: str, query: str) -> list[tuple[object, ...]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(text(query))]
    finally:
        await engine.dispose()


async def test_prestart_migrates_a_fresh_database{% if cookiecutter.auth_mode != "none" %}_and_creates_the_first_superuser{% endif %}(
    prestarted: Prestarted,
) -> None:
    url = prestarted.settings["DATABASE_URL"]
    tables = await rows(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert {name for (name,) in tables} == {*Base.metadata.tables, "alembic_version"}
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert await rows(url, "SELECT version_num FROM alembic_version") == [(head,)]
{%- if cookiecutter.auth_mode != "none" %}
    accounts = await rows(url, "SELECT email, is_superuser, is_active FROM users")
    assert accounts == [(SUPERUSER_EMAIL, True, True)]
{%- endif %}
    assert prestarted.stdout.endswith("prestart: done\n"), prestarted.stdout


async def test_prestart_runs_again_and_changes_nothing(prestarted: Prestarted) -> None:
    again = await asyncio.to_thread(run_prestart, prestarted.settings)
    assert again.returncode == 0, again.stdout + again.stderr
{%- if cookiecutter.auth_mode != "none" %}
    assert f"{SUPERUSER_EMAIL} already exists, nothing to do" in again.stdout
    url = prestarted.settings["DATABASE_URL"]
    assert await rows(url, "SELECT count(*) FROM users") == [(1,)]
{%- endif %}


def main_py(port: int) -> tuple[list[str], dict[str, str]]:
    """What `make dev` runs: the settings' HOST and PORT, reload in development."""
    return [sys.executable, "main.py"], {
        "ENVIRONMENT": "development",
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }


def gunicorn(port: int) -> tuple[list[str], dict[str, str]]:
    """What the production deployment runs, in production."""
    command = [sys.executable, "-m", "gunicorn", "main:app", "-c", "gunicorn.conf.py"]
    return command, {
        "ENVIRONMENT": "production",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
        # .env lists development origins (http://localhost), which production refuses.
        "CORS_ORIGINS": "https://app.example.org",
{%- if cookiecutter.auth_mode != "none" %}
        "BCRYPT_ROUNDS": "10",  # production refuses a cheaper cost
{%- endif %}
    }


def booted_workers(server: Server) -> int:
    """How many gunicorn workers have booted, waiting (bounded) until two have."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while (count := server.log().count("Booting worker with pid")) < 2:
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    return count


Start = Callable[[int], tuple[list[str], dict[str, str]]]


@pytest.mark.parametrize("start", [main_py, gunicorn], ids=["python main.py", "gunicorn"])
def test_the_server_starts_and_serves(prestarted: Prestarted, start: Start) -> None:
    port = free_port()
    command, settings = start(port)
    with (
        serving(command, prestarted.settings | settings, port) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        live = client.get("/api/v1/health/live")
        assert live.status_code == 200
        assert live.json() == {"status": "ok"}
{%- if cookiecutter.auth_mode != "none" %}
        tokens = sign_in(client, SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
        me = client.get("/api/v1/users/me", headers=bearer(tokens))
        assert me.status_code == 200, me.text
        assert (me.json()["email"], me.json()["is_superuser"]) == (SUPERUSER_EMAIL, True)
{%- else %}
        ready = client.get("/api/v1/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["database"] == "ok"
{%- endif %}
        if start is gunicorn:
            assert booted_workers(server) == 2, server.log()
