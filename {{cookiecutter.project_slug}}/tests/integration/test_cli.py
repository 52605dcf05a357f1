"""`python -m app.cli create-superuser`, in process, against the test database."""

import asyncio

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.cli import main
from app.models.user import User
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


async def test_refuses_to_promote_an_existing_ordinary_account(
    app: FastAPI, superuser_env: pytest.MonkeyPatch
) -> None:
    await create_user(app, EMAIL)
    assert await main_in_thread(["create-superuser"]) == 1
    [user] = await users_named(app, EMAIL)
    assert not user.is_superuser


async def main_in_thread(argv: list[str]) -> int:
    """The CLI runs its own event loop, as it does from a shell."""
    return await asyncio.to_thread(main, argv)


async def test_empty_values_count_as_unset(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIRST_SUPERUSER_EMAIL", EMAIL)
    monkeypatch.setenv("FIRST_SUPERUSER_PASSWORD", "")
    assert await main_in_thread(["create-superuser"]) == 0
    assert await user_count(app) == 0
