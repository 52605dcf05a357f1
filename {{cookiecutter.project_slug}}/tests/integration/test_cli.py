"""`python -m app.cli create-superuser` and `unlock`, in process, against the test database."""

import asyncio

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app import cli
from app.cli import main
from app.core.exceptions import RateLimitedError
from app.models.user import User
from app.services.rate_limit_service import account_key
from tests.integration.conftest import PASSWORD, create_user

EMAIL = "boss@example.com"


async def users_named(app: FastAPI, email: str) -> list[User]:
    async with app.state.resources.sessionmaker() as db:
        return list((await db.scalars(select(User).where(User.email == email))).all())


async def user_count(app: FastAPI) -> int:
    async with app.state.resources.sessionmaker() as db:
        return await db.scalar(select(func.count()).select_from(User)) or 0


@pytest.fixture(autouse=True)
def command_env(monkeypatch: pytest.MonkeyPatch, services: dict[str, str]) -> None:
    """The command reads its settings from the environment, as in a container."""
    for name, value in services.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def superuser_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("FIRST_SUPERUSER_EMAIL", "Boss@Example.com")
    monkeypatch.setenv("FIRST_SUPERUSER_PASSWORD", PASSWORD)
    return monkeypatch


async def test_does_nothing_when_unset(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FIRST_SUPERUSER_EMAIL", raising=False)
    monkeypatch.delenv("FIRST_SUPERUSER_PASSWORD", raising=False)
    assert await main_in_thread(["create-superuser"]) == 0
    assert await user_count(app) == 0


async def test_creates_the_superuser_once(app: FastAPI, superuser_env: pytest.MonkeyPatch) -> None:
    assert await main_in_thread(["create-superuser"]) == 0
    assert await main_in_thread(["create-superuser"]) == 0
    [user] = await users_named(app, EMAIL)
    assert user.is_superuser
    assert user.is_active
    assert user.hashed_password != PASSWORD


@pytest.mark.parametrize("password", ["changethis", "change-me", "password123", "short"])
async def test_refuses_placeholder_common_or_short_passwords(
    app: FastAPI,
    superuser_env: pytest.MonkeyPatch,
    password: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    superuser_env.setenv("FIRST_SUPERUSER_PASSWORD", password)
    assert await main_in_thread(["create-superuser"]) == 1
    assert await user_count(app) == 0
    error = capsys.readouterr().err
    assert "create-superuser:" in error
    assert password not in error


async def test_an_existing_ordinary_account_is_promoted_only_when_asked(
    app: FastAPI, superuser_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await create_user(app, EMAIL)
    assert await main_in_thread(["create-superuser"]) == 1
    [user] = await users_named(app, EMAIL)
    assert not user.is_superuser
    assert f"create-superuser --promote {EMAIL}" in capsys.readouterr().err

    assert await main_in_thread(["create-superuser", "--promote", "Boss@Example.com"]) == 0
    [user] = await users_named(app, EMAIL)
    assert user.is_superuser
    assert f"{EMAIL} is now a superuser" in capsys.readouterr().out


async def test_promoting_an_unknown_account_fails(
    app: FastAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await main_in_thread(["create-superuser", "--promote", "nobody@example.com"]) == 1
    assert "no account nobody@example.com" in capsys.readouterr().err


@pytest.mark.parametrize("unset", ["FIRST_SUPERUSER_EMAIL", "FIRST_SUPERUSER_PASSWORD"])
async def test_half_set_variables_are_an_error(
    app: FastAPI,
    superuser_env: pytest.MonkeyPatch,
    unset: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    superuser_env.delenv(unset)
    assert await main_in_thread(["create-superuser"]) == 1
    assert f"{unset} is not" in capsys.readouterr().err
    assert await user_count(app) == 0


async def test_prompts_in_a_terminal_without_the_variables(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FIRST_SUPERUSER_EMAIL", raising=False)
    monkeypatch.delenv("FIRST_SUPERUSER_PASSWORD", raising=False)
    asked: list[str] = []

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return EMAIL if prompt == "E-mail: " else PASSWORD

    monkeypatch.setattr(cli, "in_a_terminal", lambda: True)
    monkeypatch.setattr("builtins.input", answer)
    monkeypatch.setattr(cli, "getpass", answer)
    assert await main_in_thread(["create-superuser"]) == 0
    assert asked == ["E-mail: ", "Password (hidden): ", "Password again: "]
    [user] = await users_named(app, EMAIL)
    assert user.is_superuser


async def main_in_thread(argv: list[str]) -> int:
    """The CLI runs its own event loop, as it does from a shell."""
    return await asyncio.to_thread(main, argv)


async def test_empty_values_count_as_unset(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """As an unfilled .env gives them: not a half-set pair."""
    monkeypatch.setenv("FIRST_SUPERUSER_EMAIL", "")
    monkeypatch.setenv("FIRST_SUPERUSER_PASSWORD", "")
    assert await main_in_thread(["create-superuser"]) == 0
    assert await user_count(app) == 0


async def test_unlock_clears_the_lockout_of_an_account_and_an_address(
    app: FastAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    resources = app.state.resources
    limiter = resources.limiter
    await create_user(app, EMAIL)
    for _ in range(limiter.limits["login"].per_account or 1):
        await limiter.record("login", account=account_key(EMAIL), ip="203.0.113.7")
    with pytest.raises(RateLimitedError):
        await limiter.check("login", account=account_key(EMAIL))
    if not resources.SHARED_COUNTERS:  # in-process counters: only a restart clears them
        assert await main_in_thread(["unlock", EMAIL]) == 1
        assert "restart the server" in capsys.readouterr().err
        return
    assert await main_in_thread(["unlock", "Boss@Example.com"]) == 0
    await limiter.check("login", account=account_key(EMAIL))
    assert f"unlocked {EMAIL}" in capsys.readouterr().out
    assert await main_in_thread(["unlock", "203.0.113.7"]) == 0
    for _ in range(limiter.limits["login"].per_ip or 1):
        await limiter.hit("login", ip="203.0.113.7")
