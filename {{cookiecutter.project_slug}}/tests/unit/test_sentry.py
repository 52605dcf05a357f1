"""Sentry starts only with a DSN, and never sends personal data."""

import sys
from types import ModuleType
from typing import Any

import pytest

from app.core.config import Settings
from app.core.sentry import init_sentry
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


def test_a_dsn_starts_the_sdk_without_personal_data(monkeypatch: pytest.MonkeyPatch) -> None:
    sdk = FakeSdk()
    monkeypatch.setitem(sys.modules, "sentry_sdk", sdk)
    dsn = "https://public@sentry.example/1"
    assert init_sentry(settings(SENTRY_DSN=dsn, ENVIRONMENT="staging")) is True
    assert sdk.calls == [
        {
            "dsn": dsn,
            "environment": "staging",
            "release": settings().VERSION,
            "traces_sample_rate": 0.0,
            "send_default_pii": False,
        }
    ]


def test_a_dsn_without_the_sdk_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)
    with pytest.raises(RuntimeError, match=r"requirements/production\.txt"):
        init_sentry(settings(SENTRY_DSN="https://public@sentry.example/1"))
