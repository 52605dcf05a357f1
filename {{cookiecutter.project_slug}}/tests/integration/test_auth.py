"""Registration, sign-in, rate limits and password rules against PostgreSQL{% if cookiecutter.use_redis %} and Redis{% endif %}.

What every sign-in mode shares; the mode's own credentials are tested in test_auth_{{ cookiecutter.auth_mode }}.py.
"""

import logging
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select, update

from app.core import passwords
from app.core.passwords import PasswordHasher
from app.models.user import User
from tests.integration.conftest import PASSWORD, create_user, login{% if cookiecutter.use_redis %}, resources_of{% endif %}
from tests.signing_in import LOGIN, bearer

AUTH = "/api/v1/auth"
ME = "/api/v1/users/me"
LOGIN_FAILED = {"detail": "Incorrect e-mail or password"}


async def stored_user(app: FastAPI, email: str) -> User:
    async with app.state.resources.sessionmaker() as db:
        user: User = (await db.scalars(select(User).where(User.email == email))).one()
        return user


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


async def test_a_password_of_exactly_72_bytes_registers_and_signs_in(client: AsyncClient) -> None:
    """The boundary itself: 72 bytes in UTF-8 is allowed everywhere, 73 nowhere."""
    longest, too_long = "€" * 24, "€" * 24 + "x"
    for password in (longest, too_long):
        assert len(password.encode()) in {72, 73}
    refused = await client.post(
        f"{AUTH}/register", json={"email": "long@example.com", "password": too_long}
    )
    assert refused.status_code == 422
    registered = await client.post(
        f"{AUTH}/register", json={"email": "long@example.com", "password": longest}
    )
    assert registered.status_code == 201
    tokens = await login(client, "long@example.com", longest)
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200
    too_long_login = await client.post(
        f"{AUTH}/login", json={"email": "long@example.com", "password": too_long}
    )
    assert too_long_login.status_code == 422


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


async def test_register_is_rate_limited_per_account_across_addresses(
    app: FastAPI, make_client: Any
) -> None:
    """Attempts on one e-mail count together, whatever its case and whichever address sends
    them (each address stays far below its own limit); the counters never name the e-mail."""
    async with make_client(
        TRUSTED_PROXIES=["127.0.0.1/32"], RATE_LIMIT_REGISTER_PER_ACCOUNT=2
    ) as proxied:
        answers = [
            await proxied.post(
                f"{AUTH}/register",
                json={"email": email, "password": PASSWORD},
                headers={"X-Forwarded-For": f"198.51.100.{number}"},
            )
            for number, email in enumerate(
                ["Grace@example.com", "grace@example.com", "GRACE@example.com"]
            )
        ]
        other = await proxied.post(
            f"{AUTH}/register",
            json={"email": "ada@example.com", "password": PASSWORD},
            headers={"X-Forwarded-For": "198.51.100.9"},
        )
    assert [answer.status_code for answer in answers] == [201, 409, 429]
    assert int(answers[2].headers["Retry-After"]) > 0
    assert other.status_code == 201
{%- if cookiecutter.use_redis %}
    keys = [str(key) async for key in resources_of(app).redis.scan_iter()]
    assert keys
    assert not [key for key in keys if "example.com" in key.lower()]
{%- endif %}


# --- Login ------------------------------------------------------------------------------------


async def test_unknown_email_wrong_password_and_inactive_account_look_the_same(
    app: FastAPI, client: AsyncClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create_user(app, "gone@example.com", is_active=False)
    checks: list[str] = []
    real_check = passwords._check

    def counting_check(password: str, hashed: str) -> bool:
        checks.append(hashed)
        return real_check(password, hashed)

    monkeypatch.setattr(passwords, "_check", counting_check)
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
    response = await client.post(f"{AUTH}/login", json={"email": user.email, "password": "€" * 25})
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
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    for number in range(app.state.resources.settings.RATE_LIMIT_LOGIN_PER_IP):
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
    assert await app.state.resources.hasher.verify(PASSWORD, rehashed)


async def test_a_rehash_writes_only_the_signed_in_account(
    app: FastAPI, make_client: Any, user: User
) -> None:
    """Even an account with the very same hash (copied, not chosen: hashes are salted)
    keeps its own."""
    twin = await create_user(app, "twin@example.com")
    shared = (await stored_user(app, user.email)).hashed_password
    async with app.state.resources.sessionmaker() as db:
        await db.execute(update(User).where(User.id == twin.id).values(hashed_password=shared))
        await db.commit()
    async with make_client(BCRYPT_ROUNDS=5) as client:
        await login(client, user.email)
    assert (await stored_user(app, user.email)).hashed_password.startswith("$2b$05$")
    assert (await stored_user(app, twin.email)).hashed_password == shared


async def test_a_rehash_never_overwrites_a_password_changed_during_the_check(
    app: FastAPI, make_client: Any, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = await app.state.resources.hasher.hash("the password set meanwhile")
    real_verify = PasswordHasher.verify

    async def verify_while_the_password_changes(
        hasher: PasswordHasher, password: str, hashed: str
    ) -> bool:
        matched = await real_verify(hasher, password, hashed)
        async with app.state.resources.sessionmaker() as db:  # a reset, say, meanwhile
            await db.execute(update(User).where(User.id == user.id).values(hashed_password=changed))
            await db.commit()
        return matched

    monkeypatch.setattr(PasswordHasher, "verify", verify_while_the_password_changes)
    async with make_client(BCRYPT_ROUNDS=5) as client:
        await login(client, user.email)
    assert (await stored_user(app, user.email)).hashed_password == changed


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
{%- if cookiecutter.auth_mode == "jwt" %}
        assert tokens["access_token"] not in message
        assert tokens["refresh_token"] not in message
{%- elif cookiecutter.auth_mode == "session" %}
        assert tokens["session_token"] not in message
{%- endif %}


AUDITED = {
    "app.services.sign_in_service",
    "app.services.auth_service",
    "app.services.user_service",
}


async def test_sign_in_events_are_logged_with_the_account_and_the_address(
    app: FastAPI, client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The audit trail: who (user id), from where (the client address), what happened."""
    caplog.set_level(logging.INFO, logger="app")
    gone = await create_user(app, "gone@example.com", is_active=False)
    registered = await client.post(
        f"{AUTH}/register", json={"email": "ada@example.com", "password": PASSWORD}
    )
    ada = registered.json()["id"]
    for email, password in [
        ("nobody@example.com", PASSWORD),
        ("ada@example.com", "wrong password"),
        ("gone@example.com", PASSWORD),
    ]:
        response = await client.post(LOGIN, json={"email": email, "password": password})
        assert response.status_code == 401
    headers = bearer(await login(client, "ada@example.com"))
    change = {"current_password": "not my password", "new_password": "another sturdy passphrase"}
    assert (await client.post(f"{AUTH}/password", json=change, headers=headers)).status_code == 403
    change["current_password"] = PASSWORD
    changed = await client.post(f"{AUTH}/password", json=change, headers=headers)
{%- if cookiecutter.auth_mode == "jwt" %}
    headers = bearer(changed.json())
{%- else %}
    assert changed.status_code == 204
{%- endif %}
    assert (await client.post(f"{AUTH}/logout-all", headers=headers)).status_code == 204
    ip = "127.0.0.1"  # httpx's ASGI transport's client address
    assert [
        (record.levelname, record.getMessage())
        for record in caplog.records
        if record.name in AUDITED
    ] == [
        ("INFO", f"Registered user_id={ada} ip={ip}"),
        ("WARNING", f"Login failed (unknown e-mail) user_id=None ip={ip}"),
        ("WARNING", f"Login failed (wrong password) user_id={ada} ip={ip}"),
        ("WARNING", f"Login failed (inactive account) user_id={gone.id} ip={ip}"),
        ("INFO", f"Login succeeded user_id={ada} ip={ip}"),
        ("WARNING", f"Wrong current password user_id={ada}"),
        ("INFO", f"Password changed user_id={ada} ip={ip}"),
        ("INFO", f"Logged out everywhere user_id={ada}"),
    ]


# --- Password change ---------------------------------------------------------------------------


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
