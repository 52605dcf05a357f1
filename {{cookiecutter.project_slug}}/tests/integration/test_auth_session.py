"""Server-side sessions: the cookie, CSRF, bearer use, timeouts, logout and password change."""

import hashlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select

from app.core.security import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from app.models.session import UserSession
from app.models.user import User
from tests.integration.conftest import PASSWORD, login
from tests.signing_in import bearer

AUTH = "/api/v1/auth"
ME = "/api/v1/users/me"
NEW_PASSWORD = "an entirely new passphrase"


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """A cookie-keeping client over HTTPS, as a browser would be (Secure cookies need it)."""
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="https://test") as client:
        yield client


async def browser_login(client: AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Sign in with the cookie; returns the CSRF token."""
    response = await client.post(f"{AUTH}/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    csrf: str = response.json()["csrf_token"]
    return csrf


async def stored_sessions(app: FastAPI) -> list[UserSession]:
    async with app.state.resources.sessionmaker() as db:
        return list((await db.scalars(select(UserSession).order_by(UserSession.id))).all())


async def move_session(app: FastAPI, **values: Any) -> None:
    """Change the only session's timestamps{% if cookiecutter.use_redis %}, and forget what the cache knows of it{% endif %}."""
    async with app.state.resources.sessionmaker() as db:
        session = (await db.scalars(select(UserSession))).one()
        for name, value in values.items():
            setattr(session, name, value)
        await db.commit()
{%- if cookiecutter.use_redis %}
    await app.state.resources.redis.flushdb()
{%- endif %}


# --- Signing in ------------------------------------------------------------------------------


async def test_login_sets_a_host_only_secure_http_only_lax_cookie(
    app: FastAPI, browser: AsyncClient, user: User
) -> None:
    response = await browser.post(f"{AUTH}/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    cookies = {c.split("=", 1)[0]: c for c in response.headers.get_list("set-cookie")}
    session_cookie = cookies[SESSION_COOKIE].lower()
    for attribute in ("httponly", "secure", "path=/", "samesite=lax"):
        assert attribute in session_cookie
    # __Host- rules: no Domain; and no lifetime of its own (the server enforces the timeouts).
    assert "domain" not in session_cookie
    assert "max-age" not in session_cookie
    assert "expires" not in session_cookie
    csrf_cookie = cookies[CSRF_COOKIE].lower()
    assert "secure" in csrf_cookie
    assert "httponly" not in csrf_cookie  # scripts of the site read it to echo it
    body = response.json()
    assert set(body) == {"csrf_token", "expires_at", "idle_timeout_seconds"}
    assert body["idle_timeout_seconds"] == 30 * 60
    token = browser.cookies[SESSION_COOKIE]
    assert token not in response.text  # the session token never reaches scripts
    assert browser.cookies[CSRF_COOKIE] == body["csrf_token"]


async def test_the_token_is_long_random_and_stored_only_as_a_hash(
    app: FastAPI, browser: AsyncClient, user: User
) -> None:
    before = datetime.now(UTC)
    await browser_login(browser, user.email)
    after = datetime.now(UTC)
    token = browser.cookies[SESSION_COOKIE]
    assert len(token) >= 43  # 32 random bytes, URL-safe base64: 256 bits
    [session] = await stored_sessions(app)
    assert session.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(vars(session))
    assert session.user_id == user.id
    assert before <= session.last_seen_at <= after
    assert before + timedelta(hours=24) <= session.expires_at <= after + timedelta(hours=24)


async def test_each_login_is_a_new_session(browser: AsyncClient, user: User) -> None:
    first_csrf = await browser_login(browser, user.email)
    first = browser.cookies[SESSION_COOKIE]
    second_csrf = await browser_login(browser, user.email)
    assert browser.cookies[SESSION_COOKIE] != first
    assert second_csrf != first_csrf


async def test_token_login_returns_a_bearer_token_and_sets_no_cookie(
    client: AsyncClient, user: User
) -> None:
    response = await client.post(f"{AUTH}/token", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    body = response.json()
    assert body["token_type"] == "bearer"
    assert len(body["session_token"]) >= 43
    me = await client.get(ME, headers=bearer(body))
    assert me.status_code == 200
    assert me.json()["email"] == user.email


async def test_token_login_refuses_a_password_over_72_bytes_with_422(
    client: AsyncClient, user: User
) -> None:
    response = await client.post(f"{AUTH}/token", json={"email": user.email, "password": "€" * 25})
    assert response.status_code == 422
    assert "at most 72 bytes" in response.text


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_login_takes_json_only_so_another_site_cannot_post_a_form(
    browser: AsyncClient, user: User, content_type: str
) -> None:
    """A cross-site form can send these types without a CORS preflight: no login from them."""
    body = json.dumps({"email": user.email, "password": PASSWORD})
    response = await browser.post(
        f"{AUTH}/login", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 422
    assert "set-cookie" not in response.headers


# --- Presenting the session ---------------------------------------------------------------------


async def test_the_cookie_authenticates_safe_requests(browser: AsyncClient, user: User) -> None:
    await browser_login(browser, user.email)
    response = await browser.get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == user.email


ENDED = (
    'Bearer error="invalid_token", '
    'error_description="No such session, or it has ended: sign in again"'
)


@pytest.mark.parametrize(
    ("headers", "challenge"),
    [
        ({}, "Bearer"),
        ({"Authorization": "Bearer"}, "Bearer"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "Bearer"),
        ({"Cookie": f"{SESSION_COOKIE}="}, "Bearer"),
        ({"Authorization": "Bearer unknown-token"}, ENDED),
        ({"Cookie": f"{SESSION_COOKIE}=unknown-token"}, ENDED),
    ],
)
async def test_bad_or_missing_credentials_are_401_with_www_authenticate(
    client: AsyncClient, headers: dict[str, str], challenge: str
) -> None:
    """No credential: the bare challenge; one that does not work: `invalid_token` (RFC 6750)."""
    response = await client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == challenge


async def test_tokens_are_not_read_from_the_query_string(client: AsyncClient, user: User) -> None:
    tokens = await login(client, user.email)
    for name in ("session_token", "token", SESSION_COOKIE):
        response = await client.get(ME, params={name: tokens["session_token"]})
        assert response.status_code == 401


# --- CSRF ---------------------------------------------------------------------------------------


UNSAFE_REQUESTS = [
    ("PATCH", ME, {"full_name": "Mallory"}),
    ("POST", f"{AUTH}/logout-all", None),
    ("POST", f"{AUTH}/logout", None),
    ("POST", f"{AUTH}/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
]


@pytest.mark.parametrize("unsafe", UNSAFE_REQUESTS)
# Header bytes beyond ASCII too: the comparison must refuse them, not fail with a 500.
@pytest.mark.parametrize("csrf", [None, b"", b"wrong-token", "ünïcödé".encode()])
async def test_unsafe_cookie_requests_without_the_csrf_token_are_403(
    app: FastAPI,
    browser: AsyncClient,
    user: User,
    unsafe: tuple[str, str, dict[str, str] | None],
    csrf: bytes | None,
) -> None:
    method, path, body = unsafe
    await browser_login(browser, user.email)
    headers = {} if csrf is None else {CSRF_HEADER.encode(): csrf}
    response = await browser.request(method, path, json=body, headers=headers)
    assert response.status_code == 403
    assert response.json() == {"detail": f"Missing or invalid {CSRF_HEADER} header"}
    # Nothing happened: the session lives, the name and password are unchanged.
    me = await browser.get(ME)
    assert me.status_code == 200
    assert me.json()["full_name"] is None
    assert len(await stored_sessions(app)) == 1


async def test_the_csrf_token_of_another_session_is_refused(
    app: FastAPI, browser: AsyncClient, user: User
) -> None:
    stale_csrf = await browser_login(browser, user.email)
    await browser_login(browser, user.email)
    response = await browser.patch(ME, json={"full_name": "Ada"}, headers={CSRF_HEADER: stale_csrf})
    assert response.status_code == 403


async def test_unsafe_cookie_requests_with_the_csrf_token_pass(
    browser: AsyncClient, user: User
) -> None:
    csrf = await browser_login(browser, user.email)
    response = await browser.patch(ME, json={"full_name": "Ada"}, headers={CSRF_HEADER: csrf})
    assert response.status_code == 200
    assert response.json()["full_name"] == "Ada"


async def test_bearer_requests_need_no_csrf_token(
    client: AsyncClient, user_headers: dict[str, str]
) -> None:
    response = await client.patch(ME, json={"full_name": "Ada"}, headers=user_headers)
    assert response.status_code == 200


async def test_a_bearer_token_wins_over_a_cookie(
    browser: AsyncClient, user: User, admin: User
) -> None:
    """No CSRF token is asked for, as the cookie is not what authenticates the request."""
    await browser_login(browser, user.email)
    admin_tokens = await login(browser, admin.email)
    response = await browser.patch(ME, json={"full_name": "Root"}, headers=bearer(admin_tokens))
    assert response.status_code == 200
    assert response.json()["email"] == admin.email


# --- Timeouts -----------------------------------------------------------------------------------


async def test_an_idle_session_ends(app: FastAPI, client: AsyncClient, user: User) -> None:
    tokens = await login(client, user.email)
    idle_since = datetime.now(UTC) - timedelta(minutes=30, seconds=1)
    await move_session(app, last_seen_at=idle_since)
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
    assert await stored_sessions(app) == []


async def test_activity_keeps_a_session_alive(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    tokens = await login(client, user.email)
    await move_session(app, last_seen_at=datetime.now(UTC) - timedelta(minutes=29))
    before = datetime.now(UTC)
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200
    after = datetime.now(UTC)
    [session] = await stored_sessions(app)
    assert before <= session.last_seen_at <= after


async def test_a_session_ends_at_its_absolute_end_however_active(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    tokens = await login(client, user.email)
    now = datetime.now(UTC)
    await move_session(app, last_seen_at=now, expires_at=now - timedelta(seconds=1))
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
    assert await stored_sessions(app) == []


async def test_the_timeouts_come_from_the_settings(
    app: FastAPI, make_client: Any, user: User
) -> None:
    async with make_client(SESSION_IDLE_MINUTES=5, SESSION_LIFETIME_HOURS=2) as client:
        before = datetime.now(UTC)
        response = await client.post(
            f"{AUTH}/token", json={"email": user.email, "password": PASSWORD}
        )
        after = datetime.now(UTC)
    assert response.json()["idle_timeout_seconds"] == 5 * 60
    [session] = await stored_sessions(app)
    assert before + timedelta(hours=2) <= session.expires_at <= after + timedelta(hours=2)


# --- Logout ---------------------------------------------------------------------------------------


async def test_logout_ends_the_cookie_session_at_once_and_clears_the_cookies(
    app: FastAPI, browser: AsyncClient, client: AsyncClient, user: User
) -> None:
    other = await login(client, user.email)
    csrf = await browser_login(browser, user.email)
    token = browser.cookies[SESSION_COOKIE]
    assert (await browser.get(ME)).status_code == 200  # now cached, when there is a cache
    response = await browser.post(f"{AUTH}/logout", headers={CSRF_HEADER: csrf})
    assert response.status_code == 204
    cleared = {c.split("=", 1)[0]: c.lower() for c in response.headers.get_list("set-cookie")}
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        assert "max-age=0" in cleared[name]
        assert "secure" in cleared[name]  # without it, browsers keep a __Host- cookie
        assert "path=/" in cleared[name]
    assert SESSION_COOKIE not in browser.cookies
    # The token itself is dead, not only dropped by this browser.
    replayed = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert replayed.status_code == 401
    assert (await client.get(ME, headers=bearer(other))).status_code == 200
    assert len(await stored_sessions(app)) == 1


async def test_logout_with_a_bearer_token_ends_that_session(
    client: AsyncClient, user: User
) -> None:
    tokens = await login(client, user.email)
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200
    for _ in range(2):  # the second time: an ended session, still no error
        response = await client.post(f"{AUTH}/logout", headers=bearer(tokens))
        assert response.status_code == 204
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401


async def test_logout_without_any_credential_is_401(client: AsyncClient) -> None:
    response = await client.post(f"{AUTH}/logout")
    assert response.status_code == 401


async def test_logout_all_ends_every_session_of_the_user_only(
    app: FastAPI, browser: AsyncClient, client: AsyncClient, user: User, admin: User
) -> None:
    csrf = await browser_login(browser, user.email)
    others = [await login(client, user.email) for _ in range(2)]
    admin_tokens = await login(client, admin.email)
    for tokens in others:
        assert (await client.get(ME, headers=bearer(tokens))).status_code == 200
    response = await browser.post(f"{AUTH}/logout-all", headers={CSRF_HEADER: csrf})
    assert response.status_code == 204
    assert (await browser.get(ME)).status_code == 401
    for tokens in others:
        assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
    assert (await client.get(ME, headers=bearer(admin_tokens))).status_code == 200
    assert [s.user_id for s in await stored_sessions(app)] == [admin.id]
    assert (
        await client.get(ME, headers=bearer(await login(client, user.email)))
    ).status_code == 200


async def test_logout_all_needs_a_session(client: AsyncClient) -> None:
    assert (await client.post(f"{AUTH}/logout-all")).status_code == 401


# --- Password change ------------------------------------------------------------------------------


async def test_password_change_ends_the_other_sessions_and_keeps_this_one(
    app: FastAPI, browser: AsyncClient, client: AsyncClient, user: User
) -> None:
    csrf = await browser_login(browser, user.email)
    other = await login(client, user.email)
    assert (await client.get(ME, headers=bearer(other))).status_code == 200
    response = await browser.post(
        f"{AUTH}/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers={CSRF_HEADER: csrf},
    )
    assert response.status_code == 204
    assert (await browser.get(ME)).status_code == 200
    assert (await client.get(ME, headers=bearer(other))).status_code == 401
    assert len(await stored_sessions(app)) == 1
    old_password = await client.post(
        f"{AUTH}/token", json={"email": user.email, "password": PASSWORD}
    )
    assert old_password.status_code == 401
    await login(client, user.email, NEW_PASSWORD)


async def test_password_change_with_a_bearer_token(client: AsyncClient, user: User) -> None:
    mine, other = await login(client, user.email), await login(client, user.email)
    response = await client.post(
        f"{AUTH}/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(mine),
    )
    assert response.status_code == 204
    assert (await client.get(ME, headers=bearer(mine))).status_code == 200
    assert (await client.get(ME, headers=bearer(other))).status_code == 401


# --- The account behind the session -------------------------------------------------------------


async def test_deactivation_and_deletion_end_sessions_at_once_even_when_cached(
    app: FastAPI, client: AsyncClient, user: User, admin_headers: dict[str, str]
) -> None:
    tokens = await login(client, user.email)
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 200
    await client.post(f"/api/v1/users/{user.id}/deactivate", headers=admin_headers)
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
    assert (
        await client.delete(f"/api/v1/users/{user.id}", headers=admin_headers)
    ).status_code == 204
    async with app.state.resources.sessionmaker() as db:
        count = await db.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
        )
    assert count == 0
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401


ENDED = "No such session, or it has ended: sign in again"


async def test_an_ended_session_and_an_inactive_account_are_told_so(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    ended = bearer(await login(client, user.email))
    inactive = bearer(await login(client, user.email))
    for headers in (ended, inactive):
        assert (await client.get(ME, headers=headers)).status_code == 200
    assert (await client.post(f"{AUTH}/logout", headers=ended)).status_code == 204
    async with app.state.resources.sessionmaker() as db:  # the app's sessions: cache included
        account = await db.get(User, user.id)
        assert account is not None
        account.is_active = False
        await db.commit()
    for headers in (ended, inactive):
        response = await client.get(ME, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"detail": ENDED}
        assert response.headers["WWW-Authenticate"] == (
            f'Bearer error="invalid_token", error_description="{ENDED}"'
        )
