"""JWT access tokens and rotating refresh tokens: sign-in, refresh, logout, revocation."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import select

from app.core.security import create_access_token
from app.models.refresh_token import RefreshToken, RefreshTokenFamily
from app.models.user import User
from tests.integration.conftest import PASSWORD, login
from tests.signing_in import bearer

AUTH = "/api/v1/auth"
ME = "/api/v1/users/me"


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
    tokens = await login(client, user.email)
    response = await client.post(
        f"{AUTH}/refresh", json={"refresh_token": tokens["access_token"][:128]}
    )
    assert response.status_code == 401


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
    stolen = await login(client, user.email)
    current = (await refresh(client, stolen)).json()
    reuse = await refresh(client, stolen)
    assert reuse.status_code == 401
    assert reuse.json() == {"detail": "Invalid or expired refresh token"}
    # The legitimate holder's newer tokens die with the family.
    assert (await refresh(client, current)).status_code == 401
    assert (await client.get(ME, headers=bearer(current))).status_code == 401
    # Other sessions are untouched.
    other = await login(client, user.email)
    assert (await client.get(ME, headers=bearer(other))).status_code == 200


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
