"""The Redis session cache: it spares the database, and never revives an ended session.

Two apps on the same database and Redis stand for two worker processes.
"""

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import delete

from app.core.exceptions import AuthenticationError
from app.models.session import UserSession
from app.models.user import User
from app.services.cache_backend import SHARED_CACHE_SECONDS, RedisSharedCache
from app.services.cache_service import REVOKED
from app.services.session_service import CachedSession, SessionService
from app.services.sign_in_cache import SignInReads
from tests.integration.conftest import PASSWORD, login
from tests.signing_in import bearer

AUTH = "/api/v1/auth"
ME = "/api/v1/users/me"


def cache_key(token: str) -> str:
    return "shared:" + hashlib.sha256(token.encode()).hexdigest()


async def test_a_checked_session_is_cached_briefly_without_its_token(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    tokens = await login(client, user.email)
    redis: Redis = app.state.resources.redis
    key = cache_key(tokens["session_token"])
    assert await redis.get(key) is None  # a login alone caches nothing
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200
    cached = await redis.get(key)
    assert cached is not None
    assert tokens["session_token"] not in cached
    assert 0 < await redis.ttl(key) <= SHARED_CACHE_SECONDS


async def test_the_cache_answers_without_the_database(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    """Shown by removing the row behind the service's back: only the cache still knows it."""
    tokens = await login(client, user.email)
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200
    async with app.state.resources.sessionmaker() as db:
        await db.execute(delete(UserSession))
        await db.commit()
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200
    await app.state.resources.redis.flushdb()
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401


async def test_a_lost_cache_only_sends_requests_to_the_database(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    tokens = await login(client, user.email)
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200
    await app.state.resources.redis.flushdb()
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200


@pytest.mark.parametrize("ending", ["logout", "logout-all", "password"])
async def test_an_ended_session_is_refused_at_once_by_every_worker(
    client: AsyncClient, make_client: Any, user: User, ending: str
) -> None:
    tokens = await login(client, user.email)
    async with make_client() as other_worker:
        # The other worker has checked the session, so its answer is in the cache.
        assert (await other_worker.get(ME, headers=bearer(tokens))).status_code == 200
        if ending == "password":
            current = await login(client, user.email)
            response = await client.post(
                f"{AUTH}/password",
                json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
                headers=bearer(current),
            )
        else:
            response = await client.post(f"{AUTH}/{ending}", headers=bearer(tokens))
        assert response.status_code == 204
        assert (await other_worker.get(ME, headers=bearer(tokens))).status_code == 401
        assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
        if ending == "password":
            # The caller's session goes on, although its cached entry predates the change.
            assert (await other_worker.get(ME, headers=bearer(current))).status_code == 200


async def test_a_late_cache_fill_cannot_overwrite_a_tombstone(app: FastAPI) -> None:
    """A worker that read the row just before logout writes its answer afterwards: refused."""
    cache = RedisSharedCache(app.state.resources.redis, ttl_seconds=60)
    now = datetime.now(UTC)
    entry = CachedSession(1, 0, last_seen_at=now, expires_at=now + timedelta(hours=1))
    await cache.revoke(["late"])
    await cache.add("late", entry.dump())
    assert await cache.get("late") == REVOKED
    # And the other order: a tombstone replaces a live entry.
    await cache.add("early", entry.dump())
    cached = await cache.get("early")
    assert cached not in (None, REVOKED)
    assert CachedSession.load(str(cached)) == entry
    await cache.revoke(["early"])
    assert await cache.get("early") == REVOKED
    assert 60 < await app.state.resources.redis.ttl("shared:early") <= 120


async def test_without_a_cache_the_database_decides(
    app: FastAPI, client: AsyncClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    resources = app.state.resources
    monkeypatch.setitem(resources.__dict__, "shared_cache", None)
    monkeypatch.setitem(resources.__dict__, "sign_in_reads", SignInReads(None, resources.engine))
    tokens = await login(client, user.email)
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200
    assert await app.state.resources.redis.get(cache_key(tokens["session_token"])) is None
    assert (await client.post(f"{AUTH}/logout", headers=bearer(tokens))).status_code == 204
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401


async def test_ending_every_session_of_a_user_revokes_their_cached_answers(
    app: FastAPI, user: User
) -> None:
    """`end_all` on its own, the auth epoch unchanged: the tombstones refuse the sessions."""
    resources = app.state.resources
    async with resources.sessionmaker() as db:
        sessions = SessionService(db, resources.settings, resources.sign_in_reads)
        new = await sessions.create(user)
        assert (await sessions.user_for(new.token)).id == user.id  # now cached
        await sessions.end_all(user)
    async with resources.sessionmaker() as db:
        sessions = SessionService(db, resources.settings, resources.sign_in_reads)
        with pytest.raises(AuthenticationError):
            await sessions.user_for(new.token)


async def test_without_a_cache_logging_out_everywhere_ends_every_session(
    app: FastAPI, client: AsyncClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    resources = app.state.resources
    monkeypatch.setitem(resources.__dict__, "shared_cache", None)
    monkeypatch.setitem(resources.__dict__, "sign_in_reads", SignInReads(None, resources.engine))
    first, second = await login(client, user.email), await login(client, user.email)
    assert (await client.post(f"{AUTH}/logout-all", headers=bearer(first))).status_code == 204
    for tokens in (first, second):
        assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
