"""Safe requests check their sign-in in the shared cache, and every change reaches every worker
before it answers.

Two apps on the same database and Redis stand for two worker processes.
"""

from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import update

from app.models.user import User
from tests.integration.conftest import PASSWORD, create_user, login, resources_of
from tests.signing_in import bearer, logout_request

AUTH = "/api/v1/auth"
ME = "/api/v1/users/me"
USERS = "/api/v1/users"


async def test_a_checked_sign_in_is_answered_without_the_database(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    """Shown by deactivating the account behind the service's back (a statement that writes
    no tombstone): only the cache still says it is active."""
    tokens = await login(client, user.email)
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200
    resources = resources_of(app)
    async with resources.sessionmaker() as db:
        await db.execute(update(User).values(is_active=False))
        await db.commit()
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200
    await resources.redis.flushdb()
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401


async def test_the_cached_account_holds_no_password_hash(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    tokens = await login(client, user.email)
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200
    cached = await resources_of(app).redis.get(f"shared:user:{user.id}")
    assert cached is not None
    assert user.email in cached
    assert user.hashed_password not in cached
    assert "hashed_password" not in cached


CHANGES = ["profile", "deactivation", "demotion", "deletion", "logout", "logout-all", "password"]


@pytest.mark.parametrize("change", CHANGES)
async def test_a_change_reaches_every_worker_at_once(
    app: FastAPI, client: AsyncClient, make_client: Any, admin: User, change: str
) -> None:
    """The other worker has answered from the cache before the change, and must not after."""
    target = await create_user(app, "grace@example.com", is_superuser=change == "demotion")
    tokens = await login(client, target.email)
    admin_headers = bearer(await login(client, admin.email))
    # What the target's sign-in reads on the other worker, and how it should answer after.
    probe, expected = (USERS if change == "demotion" else ME), 401
    async with make_client() as other_worker:
        for _ in range(2):  # the first answer fills the cache, the second comes from it
            assert (await other_worker.get(probe, headers=bearer(tokens))).status_code == 200
        if change == "profile":
            response = await client.patch(
                ME, json={"full_name": "Grace Hopper"}, headers=bearer(tokens)
            )
            expected = 200
        elif change == "deactivation":
            response = await client.post(f"{USERS}/{target.id}/deactivate", headers=admin_headers)
        elif change == "demotion":
            response = await client.patch(
                f"{USERS}/{target.id}", json={"is_superuser": False}, headers=admin_headers
            )
            expected = 403
        elif change == "deletion":
            response = await client.delete(f"{USERS}/{target.id}", headers=admin_headers)
        elif change == "password":  # from another sign-in of the same account
            response = await client.post(
                f"{AUTH}/password",
                json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
                headers=bearer(await login(client, target.email)),
            )
        elif change == "logout":
            response = await client.post(f"{AUTH}/logout", **logout_request(tokens))
        else:  # from another sign-in of the same account
            response = await client.post(
                f"{AUTH}/logout-all", headers=bearer(await login(client, target.email))
            )
        assert response.status_code in {200, 204}, response.text
        answer = await other_worker.get(probe, headers=bearer(tokens))
        assert answer.status_code == expected, answer.text
        if change == "profile":
            assert answer.json()["full_name"] == "Grace Hopper"
