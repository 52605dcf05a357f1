"""Revocation with two worker processes: from the very next request, no worker accepts an
ended sign-in, whatever it (or the shared cache) answered before."""

import asyncio
import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e.conftest import STARTUP_SECONDS, Server, free_port, serving, uvicorn_command
from tests.signing_in import LOGIN, bearer, logout_request

AUTH = "/api/v1/auth"
ME = "/api/v1/users/me"
USERS = "/api/v1/users"
PASSWORD = "a sturdy worker passphrase"
PARALLEL = 24  # requests on connections of their own, spread over both workers
TIME_LIMIT = 60  # seconds any one test may take: a hang guard, not a measurement


@pytest.fixture(scope="module")
def two_workers(services: dict[str, str]) -> Iterator[Server]:
    port = free_port()
    command = [*uvicorn_command(port), "--workers", "2"]
    # Each worker logs its start (at INFO). Many sign-ins from one address: the limits are not what these tests are about.
    settings = {
        "RATE_LIMIT_LOGIN_PER_IP": "1000",
        "RATE_LIMIT_REGISTER_PER_IP": "1000",
    }
    with serving(command, services | settings, port) as server:
        deadline = time.monotonic() + STARTUP_SECONDS
        while server.log().count("Started server process") < 2:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.1)
        yield server


async def statuses(url: str, path: str, headers: dict[str, str]) -> list[int]:
    """`PARALLEL` requests at once, each on a new connection (the kernel spreads those over
    the workers)."""

    async def one() -> int:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            return (await client.get(path, headers=headers)).status_code

    return list(await asyncio.gather(*(one() for _ in range(PARALLEL))))


async def sign_up(client: httpx.AsyncClient, database_url: str, *, admin: bool = False) -> str:
    email = f"worker-{secrets.token_hex(4)}@example.com"
    response = await client.post(f"{AUTH}/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    if admin:  # as `create-superuser` would: before the account ever signs in
        engine = create_async_engine(database_url)
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE users SET is_superuser = true WHERE email = :email"),
                {"email": email},
            )
        await engine.dispose()
    return email


async def sign_in(client: httpx.AsyncClient, email: str) -> dict[str, Any]:
    response = await client.post(LOGIN, json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


@pytest.mark.parametrize("change", ["logout", "logout-all", "password", "deactivation"])
async def test_an_ended_sign_in_is_refused_by_every_worker_from_the_next_request(
    two_workers: Server, services: dict[str, str], change: str
) -> None:
    async with (
        asyncio.timeout(TIME_LIMIT),
        httpx.AsyncClient(base_url=two_workers.url, timeout=30) as client,
    ):
        email = await sign_up(client, services["DATABASE_URL"])
        tokens = await sign_in(client, email)
        assert await statuses(two_workers.url, ME, bearer(tokens)) == [200] * PARALLEL
        if change == "logout":
            response = await client.post(f"{AUTH}/logout", **logout_request(tokens))
        elif change == "logout-all":  # from another sign-in of the account
            other = await sign_in(client, email)
            response = await client.post(f"{AUTH}/logout-all", headers=bearer(other))
        elif change == "password":  # from another sign-in of the account
            other = await sign_in(client, email)
            response = await client.post(
                f"{AUTH}/password",
                json={"current_password": PASSWORD, "new_password": "a new worker passphrase"},
                headers=bearer(other),
            )
        else:
            admin = await sign_in(
                client, await sign_up(client, services["DATABASE_URL"], admin=True)
            )
            me = await client.get(ME, headers=bearer(tokens))
            response = await client.post(
                f"{USERS}/{me.json()['id']}/deactivate", headers=bearer(admin)
            )
        assert response.status_code in {200, 204}, response.text
        assert await statuses(two_workers.url, ME, bearer(tokens)) == [401] * PARALLEL
