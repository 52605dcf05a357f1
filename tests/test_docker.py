"""Docker: the Dockerfile passes hadolint and is production-shaped; compose runs migrations
first; the Makefile's compose targets exist exactly when Docker does."""

import re

import pytest

from tests.combinations import effective
from tests.conftest import Render
from tests.validators import COMBINATIONS, WITH_DOCKER, check, load, tool


@pytest.mark.parametrize("name", WITH_DOCKER)
def test_dockerfile_passes_hadolint(name: str, render: Render) -> None:
    root = render(name)
    output = check(
        [tool("hadolint"), "--no-color", "--failure-threshold", "style", "Dockerfile"], root
    )
    assert output == ""


@pytest.mark.parametrize("name", WITH_DOCKER)
def test_dockerfile_is_production_shaped(name: str, render: Render) -> None:
    root = render(name)
    dockerfile = (root / "Dockerfile").read_text()
    version = COMBINATIONS[name].get("python_version", "3.12")
    assert f"ARG PYTHON_VERSION={version}\n" in dockerfile
    assert dockerfile.count("FROM python:${PYTHON_VERSION}-slim AS ") == 2  # multi-stage
    assert "pip install -r /tmp/requirements/production.txt" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*\n.*/api/v1/health/live", dockerfile, re.MULTILINE)
    assert 'CMD ["gunicorn", "main:app"]' in dockerfile
    # No secret is baked in: no secret-looking ENV or ARG, and .env never enters the context.
    assert not re.search(
        r"^(ENV|ARG)\b.*(SECRET|PASSWORD|TOKEN|DSN)", dockerfile, re.MULTILINE | re.IGNORECASE
    )
    ignore = (root / ".dockerignore").read_text().splitlines()
    assert "*" in ignore
    assert not any(line.startswith("!") and ".env" in line for line in ignore)
    for needed in (
        "app",
        "alembic",
        "alembic.ini",
        "main.py",
        "gunicorn.conf.py",
        "scripts/prestart.sh",
    ):
        assert f"!{needed}" in ignore, needed


@pytest.mark.parametrize("name", WITH_DOCKER)
def test_compose_runs_migrations_before_the_app(name: str, render: Render) -> None:
    root = render(name)
    compose = load(root / "docker-compose.yml")
    services = compose["services"]
    stores = ["db", "redis"] if COMBINATIONS[name]["use_redis"] else ["db"]
    catcher = ["mailpit"] if effective(COMBINATIONS[name])["enable_email"] else []
    assert set(services) == {*stores, *catcher, "migrate", "app"}
    assert services["db"]["image"].startswith("postgres:16")
    for service in stores:
        assert services[service]["healthcheck"]["test"]
        volume = services[service]["volumes"][0].split(":")[0]
        assert volume in compose["volumes"]  # a named volume, not a host folder
    if COMBINATIONS[name]["use_redis"]:
        assert services["redis"]["image"].startswith("redis:7.2")
        command = services["redis"]["command"]
        assert command[command.index("--appendonly") + 1] == "yes"
    assert services["migrate"]["command"] == ["sh", "scripts/prestart.sh"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    app = services["app"]["depends_on"]
    assert app["migrate"]["condition"] == "service_completed_successfully"
    assert {store: app[store]["condition"] for store in stores} == dict.fromkeys(
        stores, "service_healthy"
    )
    # Ports of the data stores are reachable from this machine only.
    for service in stores:
        assert all(port.startswith("127.0.0.1:") for port in services[service]["ports"])


def test_makefile_has_compose_targets_only_with_docker(render: Render) -> None:
    with_docker = (render("default") / "Makefile").read_text()
    without = (render("noredis-noemail-bare-sentry") / "Makefile").read_text()
    for target in ("up", "down", "logs"):
        assert re.search(rf"^{target}:.*## ", with_docker, re.MULTILINE)
        assert not re.search(rf"^{target}:", without, re.MULTILINE)


@pytest.mark.parametrize("name", WITH_DOCKER)
def test_compose_catches_development_mail(name: str, render: Render) -> None:
    """With e-mail: Mailpit receives what the app sends, its web UI shows it (documented)."""
    root = render(name)
    compose = load(root / "docker-compose.yml")
    readme = (root / "README.md").read_text()
    if not effective(COMBINATIONS[name])["enable_email"]:
        assert "mailpit" not in compose["services"]
        assert "mailpit" not in readme.lower()
        return
    mailpit = compose["services"]["mailpit"]
    assert re.fullmatch(r"axllent/mailpit:v\d+\.\d+(\.\d+)?", mailpit["image"])
    assert "127.0.0.1:8025:8025" in mailpit["ports"]
    environment = compose["x-app"]["environment"]
    assert environment["EMAIL_BACKEND"] == "smtp"
    assert (environment["SMTP_HOST"], str(environment["SMTP_PORT"])) == ("mailpit", "1025")
    assert environment["SMTP_SECURITY"] == "none"
    assert "http://127.0.0.1:8025" in readme
