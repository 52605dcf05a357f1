"""Registration, sign-in, refresh, logout and password change against PostgreSQL and Redis."""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import select

from app.core import security
from app.models import RefreshToken, RefreshTokenFamily, User
from tests.integration.conftest import PASSWORD, bearer, create_user, login

AUTH = "/api/v1/auth"
ME = "/api/v1/users/me"
LOGIN_FAILED = {"detail": "Incorrect e-mail or password"}


async def stored_user(app: FastAPI, email: str) -> User:
    async with app.state.sessionmaker() as db:
        user: User = (await db.scalars(select(User).where(User.email == email))).one()
        return user


async def refresh(client: AsyncClient, tokens: dict[str, Any]) -> Response:
    return await client.post(f"{AUTH}/refresh", json={"refresh_token": tokens["refresh_token"]})


# --- Registration ---------------------------------------------------------------------------


async def test_register_creates_an_ordinary_active_account(client: AsyncClient) -> None:
    response = await client.post(
        f"{AUTH}/register",
        json={"email": "New@Example.com", "password": PASSWORD, "full_name": "New Person"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "new@example.com"
    assert body["full_name"] == "New Person"
    assert body["is_active"] is True
    assert body["is_superuser"] is False
    assert "password" not in response.text
    assert PASSWORD not in response.text


async def test_register_ignores_a_requested_superuser_role(
    app: FastAPI, client: AsyncClient
) -> None:
    response = await client.post(
        f"{AUTH}/register",
        json={"email": "sneaky@example.com", "password": PASSWORD, "is_superuser": True, "id": 99},
    )
    assert response.status_code == 201
    assert response.json()["is_superuser"] is False
    user = await stored_user(app, "sneaky@example.com")
    assert user.is_superuser is False
    assert user.id != 99


async def test_register_refuses_an_email_in_use_whatever_its_case(
    client: AsyncClient, user: User
) -> None:
    response = await client.post(
        f"{AUTH}/register", json={"email": "ADA@example.com", "password": PASSWORD}
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "An account with this e-mail address already exists"}


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("€" * 25, "at most 72 bytes"),
        ("short", "at least 8 characters"),
        ("password123", "too common"),
    ],
)
async def test_register_refuses_bad_passwords_with_422(
    client: AsyncClient, password: str, message: str
) -> None:
    response = await client.post(
        f"{AUTH}/register", json={"email": "new@example.com", "password": password}
    )
    assert response.status_code == 422
    assert message in response.text


async def test_register_refuses_a_malformed_email(client: AsyncClient) -> None:
    response = await client.post(f"{AUTH}/register", json={"email": "nope", "password": PASSWORD})
    assert response.status_code == 422


async def test_register_is_rate_limited_per_ip(client: AsyncClient) -> None:
    for number in range(10):
        response = await client.post(
            f"{AUTH}/register", json={"email": f"u{number}@example.com", "password": PASSWORD}
        )
        assert response.status_code == 201
    refused = await client.post(
        f"{AUTH}/register", json={"email": "u10@example.com", "password": PASSWORD}
    )
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


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


async def test_unknown_email_wrong_password_and_inactive_account_look_the_same(
    app: FastAPI, client: AsyncClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create_user(app, "gone@example.com", is_active=False)
    checks: list[str] = []
    real_check = security._check

    def counting_check(password: str, hashed: str) -> bool:
        checks.append(hashed)
        return real_check(password, hashed)

    monkeypatch.setattr(security, "_check", counting_check)
    attempts = [
        ("nobody@example.com", PASSWORD),
        (user.email, "wrong password here"),
        ("gone@example.com", PASSWORD),
    ]
    answers = []
    for email, password in attempts:
        checks.clear()
        response = await client.post(f"{AUTH}/login", json={"email": email, "password": password})
        answers.append(
            (response.status_code, response.json(), response.headers["WWW-Authenticate"])
        )
        assert len(checks) == 1, f"{email}: one bcrypt check, even for an unknown e-mail"
    assert answers == [(401, LOGIN_FAILED, "Bearer")] * 3


async def test_login_refuses_a_password_over_72_bytes_with_422(
    client: AsyncClient, user: User
) -> None:
    json_login = await client.post(
        f"{AUTH}/login", json={"email": user.email, "password": "€" * 25}
    )
    form_login = await client.post(
        f"{AUTH}/token", data={"username": user.email, "password": "€" * 25}
    )
    for response in (json_login, form_login):
        assert response.status_code == 422
        assert "at most 72 bytes" in response.text


async def test_failed_logins_per_account_get_429_with_retry_after(
    client: AsyncClient, user: User
) -> None:
    for _ in range(5):
        response = await client.post(
            f"{AUTH}/login", json={"email": user.email, "password": "wrong password"}
        )
        assert response.status_code == 401
    locked = await client.post(f"{AUTH}/login", json={"email": user.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 900
    assert locked.headers["Cache-Control"] == "no-store"


async def test_failed_logins_per_ip_count_across_accounts_and_ignore_forwarded_for(
    client: AsyncClient, user: User
) -> None:
    for number in range(20):
        response = await client.post(
            f"{AUTH}/login",
            json={"email": f"guess{number}@example.com", "password": "wrong password"},
            # Not from a trusted proxy: a spoofed address must not reset the count.
            headers={"X-Forwarded-For": f"198.51.100.{number}"},
        )
        assert response.status_code == 401
    refused = await client.post(f"{AUTH}/login", json={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers


async def test_behind_a_trusted_proxy_each_client_address_is_limited_apart(
    make_client: Any, user: User
) -> None:
    async with make_client(TRUSTED_PROXIES=["127.0.0.1/32"], RATE_LIMIT_LOGIN_PER_IP=2) as proxied:
        for _ in range(2):
            await proxied.post(
                f"{AUTH}/login",
                json={"email": "x@example.com", "password": "wrong password"},
                headers={"X-Forwarded-For": "198.51.100.1"},
            )
        blocked = await proxied.post(
            f"{AUTH}/login",
            json={"email": user.email, "password": PASSWORD},
            headers={"X-Forwarded-For": "198.51.100.1"},
        )
        other = await proxied.post(
            f"{AUTH}/login",
            json={"email": user.email, "password": PASSWORD},
            headers={"X-Forwarded-For": "198.51.100.2"},
        )
    assert blocked.status_code == 429
    assert other.status_code == 200


async def test_a_successful_login_clears_the_account_failures(
    client: AsyncClient, user: User
) -> None:
    for _ in range(4):
        await client.post(f"{AUTH}/login", json={"email": user.email, "password": "wrong one!"})
    await login(client, user.email)
    for _ in range(4):
        await client.post(f"{AUTH}/login", json={"email": user.email, "password": "wrong one!"})
    assert (
        await client.post(f"{AUTH}/login", json={"email": user.email, "password": PASSWORD})
    ).status_code == 200


async def test_login_rehashes_when_the_cost_changed(
    app: FastAPI, make_client: Any, user: User
) -> None:
    assert (await stored_user(app, user.email)).hashed_password.startswith("$2b$04$")
    async with make_client(BCRYPT_ROUNDS=5) as client:
        await login(client, user.email)
    rehashed = (await stored_user(app, user.email)).hashed_password
    assert rehashed.startswith("$2b$05$")
    assert await security.verify_password(PASSWORD, rehashed)


async def test_logins_are_logged_without_password_or_token(
    client: AsyncClient, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app")
    await client.post(f"{AUTH}/login", json={"email": user.email, "password": "wrong password"})
    tokens = await login(client, user.email)
    messages = [record.getMessage() for record in caplog.records]
    assert any("Login failed (wrong password)" in message for message in messages)
    assert any(f"Login succeeded user_id={user.id}" in message for message in messages)
    for message in messages:
        assert PASSWORD not in message
        assert "wrong password" not in message.replace("(wrong password)", "")
        assert tokens["access_token"] not in message
        assert tokens["refresh_token"] not in message


# --- Access tokens ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer eyJhbGciOiJub25lIn0.e30."],
)
async def test_bad_or_missing_credentials_are_401_with_www_authenticate(
    client: AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"] in {"Not authenticated", "Could not validate credentials"}


async def test_tokens_are_not_read_from_the_query_string(client: AsyncClient, user: User) -> None:
    tokens = await login(client, user.email)
    response = await client.get(ME, params={"access_token": tokens["access_token"]})
    assert response.status_code == 401


async def test_tokens_issued_before_tokens_valid_after_are_refused(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    tokens = await login(client, user.email)
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200
    async with app.state.sessionmaker() as db:
        stored = await db.get(User, user.id)
        assert stored is not None
        stored.tokens_valid_after = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=5)
        await db.commit()
    # The login itself is still open (its family is not revoked): the issue time decides.
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401


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
    async with app.state.sessionmaker() as db:
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
    async with app.state.sessionmaker() as db:
        token = (await db.scalars(select(RefreshToken))).one()
        token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        await db.commit()
    assert (await refresh(client, tokens)).status_code == 401


# --- Logout -----------------------------------------------------------------------------------


async def test_logout_ends_this_session_at_once(client: AsyncClient, user: User) -> None:
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


async def test_password_change_refuses_a_wrong_current_password(
    client: AsyncClient, user: User, user_headers: dict[str, str]
) -> None:
    response = await client.post(
        f"{AUTH}/password",
        json={"current_password": "not my password", "new_password": "an entirely new one"},
        headers=user_headers,
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "The current password is incorrect"}
    assert (await client.get(ME, headers=user_headers)).status_code == 200
    await login(client, user.email)


@pytest.mark.parametrize("new_password", ["€" * 25, "short", "qwerty123"])
async def test_password_change_applies_the_password_rules(
    client: AsyncClient, user_headers: dict[str, str], new_password: str
) -> None:
    response = await client.post(
        f"{AUTH}/password",
        json={"current_password": PASSWORD, "new_password": new_password},
        headers=user_headers,
    )
    assert response.status_code == 422


async def test_password_change_needs_a_token(client: AsyncClient) -> None:
    response = await client.post(
        f"{AUTH}/password",
        json={"current_password": PASSWORD, "new_password": "an entirely new one"},
    )
    assert response.status_code == 401


async def test_an_unreadable_body_is_a_documented_400_not_a_500(client: AsyncClient) -> None:
    response = await client.post(
        f"{AUTH}/login", content=b"\xff\xfe{", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}


# --- Response headers ----------------------------------------------------------------------------


async def test_auth_and_user_responses_are_no_store_with_security_headers(
    client: AsyncClient, user: User
) -> None:
    tokens = await login(client, user.email)
    responses = [
        await client.post(f"{AUTH}/login", json={"email": user.email, "password": PASSWORD}),
        await client.post(f"{AUTH}/login", json={"email": user.email, "password": "wrong one!"}),
        await client.post(f"{AUTH}/login", json={"email": "bad"}),
        await client.get(ME, headers=bearer(tokens)),
        await client.get(ME),
    ]
    assert [r.status_code for r in responses] == [200, 401, 422, 200, 401]
    for response in responses:
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    health = await client.get("/api/v1/health/live")
    assert "Cache-Control" not in health.headers
