"""Production: gunicorn with uvicorn workers, the prestart script, Sentry in the production
requirements only, and a README that documents what was generated."""

import re

import pytest

from tests.conftest import Render
from tests.validators import COMBINATIONS, check


def test_production_server_is_gunicorn_with_uvicorn_workers(render: Render) -> None:
    root = render("noredis-noemail-bare-sentry")
    config = (root / "gunicorn.conf.py").read_text()
    assert 'worker_class = "uvicorn_worker.UvicornWorker"' in config
    for variable in (
        "WEB_CONCURRENCY",
        "GUNICORN_BIND",
        "GUNICORN_TIMEOUT",
        "GUNICORN_GRACEFUL_TIMEOUT",
    ):
        assert f'os.environ.get("{variable}"' in config
    assert "accesslog = None" in config
    production = (root / "requirements/production.txt").read_text().splitlines()
    assert any(line.startswith("gunicorn==") for line in production)
    assert any(line.startswith("uvicorn-worker==") for line in production)


def test_the_test_requirements_pin_the_production_server_alike(render: Render) -> None:
    """The e2e suite starts gunicorn: the test environment has the production server, at the
    same versions."""
    root = render("k8s-sentry")

    def server_pins(name: str) -> set[str]:
        lines = (root / "requirements" / name).read_text().splitlines()
        return {line for line in lines if line.startswith(("gunicorn==", "uvicorn-worker=="))}

    assert len(server_pins("production.txt")) == 2
    assert server_pins("test.txt") == server_pins("production.txt")


def test_prestart_waits_migrates_and_seeds(render: Render) -> None:
    """Its shape; the generated e2e suite runs it against a fresh database."""
    root = render("noredis-noemail-bare-sentry")
    script = root / "scripts/prestart.sh"
    assert script.stat().st_mode & 0o111
    check(["sh", "-n", str(script)], script.parent)
    text = script.read_text()
    assert text.startswith("#!/bin/sh\n")
    assert "set -eu" in text
    # The waiting and the migrations are Python that ruff and mypy check (app/prestart.py).
    migrate, seed = (
        text.index("\npython -m app.prestart\n"),
        text.index("\npython -m app.cli create-superuser\n"),
    )
    assert migrate < seed
    prestart = (root / "app/prestart.py").read_text()
    assert prestart.index("wait_for_database(") < prestart.index("command.upgrade(")


def test_sentry_lives_only_in_production_requirements(render: Render) -> None:
    root = render("k8s-sentry")
    for name in ("base.txt", "development.txt", "test.txt"):
        assert "sentry" not in (root / "requirements" / name).read_text()
    assert re.search(
        r"^sentry-sdk\[fastapi\]==\S+$",
        (root / "requirements/production.txt").read_text(),
        re.MULTILINE,
    )
    settings = (root / "app/core/settings/sentry.py").read_text()
    assert "SENTRY_DSN: SecretStr | None = None" in settings
    assert "init_sentry(self.settings)" in (root / "app/core/sentry.py").read_text()
    assert "SENTRY_DSN=\n" in (root / ".env.example").read_text()


@pytest.mark.parametrize("name", COMBINATIONS)
def test_readme_documents_what_was_generated(name: str, render: Render) -> None:
    root, answers = render(name), COMBINATIONS[name]
    readme = (root / "README.md").read_text()
    makefile = (root / "Makefile").read_text()
    for target in re.findall(r"^([a-z-]+):.*## ", makefile, re.MULTILINE):
        assert f"`make {target}" in readme, target
    for variable in ("WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "X-Request-ID", "alembic upgrade head"):
        assert variable in readme
    assert ("### With docker compose" in readme) == answers["include_docker"]
    assert ("### On Kubernetes" in readme) == (answers["deployment"] == "kubernetes")
    assert ("## Continuous integration" in readme) == (answers["ci_provider"] != "none")
    assert ("SENTRY_DSN" in readme) == answers["use_sentry"]
