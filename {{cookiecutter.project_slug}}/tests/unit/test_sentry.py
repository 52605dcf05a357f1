"""Sentry starts only with a DSN, and reports requests without their data."""

import sys
from types import ModuleType
from typing import Any

import pytest

from app.core.config import Settings
from app.core.sentry import init_sentry, request_line_only
from tests.conftest import make_settings


def settings(**values: Any) -> Settings:
    return make_settings(**values)


class FakeSdk(ModuleType):
    def __init__(self) -> None:
        super().__init__("sentry_sdk")
        self.calls: list[dict[str, Any]] = []

    def init(self, **options: Any) -> None:
        self.calls.append(options)


@pytest.mark.parametrize("dsn", [None, ""])
def test_nothing_starts_without_a_dsn(dsn: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    sdk = FakeSdk()
    monkeypatch.setitem(sys.modules, "sentry_sdk", sdk)
    assert init_sentry(settings(SENTRY_DSN=dsn)) is False
    assert sdk.calls == []


def test_a_dsn_starts_the_sdk_for_this_environment_and_release(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real SDK is installed in production only: the tests of the template this project
    came from send an error through it and check that no personal data leaves."""
    sdk = FakeSdk()
    monkeypatch.setitem(sys.modules, "sentry_sdk", sdk)
    dsn = "https://public@sentry.example/1"
    assert init_sentry(settings(SENTRY_DSN=dsn, ENVIRONMENT="staging")) is True
    [options] = sdk.calls
    assert (options["dsn"], options["environment"]) == (dsn, "staging")
    assert options["release"] == settings().VERSION


def test_a_reported_request_keeps_its_method_and_url_only() -> None:
    event = {
        "request": {
            "method": "POST",
            "url": "https://api.test/api/v1/things",
            "query_string": "token=secret",
            "headers": {"X-Api-Key": "secret"},
            "data": {"email": "ada@example.com"},
        },
        "level": "error",
    }
    assert request_line_only(event, {}) == {
        "request": {"method": "POST", "url": "https://api.test/api/v1/things"},
        "level": "error",
    }
    assert request_line_only({"level": "error"}, {}) == {"level": "error"}


def test_a_dsn_without_the_sdk_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)
    with pytest.raises(RuntimeError, match=r"requirements/production\.txt"):
        init_sentry(settings(SENTRY_DSN="https://public@sentry.example/1"))
