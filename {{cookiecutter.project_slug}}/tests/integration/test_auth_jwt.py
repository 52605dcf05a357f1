"""JWT access tokens and rotating refresh tokens: sign-in, refresh, logout, revocation."""

import hashlib
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import select, update

from app.core.security import create_access_token
from app.models.refresh_token import RefreshToken, RefreshTokenFamily
from app.models.user import User
from tests.integration.conftest import PASSWORD, login
from tests.signing_in import bearer

AUTH = "/api/v1/auth"
ME = "/api/v1/users/me"
INVALID_REFRESH = "Invalid or expired refresh token"


def sha256(token: str) -> str:
    """What the database may hold of a token, computed here independently of the app."""
    return hashlib.sha256(token.encode()).hexdigest()


async def refresh(client: AsyncClient, tokens: dict[str, Any]) -> Response:
    return await client.post(f"{AUTH}/refresh", json={"refresh_token": tokens["refresh_token"]})


# --- Login ------------------------------------------------------------------------------------


async def test_login_with_json_returns_working_tokens(client: AsyncClient, user: User) -> None:
    response = await client.post(f"{AUTH}/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    tokens = response.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 30 * 60
    me = await client.get(ME, headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json()["email"] == user.email


async def test_login_with_the_oauth2_form_and_any_email_case(
    client: AsyncClient, user: User
) -> None:
    response = await client.post(
        f"{AUTH}/token",
        # What Swagger's Authorize dialog sends, empty client fields included.
        data={
            "username": "Ada@Example.com",
            "password": PASSWORD,
            "grant_type": "password",
            "scope": "",
            "client_id": "",
            "client_secret": "",
        },
    )
    assert response.status_code == 200
    assert (await client.get(ME, headers=bearer(response.json()))).status_code == 200


async def test_form_login_refuses_a_password_over_72_bytes_with_422(
    client: AsyncClient, user: User
) -> None:
    response = await client.post(
        f"{AUTH}/token", data={"username": user.email, "password": "€" * 25}
    )
    assert response.status_code == 422
    assert "at most 72 bytes" in response.text


# --- Access tokens ------------------------------------------------------------------------------


INVALID = 'Bearer error="invalid_token", error_description="The access token is invalid"'
EXPIRED = (
    'Bearer error="invalid_token", error_description="The access token has expired: refresh it"'
)


@pytest.mark.parametrize(
    ("authorization", "challenge"),
    [
        (None, "Bearer"),
        ("Bearer", "Bearer"),
        ("Basic dXNlcjpwYXNz", "Bearer"),
        ("Bearer not-a-jwt", INVALID),
        ("Bearer eyJhbGciOiJub25lIn0.e30.", INVALID),
    ],
)
async def test_bad_or_missing_credentials_are_401_with_www_authenticate(
    client: AsyncClient, authorization: str | None, challenge: str
) -> None:
    """No credential: the bare challenge; a token that does not work: `invalid_token`
    (RFC 6750), so that a client knows to refresh or sign in again."""
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == challenge


async def test_an_expired_token_says_so(app: FastAPI, client: AsyncClient, user: User) -> None:
    tokens = await login(client, user.email)
    sid = jwt.decode(tokens["access_token"], options={"verify_signature": False})["sid"]
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    expired = create_access_token(
        app.state.resources.settings, user_id=user.id, sid=uuid.UUID(sid), now=an_hour_ago
    )
    response = await client.get(ME, headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == EXPIRED


async def test_a_token_a_few_seconds_from_the_future_is_accepted(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    """Clocks of two hosts differ a little: `iat` and `nbf` get a few seconds of leeway."""
    tokens = await login(client, user.email)
    sid = uuid.UUID(jwt.decode(tokens["access_token"], options={"verify_signature": False})["sid"])
    settings = app.state.resources.settings
    soon = create_access_token(
        settings, user_id=user.id, sid=sid, now=datetime.now(UTC) + timedelta(seconds=3)
    )
    later = create_access_token(
        settings, user_id=user.id, sid=sid, now=datetime.now(UTC) + timedelta(seconds=30)
    )
    assert (await client.get(ME, headers={"Authorization": f"Bearer {soon}"})).status_code == 200
    refused = await client.get(ME, headers={"Authorization": f"Bearer {later}"})
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == INVALID


async def test_tokens_are_not_read_from_the_query_string(client: AsyncClient, user: User) -> None:
    tokens = await login(client, user.email)
    response = await client.get(ME, params={"access_token": tokens["access_token"]})
    assert response.status_code == 401


async def test_a_login_of_an_earlier_auth_epoch_is_refused(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    tokens = await login(client, user.email)
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200
    async with app.state.resources.sessionmaker() as db:
        stored = await db.get(User, user.id)
        assert stored is not None
        stored.auth_epoch += 1
        await db.commit()
    # The family itself is still open (not revoked): the epoch it was created in decides.
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
    refreshed = await client.post(
        f"{AUTH}/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401


async def test_a_refresh_token_is_no_access_token(client: AsyncClient, user: User) -> None:
    tokens = await login(client, user.email)
    response = await client.get(ME, headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert response.status_code == 401


async def test_an_access_token_is_no_refresh_token(client: AsyncClient, user: User) -> None:
    """A JWT is longer than any refresh token: refused by its shape, before any look-up."""
    tokens = await login(client, user.email)
    response = await client.post(f"{AUTH}/refresh", json={"refresh_token": tokens["access_token"]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "refresh_token"]


# --- Refresh ----------------------------------------------------------------------------------


async def test_refresh_rotates_the_refresh_token(client: AsyncClient, user: User) -> None:
    first = await login(client, user.email)
    response = await refresh(client, first)
    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert (await client.get(ME, headers=bearer(second))).status_code == 200
    assert (await refresh(client, second)).status_code == 200


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_session(
    client: AsyncClient, user: User
) -> None:
    other = await login(client, user.email)  # another device, signed in before the theft
    stolen = await login(client, user.email)
    current = (await refresh(client, stolen)).json()
    reuse = await refresh(client, stolen)
    assert reuse.status_code == 401
    assert reuse.json() == {"detail": "Invalid or expired refresh token"}
    # The legitimate holder's newer tokens die with the family.
    assert (await refresh(client, current)).status_code == 401
    assert (await client.get(ME, headers=bearer(current))).status_code == 401
    # The other login, older than the reuse, is untouched.
    assert (await client.get(ME, headers=bearer(other))).status_code == 200
    assert (await refresh(client, other)).status_code == 200


async def test_a_reuse_revokes_the_family_in_the_database_whenever_it_comes(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    """The first token of a family, replayed after two rotations, still ends that family,
    and only that one."""
    other = await login(client, user.email)
    first = await login(client, user.email)
    second = (await refresh(client, first)).json()
    (await refresh(client, second)).raise_for_status()
    assert (await refresh(client, first)).status_code == 401
    async with app.state.resources.sessionmaker() as db:
        revoked = {
            family.id: family.revoked_at is not None
            for family in await db.scalars(select(RefreshTokenFamily))
        }
        [other_family] = await db.scalars(
            select(RefreshToken.family_id).where(
                RefreshToken.token_hash == sha256(other["refresh_token"])
            )
        )
    assert sorted(revoked.values()) == [False, True]
    assert revoked[other_family] is False


async def test_refresh_tokens_are_stored_only_as_their_sha256(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    first = await login(client, user.email)
    second = (await refresh(client, first)).json()
    issued = [first["refresh_token"], second["refresh_token"]]
    async with app.state.resources.sessionmaker() as db:
        stored = list(await db.scalars(select(RefreshToken)))
        families = list(await db.scalars(select(RefreshTokenFamily)))
    assert sorted(row.token_hash for row in stored) == sorted(map(sha256, issued))
    rows = repr([vars(row) for row in [*stored, *families]])
    for token in issued:
        assert token not in rows


async def test_unknown_refresh_token_is_401(client: AsyncClient) -> None:
    response = await client.post(f"{AUTH}/refresh", json={"refresh_token": "x" * 43})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_refresh_is_rate_limited_per_account(make_client: Any, user: User) -> None:
    async with make_client(RATE_LIMIT_REFRESH_PER_ACCOUNT=2) as client:
        tokens = await login(client, user.email)
        for _ in range(2):
            response = await refresh(client, tokens)
            assert response.status_code == 200
            tokens = response.json()
        limited = await refresh(client, tokens)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0


async def test_refresh_is_rate_limited_per_ip(make_client: Any) -> None:
    async with make_client(RATE_LIMIT_REFRESH_PER_IP=3) as client:
        statuses = [
            (
                await client.post(f"{AUTH}/refresh", json={"refresh_token": f"unknown{n}"})
            ).status_code
            for n in range(4)
        ]
    assert statuses == [401, 401, 401, 429]


async def test_refresh_family_has_an_absolute_lifetime(
    app: FastAPI, client: AsyncClient, make_client: Any, user: User
) -> None:
    async with make_client(REFRESH_FAMILY_MAX_DAYS=1, REFRESH_TOKEN_EXPIRE_DAYS=7) as capped:
        tokens = await login(capped, user.email)
        rotated = (await refresh(capped, tokens)).json()
    async with app.state.resources.sessionmaker() as db:
        family = (await db.scalars(select(RefreshTokenFamily))).one()
        token = (
            await db.scalars(select(RefreshToken).where(RefreshToken.replaced_at.is_(None)))
        ).one()
        # Rotation never outlives the login: capped at 1 day although tokens live 7.
        assert token.expires_at == family.expires_at
        # The login's end has come: the token's own expiry no longer matters.
        family.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        token.expires_at = datetime.now(UTC) + timedelta(days=1)
        await db.commit()
    assert (await refresh(client, rotated)).status_code == 401
    assert (await client.get(ME, headers=bearer(rotated))).status_code == 401


async def test_an_expired_refresh_token_is_refused(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    tokens = await login(client, user.email)
    async with app.state.resources.sessionmaker() as db:
        token = (await db.scalars(select(RefreshToken))).one()
        token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        await db.commit()
    assert (await refresh(client, tokens)).status_code == 401


# --- Logout -----------------------------------------------------------------------------------


async def test_logout_ends_this_login_at_once(client: AsyncClient, user: User) -> None:
    tokens = await login(client, user.email)
    other = await login(client, user.email)
    response = await client.post(f"{AUTH}/logout", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 204
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
    assert (await refresh(client, tokens)).status_code == 401
    assert (await client.get(ME, headers=bearer(other))).status_code == 200


async def test_a_token_of_an_ended_login_is_told_so(client: AsyncClient, user: User) -> None:
    tokens = await login(client, user.email)
    await client.post(f"{AUTH}/logout", json={"refresh_token": tokens["refresh_token"]})
    response = await client.get(ME, headers=bearer(tokens))
    assert response.status_code == 401
    assert response.json() == {"detail": "This sign-in has ended: sign in again"}
    assert response.headers["WWW-Authenticate"] == (
        'Bearer error="invalid_token", error_description="This sign-in has ended: sign in again"'
    )


async def test_a_request_without_a_token_is_told_it_is_not_authenticated(
    client: AsyncClient,
) -> None:
    for headers in ({}, {"Authorization": "Bearer"}):
        response = await client.get(ME, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"detail": "Not authenticated"}
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_ending_every_login_keeps_the_time_earlier_ones_were_revoked(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    first, second = await login(client, user.email), await login(client, user.email)
    await client.post(f"{AUTH}/logout", json={"refresh_token": first["refresh_token"]})

    async def revoked_at() -> dict[uuid.UUID, datetime | None]:
        async with app.state.resources.sessionmaker() as db:
            rows = await db.execute(select(RefreshTokenFamily.id, RefreshTokenFamily.revoked_at))
            return {row.id: row.revoked_at for row in rows}

    before = await revoked_at()
    [ended] = [family_id for family_id, revoked in before.items() if revoked is not None]
    assert (await client.post(f"{AUTH}/logout-all", headers=bearer(second))).status_code == 204
    after = await revoked_at()
    assert after[ended] == before[ended]
    assert None not in after.values()


async def test_logout_twice_or_with_an_unknown_token_is_harmless(client: AsyncClient) -> None:
    for _ in range(2):
        response = await client.post(f"{AUTH}/logout", json={"refresh_token": "x" * 43})
        assert response.status_code == 204


async def test_logout_all_ends_every_session(client: AsyncClient, user: User) -> None:
    sessions = [await login(client, user.email) for _ in range(3)]
    response = await client.post(f"{AUTH}/logout-all", headers=bearer(sessions[0]))
    assert response.status_code == 204
    for tokens in sessions:
        assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
        assert (await refresh(client, tokens)).status_code == 401
    assert (
        await client.get(ME, headers=bearer(await login(client, user.email)))
    ).status_code == 200


async def test_logout_all_needs_a_token(client: AsyncClient) -> None:
    assert (await client.post(f"{AUTH}/logout-all")).status_code == 401


# --- Password change ---------------------------------------------------------------------------


async def test_password_change_ends_the_other_sessions(client: AsyncClient, user: User) -> None:
    mine = await login(client, user.email)
    other = await login(client, user.email)
    new_password = "an entirely new passphrase"
    response = await client.post(
        f"{AUTH}/password",
        json={"current_password": PASSWORD, "new_password": new_password},
        headers=bearer(mine),
    )
    assert response.status_code == 200
    fresh = response.json()
    assert (await client.get(ME, headers=bearer(fresh))).status_code == 200
    assert (await refresh(client, fresh)).status_code == 200
    for old in (mine, other):
        assert (await client.get(ME, headers=bearer(old))).status_code == 401
        assert (await refresh(client, old)).status_code == 401
    old_password = await client.post(
        f"{AUTH}/login", json={"email": user.email, "password": PASSWORD}
    )
    assert old_password.status_code == 401
    await login(client, user.email, new_password)


# --- What the database decides, beyond the signed token ---------------------------------------


async def test_a_token_naming_another_account_than_its_login_is_refused(
    app: FastAPI, client: AsyncClient, user: User, admin: User
) -> None:
    """Signed with the key, but its subject is not the user of the login it names."""
    tokens = await login(client, user.email)
    sid = jwt.decode(tokens["access_token"], options={"verify_signature": False})["sid"]
    forged = create_access_token(
        app.state.resources.settings, user_id=admin.id, sid=uuid.UUID(sid), now=datetime.now(UTC)
    )
    assert (await client.get(ME, headers={"Authorization": f"Bearer {forged}"})).status_code == 401


async def test_an_inactive_account_is_refused_whatever_its_epoch(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    """is_active set straight in the database (the auth epoch unchanged) still decides."""
    tokens = await login(client, user.email)
    async with app.state.resources.sessionmaker() as db:
        await db.execute(update(User).where(User.id == user.id).values(is_active=False))
        await db.commit()
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
    assert (await refresh(client, tokens)).json() == {"detail": INVALID_REFRESH}


async def test_every_refused_refresh_gets_the_same_answer(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    unknown = {"refresh_token": "x" * 43}
    logged_out = await login(client, user.email)
    await client.post(f"{AUTH}/logout", json={"refresh_token": logged_out["refresh_token"]})
    expired = await login(client, user.email)
    async with app.state.resources.sessionmaker() as db:
        await db.execute(
            update(RefreshToken)
            .where(RefreshToken.token_hash == sha256(expired["refresh_token"]))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await db.commit()
    for tokens in (unknown, logged_out, expired):
        response = await refresh(client, tokens)
        assert (response.status_code, response.json()) == (401, {"detail": INVALID_REFRESH})


async def test_the_refresh_limit_per_account_counts_each_account_apart(
    app: FastAPI, make_client: Any, user: User, admin: User
) -> None:
    async with make_client(RATE_LIMIT_REFRESH_PER_ACCOUNT=1) as client:
        mine, theirs = await login(client, user.email), await login(client, admin.email)
        assert (await refresh(client, mine)).status_code == 200
        assert (await refresh(client, theirs)).status_code == 200


async def test_logout_all_revokes_the_users_logins_only(
    app: FastAPI, client: AsyncClient, user: User, admin: User
) -> None:
    mine = [await login(client, user.email) for _ in range(2)]
    theirs = await login(client, admin.email)
    assert (await client.post(f"{AUTH}/logout-all", headers=bearer(mine[0]))).status_code == 204
    assert (await client.get(ME, headers=bearer(theirs))).status_code == 200
    assert (await refresh(client, theirs)).status_code == 200
    async with app.state.resources.sessionmaker() as db:
        families = list(await db.scalars(select(RefreshTokenFamily)))
    revoked = {(family.user_id, family.revoked_at is not None) for family in families}
    assert revoked == {(user.id, True), (admin.id, False)}


async def test_a_second_logout_leaves_the_revocation_time_alone(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    tokens = await login(client, user.email)
    body = {"refresh_token": tokens["refresh_token"]}

    async def revoked_at() -> datetime | None:
        async with app.state.resources.sessionmaker() as db:
            revoked: datetime | None = (
                await db.scalars(select(RefreshTokenFamily.revoked_at))
            ).one()
            return revoked

    await client.post(f"{AUTH}/logout", json=body)
    first = await revoked_at()
    assert first is not None
    await client.post(f"{AUTH}/logout", json=body)
    assert await revoked_at() == first


async def test_sign_in_events_are_logged_with_the_account_and_address(
    client: AsyncClient, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.services.auth_service")
    stolen = await login(client, user.email)
    await refresh(client, stolen)
    await refresh(client, stolen)
    fresh = await login(client, user.email)
    await client.post(
        f"{AUTH}/password",
        json={"current_password": PASSWORD, "new_password": "an entirely new passphrase"},
        headers=bearer(fresh),
    )
    newest = await login(client, user.email, "an entirely new passphrase")
    await client.post(f"{AUTH}/logout-all", headers=bearer(newest))
    ours = [r for r in caplog.records if r.name == "app.services.auth_service"]
    assert [(r.levelname, r.getMessage()) for r in ours] == [
        ("INFO", f"Login succeeded user_id={user.id} ip=127.0.0.1"),
        ("WARNING", f"Refresh token re-used: family revoked user_id={user.id} ip=127.0.0.1"),
        ("INFO", f"Login succeeded user_id={user.id} ip=127.0.0.1"),
        ("INFO", f"Password changed user_id={user.id} ip=127.0.0.1"),
        ("INFO", f"Login succeeded user_id={user.id} ip=127.0.0.1"),
        ("INFO", f"Logged out everywhere user_id={user.id}"),
    ]
