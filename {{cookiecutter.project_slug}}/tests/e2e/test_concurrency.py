"""The rules a race could break, with real parallel requests against a real server process:
rate limits, revocation, unique accounts, and the connection pool under a burst of logins.

Parallel clients come from their own loopback addresses (127.0.0.0/8), as distinct clients
would, so that per-address limits count them apart. Every test bounds its time.
"""

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import STARTUP_SECONDS, free_port, running_server
from tests.signing_in import LOGIN, bearer

AUTH = "/api/v1/auth"
ME = "/api/v1/users/me"
PASSWORD = "a sturdy racing passphrase"
NEW_PASSWORD = "a brand new racing passphrase"
TIME_LIMIT = 60  # seconds any one test may take: a hang guard, not a measurement
# A small pool and a slower bcrypt make a connection held while hashing show at once.
RACE_SETTINGS = {
    "DB_POOL_SIZE": "3",
    "DB_MAX_OVERFLOW": "0",
    "DB_POOL_TIMEOUT": "3",
    "BCRYPT_ROUNDS": "8",
    "RATE_LIMIT_LOGIN_PER_ACCOUNT": "20",
    "LOG_LEVEL": "WARNING",
}


@pytest.fixture(scope="module")
def race_server(services: dict[str, str]) -> Iterator[str]:
    with running_server(services | RACE_SETTINGS) as url:
        yield url


@asynccontextmanager
async def client_from(url: str, number: int) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose connections come from loopback address number `number` (1 to 60000)."""
    address = f"127.{number // 62500 % 250 + 1}.{number // 250 % 250}.{number % 250 + 2}"
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=url, transport=transport, timeout=30) as client:
        yield client


async def post_from(url: str, number: int, path: str, **kwargs: Any) -> httpx.Response:
    async with client_from(url, number) as client:
        return await client.post(path, **kwargs)


async def get_from(url: str, number: int, path: str, **kwargs: Any) -> httpx.Response:
    async with client_from(url, number) as client:
        return await client.get(path, **kwargs)


def new_email(label: str) -> str:
    return f"{label}-{secrets.token_hex(4)}@example.com"


async def sign_up(url: str, number: int, email: str) -> dict[str, Any]:
    registered = await post_from(
        url, number, f"{AUTH}/register", json={"email": email, "password": PASSWORD}
    )
    assert registered.status_code == 201, registered.text
    signed_in = await post_from(url, number, LOGIN, json={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    tokens: dict[str, Any] = signed_in.json()
    return tokens


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


async def test_parallel_wrong_guesses_for_one_account_stop_at_its_limit(race_server: str) -> None:
    """Counted before the check: 30 parallel guesses get at most 20 checked answers."""
    email = new_email("guessed")
    await sign_up(race_server, 1, email)
    async with asyncio.timeout(TIME_LIMIT):
        answers = await asyncio.gather(
            *(
                post_from(
                    race_server, 100 + n, LOGIN, json={"email": email, "password": f"guess {n}!"}
                )
                for n in range(30)
            )
        )
    counted = statuses(answers)
    # 503: more parallel checks than the hashing queue takes (also with Retry-After).
    assert set(counted) <= {401, 429, 503}, counted
    assert counted[401] <= 20, counted  # RATE_LIMIT_LOGIN_PER_ACCOUNT
    assert all(int(r.headers["Retry-After"]) > 0 for r in answers if r.status_code != 401)


async def test_parallel_guesses_from_one_address_stop_at_its_limit(race_server: str) -> None:
    async with client_from(race_server, 300) as client, asyncio.timeout(TIME_LIMIT):
        answers = await asyncio.gather(
            *(
                client.post(LOGIN, json={"email": new_email("nobody"), "password": PASSWORD})
                for _ in range(45)
            )
        )
    counted = statuses(answers)
    assert set(counted) <= {401, 429, 503}, counted
    assert counted[401] <= 20, counted  # RATE_LIMIT_LOGIN_PER_IP
    assert counted[429] >= 25 - counted[503], counted


async def test_a_burst_of_logins_never_starves_signed_in_requests(race_server: str) -> None:
    """No request holds a database connection while bcrypt runs, and the hashing queue is
    bounded: signed-in requests keep their answers while 40 logins arrive at once."""
    tokens = await sign_up(race_server, 2, new_email("busy"))

    async def signed_in_requests() -> list[httpx.Response]:
        async with client_from(race_server, 3) as client:
            return [await client.get(ME, headers=bearer(tokens)) for _ in range(15)]

    async with asyncio.timeout(TIME_LIMIT):
        storm, mine = await asyncio.gather(
            asyncio.gather(
                *(
                    post_from(
                        race_server,
                        1000 + n,
                        LOGIN,
                        json={"email": new_email("storm"), "password": PASSWORD},
                    )
                    for n in range(40)
                )
            ),
            signed_in_requests(),
        )
    assert statuses(mine) == {200: 15}
    counted = statuses(storm)
    assert set(counted) <= {401, 503}, counted
    assert all(int(r.headers["Retry-After"]) > 0 for r in storm if r.status_code == 503)


async def make_admin(database_url: str, email: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE users SET is_superuser = true WHERE email = :email"), {"email": email}
        )
    await engine.dispose()


@pytest.mark.parametrize("revocation", ["password", "deactivation"])
async def test_a_login_in_flight_does_not_survive_a_revocation(
    race_server: str, services: dict[str, str], revocation: str
) -> None:
    """Logins that checked the old password (or an active account) before the revocation
    finish after it: none may live on. A login that checks after it fails anyway (the new
    password, the inactive account), so every login that got through must be refused now."""
    admin_email = new_email("admin")
    admin = await sign_up(race_server, 8, admin_email)
    await make_admin(services["DATABASE_URL"], admin_email)

    async def race() -> tuple[list[dict[str, Any]], int]:
        """Logins racing one revocation: the credentials they got, and the account's id."""
        email = new_email("revoked")
        current = await sign_up(race_server, 4, email)
        me = (await get_from(race_server, 4, ME, headers=bearer(current))).json()

        async def login(number: int) -> httpx.Response:
            await asyncio.sleep(number * 0.005)  # logins keep arriving while it runs
            body = {"email": email, "password": PASSWORD}
            return await post_from(race_server, 400 + number, LOGIN, json=body)

        async def revoke() -> httpx.Response:
            if revocation == "password":
                body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
                path, headers = f"{AUTH}/password", bearer(current)
                return await post_from(race_server, 5, path, json=body, headers=headers)
            # Quicker than a password change (no bcrypt): let the first logins read first.
            await asyncio.sleep(0.02)
            path, headers = f"/api/v1/users/{me['id']}/deactivate", bearer(admin)
            return await post_from(race_server, 5, path, headers=headers)

        # With the revocation, within the account's limit of 20.
        *logins, revoked = await asyncio.gather(*(login(n) for n in range(16)), revoke())
        assert revoked.status_code in {200, 204}, revoked.text
        signed_in = [login.json() for login in logins if login.status_code == 200]
        if revocation == "deactivation":
            signed_in.append(current)
        return signed_in, me["id"]

    async with asyncio.timeout(TIME_LIMIT):
        for _ in range(3):  # until a login got in before the revocation (timing varies)
            signed_in, user_id = await race()
            if len(signed_in) > (revocation == "deactivation"):
                break
        else:
            pytest.fail("no login got in before the revocation in three tries")
        if revocation == "deactivation":  # reactivation brings none of them back
            async with client_from(race_server, 8) as client:
                path, body = f"/api/v1/users/{user_id}", {"is_active": True}
                again = await client.patch(path, json=body, headers=bearer(admin))
            assert again.status_code == 200
        async with client_from(race_server, 6) as client:
            checked = [await client.get(ME, headers=bearer(tokens)) for tokens in signed_in]
    assert statuses(checked) == {401: len(signed_in)}, [r.text for r in checked]


async def test_registrations_in_parallel_lose_nothing_and_keep_addresses_unique(
    services: dict[str, str],
) -> None:
    """200 distinct accounts at once are 200 rows; 50 registrations of one address give one
    account and 49 conflicts. Never a 5xx."""
    roomy = {
        "RATE_LIMIT_REGISTER_PER_ACCOUNT": "100",
        "PASSWORD_HASH_QUEUE": "1000",
        "LOG_LEVEL": "WARNING",
    }
    with running_server(services | roomy) as url:
        admin_email = new_email("admin")
        async with asyncio.timeout(TIME_LIMIT):
            distinct = await asyncio.gather(
                *(
                    post_from(
                        url,
                        2000 + n,
                        f"{AUTH}/register",
                        json={"email": new_email(f"many{n}"), "password": PASSWORD},
                    )
                    for n in range(200)
                )
            )
            same = await asyncio.gather(
                *(
                    post_from(
                        url,
                        3000 + n,
                        f"{AUTH}/register",
                        json={"email": admin_email, "password": PASSWORD},
                    )
                    for n in range(50)
                )
            )
    assert statuses(distinct) == {201: 200}
    assert statuses(same) == {201: 1, 409: 49}
    ids = {response.json()["id"] for response in distinct}
    assert len(ids) == 200


def start_server(settings: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`uvicorn main:app` on a free port, once it answers; the caller stops it."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603  # our own interpreter, fixed arguments
        [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env={**os.environ, **settings},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/api/v1/health/live", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    process.wait()
    pytest.fail(f"the server did not answer on {url}")


async def test_sigterm_lets_a_request_in_flight_finish(services: dict[str, str]) -> None:
    """A slow login (bcrypt cost 14) is under way when the server gets SIGTERM: it answers."""
    process, url = start_server(services | {"BCRYPT_ROUNDS": "14", "LOG_LEVEL": "WARNING"})
    try:
        async with asyncio.timeout(TIME_LIMIT):
            login = asyncio.create_task(
                post_from(url, 7, LOGIN, json={"email": new_email("late"), "password": PASSWORD})
            )
            await asyncio.sleep(0.3)  # the request is in bcrypt now
            process.send_signal(signal.SIGTERM)
            answer = await login
        assert answer.status_code == 401  # an unknown e-mail, answered in full
        # uvicorn exits by the signal it was sent, once it has finished its requests.
        assert process.wait(timeout=30) in {0, -signal.SIGTERM}
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
