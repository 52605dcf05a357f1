"""`make try`: no PostgreSQL{% if cookiecutter.use_redis %} or Redis{% endif %} server, the service on SQLite{% if cookiecutter.use_redis %} and an in-process Redis{% endif %}."""

import os
{%- if cookiecutter.auth_mode != "none" %}
import secrets
{%- endif %}
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

{% if cookiecutter.auth_mode != "none" -%}
from tests.accounts import sign_up_and_in
{% endif -%}
from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import free_port, serving
{%- if cookiecutter.auth_mode != "none" %}
from tests.signing_in import bearer
{%- endif %}


@pytest.fixture(scope="module")
def tryout_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """What `make try` does: migrate a fresh SQLite file, then `python main.py` serves from it
    (with reload, as in development)."""
    database = tmp_path_factory.mktemp("tryout") / "tryout.db"
    port = free_port()
    settings = {
        "ENVIRONMENT": "development",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
{%- if cookiecutter.use_redis %}
        "REDIS_URL": "memory://",
{%- endif %}
{%- if cookiecutter.__email %}
        "EMAIL_BACKEND": "console",
{%- endif %}
    }
    migrated = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **settings},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    with serving([sys.executable, "main.py"], settings, port) as server:
        yield server.url


def test_ready_without_any_server(tryout_url: str) -> None:
    with httpx.Client(base_url=tryout_url) as client:
        ready = client.get("/api/v1/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok"{% if cookiecutter.use_redis %}, "redis": "ok"{% endif %}}
{%- if cookiecutter.auth_mode != "none" %}


def test_register_login_me(tryout_url: str) -> None:
    email = f"tryout-{secrets.token_hex(4)}@example.com"
    with httpx.Client(base_url=tryout_url) as client:
        tokens = sign_up_and_in(client, email)
        headers = bearer(tokens)

        me = client.get("/api/v1/users/me", headers=headers)
        assert me.status_code == 200, me.text
        assert me.json()["email"] == email
        renamed = client.patch("/api/v1/users/me", json={"full_name": "Newcomer"}, headers=headers)
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["full_name"] == "Newcomer"
{%- if cookiecutter.auth_mode == "jwt" %}

        refreshed = client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert refreshed.status_code == 200, refreshed.text
        new_headers = bearer(refreshed.json())
        assert client.get("/api/v1/users/me", headers=new_headers).status_code == 200
        logout = client.post(
            "/api/v1/auth/logout", json={"refresh_token": refreshed.json()["refresh_token"]}
        )
        assert logout.status_code == 204
        assert client.get("/api/v1/users/me", headers=new_headers).status_code == 401
{%- else %}

        logout = client.post("/api/v1/auth/logout", headers=headers)
        assert logout.status_code == 204
        assert client.get("/api/v1/users/me", headers=headers).status_code == 401
{%- endif %}
{%- endif %}
