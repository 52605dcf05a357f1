"""Deep combinations: the generated project's own suite and its migrations, against real
PostgreSQL and Redis, in a fresh virtual environment made from its requirement files alone
(so a dependency missing from them cannot hide behind the generator's environment)."""

import json
import os
import platform
import re
import secrets
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.combinations import DEEP, context
from tests.conftest import Render, explain, make_venv, run
from tests.interpreters import find_python
from tests.sentry_event import PERSONAL_DATA

RecordProperty = Callable[[str, object], None]
SENTRY_EVENT = (Path(__file__).parent / "sentry_event.py").read_text()

SERVER_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

# Run with the project's own interpreter, so only its requirements are importable.
DATABASE_ADMIN = """
import asyncio, sys
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

async def main(action: str, url: str, name: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        if action == "create":
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        elif action == "drop":
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            rows = await connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            )
            print(" ".join(row[0] for row in rows))
    await engine.dispose()

asyncio.run(main(*sys.argv[1:]))
"""


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def redis_database(index: int) -> str:
    """A Redis database of its own for each deep combination (the suites flush theirs)."""
    parts = urlsplit(REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{index + 1}"))


def deep_params() -> list[pytest.param]:  # type: ignore[valid-type]
    return [pytest.param(name, marks=pytest.mark.xdist_group(name)) for name in DEEP]


VenvFor = Callable[[str], Path]


def interpreter_for(name: str) -> tuple[Path | None, str]:
    """The Python the combination names, if this machine has it, and how to report the run."""
    version = str(context(name)["python_version"])
    python = find_python(version)
    if python is None:
        return None, (
            f"{name}: Python {version} NOT FOUND here (PATH, pyenv): ran on "
            f"{platform.python_version()} ({sys.executable}) instead"
        )
    return python, f"{name}: Python {version} ({python})"


@pytest.fixture(scope="session")
def project_bin(render: Render, tmp_path_factory: pytest.TempPathFactory) -> VenvFor:
    """bin/ of a fresh venv from the combination's requirements/test.txt, on the Python the
    combination names (where this machine has it), made once."""
    made: dict[str, Path] = {}

    def venv_for(name: str) -> Path:
        if name not in made:
            project = render(name)
            made[name] = make_venv(
                tmp_path_factory.mktemp(f"venv-{name}"),
                [project / "requirements" / "test.txt"],
                interpreter_for(name)[0],
            )
        return made[name]

    return venv_for


@pytest.fixture
def scratch_database(project_bin: VenvFor) -> Iterator[str]:
    """An empty database on the test server; yields its URL and drops it afterwards."""
    python = str(project_bin(DEEP[0]) / "python")
    name = f"generator_{secrets.token_hex(4)}"
    created = run([python, "-c", DATABASE_ADMIN, "create", SERVER_URL, name], cwd=Path.cwd())
    assert created.returncode == 0, explain(created)
    yield with_database(SERVER_URL, name)
    run([python, "-c", DATABASE_ADMIN, "drop", SERVER_URL, name], cwd=Path.cwd())


@pytest.mark.deep
@pytest.mark.parametrize("name", deep_params())
def test_migrations_round_trip_and_match_the_models(
    render: Render, project_bin: VenvFor, scratch_database: str, name: str
) -> None:
    project, bin_dir = render(name), project_bin(name)
    env = {"DATABASE_URL": scratch_database}
    for step in (["upgrade", "head"], ["downgrade", "base"], ["upgrade", "head"], ["check"]):
        result = run([str(bin_dir / "alembic"), *step], cwd=project, env=env)
        assert result.returncode == 0, explain(result)
    assert "No new upgrade operations detected" in result.stdout + result.stderr

    down = run([str(bin_dir / "alembic"), "downgrade", "base"], cwd=project, env=env)
    assert down.returncode == 0, explain(down)
    tables = run(
        [str(bin_dir / "python"), "-c", DATABASE_ADMIN, "tables", scratch_database, ""],
        cwd=project,
    )
    assert tables.stdout.split() == ["alembic_version"], "downgrade base left tables behind"


@pytest.mark.deep
@pytest.mark.parametrize(("name", "client"), [("default", "wrk"), ("session-noredis", "python")])
def test_the_bench_runs_and_reports_every_figure(
    render: Render, project_bin: VenvFor, name: str, client: str
) -> None:
    """A short run of `make bench`, its load from wrk (installed by .ci/run) or from its own
    Python client (figures are not judged here: the bench prints them)."""
    project, bin_dir = render(name), project_bin(name)
    env = {
        "DATABASE_URL": with_database(SERVER_URL, f"generator_bench_{secrets.token_hex(3)}"),
        "BENCH_REDIS_URL": redis_database(13),
        "BENCH_CLIENT": client,
    }
    command = [str(bin_dir / "python"), "-m", "bench.bench", "--seconds", "1", "--connections", "4"]
    result = run(command, cwd=project, env=env)
    assert result.returncode == 0, explain(result)
    report = json.loads((project / "bench" / "results" / "bench.json").read_text())
    labels = [row["label"] for row in report["loads"]]
    assert labels[:4] == ["bare FastAPI", "health", "me", "login"], labels
    assert (
        set(report["figures"])
        == set(report["goals"])
        == {
            "health / bare",
            "me / bare",
            "storm health p99 ms",
            "storm me / me",
            "rss MB",
        }
    )
    assert report["client"] == client
    me = next(row for row in report["loads"] if row["label"] == "me")
    assert me["requests"] > 0
    assert me["statuses"] == {"200": me["requests"]}, me
    assert me["server_cpu_us_per_req"] > 0, me
    assert 0 < me["p50_ms"] <= me["p99_ms"], me
    for key in report["figures"]:
        assert key in result.stdout


@pytest.mark.deep
@pytest.mark.parametrize("name", deep_params())
def test_generated_suite_passes_against_real_servers(
    render: Render, project_bin: VenvFor, name: str, record_property: RecordProperty
) -> None:
    project, bin_dir = render(name), project_bin(name)
    python, description = interpreter_for(name)
    record_property("python", description)
    if python is not None:
        ran_on = run([str(bin_dir / "python"), "-c", "import sys; print(sys.version)"], project)
        assert ran_on.stdout.startswith(f"{context(name)['python_version']}."), explain(ran_on)
    env = {"TEST_DATABASE_URL": SERVER_URL, "TEST_REDIS_URL": redis_database(DEEP.index(name))}
    result = run([str(bin_dir / "pytest"), "-q", "-p", "no:cacheprovider"], cwd=project, env=env)
    assert result.returncode == 0, explain(result)
    summary = result.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary), summary
    assert not re.search(r"failed|error|skipped", summary), summary
    for layer in ("unit", "integration", "e2e"):
        count = run(
            [
                str(bin_dir / "pytest"),
                "-q",
                "--collect-only",
                "-m",
                layer,
                "-p",
                "no:cacheprovider",
            ],
            cwd=project,
            env=env,
        )
        test_ids = [line for line in count.stdout.splitlines() if "::" in line]
        assert test_ids, f"no {layer} tests collected: {explain(count)}"


@pytest.mark.deep
def test_production_and_development_requirements_resolve(render: Render) -> None:
    project = render(DEEP[0])
    uv = str(Path(sys.executable).with_name("uv"))
    for requirements in ("production.txt", "development.txt"):
        result = run(
            [
                uv,
                "pip",
                "install",
                "--dry-run",
                "--quiet",
                "--python",
                sys.executable,
                "-r",
                str(project / "requirements" / requirements),
            ],
            cwd=project,
        )
        assert result.returncode == 0, explain(result)


def sentry_params() -> list[pytest.param]:  # type: ignore[valid-type]
    return [
        pytest.param(name, marks=pytest.mark.xdist_group(name))
        for name in DEEP
        if context(name)["use_sentry"]
    ]


@pytest.mark.deep
@pytest.mark.parametrize("name", sentry_params())
def test_a_reported_error_carries_no_personal_data(
    render: Render, tmp_path: Path, name: str
) -> None:
    """The real SDK (production requirements only), with a transport that keeps what it
    would send: an unhandled error of a request full of credentials and personal data."""
    project = render(name)
    requirements = [project / "requirements" / f"{part}.txt" for part in ("test", "production")]
    bin_dir = make_venv(tmp_path / "venv", requirements, interpreter_for(name)[0])
    result = run([str(bin_dir / "python"), "-c", SENTRY_EVENT], cwd=project)
    assert result.returncode == 0, explain(result)
    items = json.loads(result.stdout)
    [event] = [item["payload"] for item in items if item["type"] == "event"]
    assert event["exception"]["values"][-1]["value"] == "boom: an unhandled error"
    assert event["request"] == {"method": "POST", "url": "http://test/api/v1/boom"}
    sent = json.dumps(items)
    leaked = {what: value for what, value in PERSONAL_DATA.items() if value in sent}
    assert not leaked, f"reached Sentry: {leaked}"
