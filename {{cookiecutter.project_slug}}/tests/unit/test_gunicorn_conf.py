"""gunicorn.conf.py: uvicorn workers, settings from the environment, no access log of its own."""

import runpy
from pathlib import Path
from typing import Any

import pytest

CONFIG = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def load(monkeypatch: pytest.MonkeyPatch, **environment: str) -> dict[str, Any]:
    for name in ("PORT", "GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_defaults_suit_a_container(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load(monkeypatch)
    assert config["worker_class"] == "uvicorn_worker.UvicornWorker"
    assert config["bind"] == "0.0.0.0:8000"
    assert config["workers"] == 2
    assert config["graceful_timeout"] < config["timeout"]
    assert config["accesslog"] is None
    assert config["logconfig_dict"]["handlers"]["console"]["formatter"] == "json"


def test_the_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load(
        monkeypatch,
        PORT="9000",
        WEB_CONCURRENCY="5",
        GUNICORN_TIMEOUT="90",
        ENVIRONMENT="development",
    )
    assert config["bind"] == "0.0.0.0:9000"
    assert config["workers"] == 5
    assert config["timeout"] == 90
    assert config["logconfig_dict"]["handlers"]["console"]["formatter"] == "text"


def test_an_explicit_bind_wins_over_the_port(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load(monkeypatch, PORT="9000", GUNICORN_BIND="unix:/run/app.sock")
    assert config["bind"] == "unix:/run/app.sock"
