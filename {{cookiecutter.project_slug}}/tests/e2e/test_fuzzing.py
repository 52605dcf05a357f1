"""Schemathesis against a real server: generated requests for every operation find no server
error, no status the schema does not document, and no schema-valid request refused.

The budget is bounded (a fixed number of examples per operation), well under a minute.
"""

import os
{%- if cookiecutter.auth_mode != "none" %}
import secrets
{%- endif %}
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

{% if cookiecutter.auth_mode != "none" -%}
import httpx
{% endif -%}
import pytest
{%- if cookiecutter.auth_mode != "none" %}
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
{%- endif %}

{% if cookiecutter.auth_mode != "none" -%}
from app.core.config import Settings
{% endif -%}
from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import running_server

{% if cookiecutter.auth_mode != "none" -%}
# Fuzzing signs in, registers and guesses far more than any limit allows: no limits here.
NO_LIMITS = dict.fromkeys(
    (
        name
        for name in Settings.model_fields
        if name.startswith("RATE_LIMIT_") and name.endswith(("_PER_ACCOUNT", "_PER_IP"))
    ),
    "1000000",
)
{% endif -%}
# The configuration, as a team would keep it beside the API (schemathesis.toml).
CONFIG = """
seed = 20261201
max-failures = 20
request-timeout = 10
[generation]
max-examples = 10
{%- if cookiecutter.auth_mode != "none" %}
# JSON Schema counts characters, bcrypt counts bytes: the 72-byte limit of passwords cannot be
# written in the schema, so generated text stays ASCII (unit tests cover multi-byte passwords).
codec = "ascii"
{%- endif %}
[checks]
enabled = false
not_a_server_error.enabled = true
status_code_conformance.enabled = true
content_type_conformance.enabled = true
response_schema_conformance.enabled = true
positive_data_acceptance.enabled = true
unsupported_method.enabled = true
{%- if cookiecutter.__email %}

# An e-mailed token the schema cannot know: any generated one is unknown, and refused with the
# documented 400, like an unknown id.
[[operations]]
include-name = ["POST /api/v1/auth/verify-email/confirm", "POST /api/v1/auth/reset-password"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409", "429"]
{%- endif %}
"""
FUZZ_PASSWORD = "a sturdy fuzzing passphrase"


@pytest.fixture(scope="module")
def fuzz_server(services: dict[str, str]) -> Iterator[str]:
    quiet = {"LOG_LEVEL": "WARNING"}
{%- if cookiecutter.use_redis %}
    # Counters of its own: its thousands of sign-ups from 127.0.0.1 must not throttle the
    # other tests' servers, which share the suite's Redis database.
    quiet |= {"REDIS_URL": "memory://"}
{%- endif %}
{%- if cookiecutter.auth_mode != "none" %}
    quiet |= NO_LIMITS
{%- endif %}
    with running_server(services | quiet) as url:
        yield url
{%- if cookiecutter.auth_mode != "none" %}


async def seed_administrator(url: str, database_url: str) -> str:
    """An administrator the fuzzer signs in as, so that admin routes are reached too."""
    email = f"fuzzer-{secrets.token_hex(4)}@example.com"
    async with httpx.AsyncClient(base_url=url) as client:
        registered = await client.post(
            "/api/v1/auth/register", json={"email": email, "password": FUZZ_PASSWORD}
        )
    assert registered.status_code == 201, registered.text
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE users SET is_superuser = true WHERE email = :email"), {"email": email}
        )
    await engine.dispose()
    return email
{%- endif %}


async def test_generated_requests_keep_to_the_schema(
    fuzz_server: str, services: dict[str, str], tmp_path: Path
) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    # Run from the test's own folder so that the tool's caches (.schemathesis/, .hypothesis/)
    # stay out of the project; the hooks module is found through PYTHONPATH.
    python_path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    environment = {**os.environ, "FUZZ_BASE_URL": fuzz_server, "PYTHONPATH": python_path}
{%- if cookiecutter.auth_mode != "none" %}
    environment |= {
        "SCHEMATHESIS_HOOKS": "tests.e2e.fuzz_auth",
        "FUZZ_EMAIL": await seed_administrator(fuzz_server, services["DATABASE_URL"]),
        "FUZZ_PASSWORD": FUZZ_PASSWORD,
    }
{%- endif %}
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--no-color",
        "--config-file",
        str(config),
        "run",
        f"{fuzz_server}/api/v1/openapi.json",
    ]
    result = subprocess.run(  # noqa: S603, ASYNC221  # our own tool, fixed arguments; the test waits
        command,
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert "No issues found" in result.stdout or " passed" in result.stdout, report
