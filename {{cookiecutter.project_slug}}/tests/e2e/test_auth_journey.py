"""A user's whole journey over real HTTP, against a real server process."""

import secrets

import httpx

from tests.accounts import PASSWORD, sign_up_and_in
from tests.signing_in import bearer
{%- if cookiecutter.auth_mode == "jwt" %}


def test_register_login_me_refresh_logout(server_url: str) -> None:
    email = f"journey-{secrets.token_hex(4)}@example.com"
    with httpx.Client(base_url=server_url) as client:
        tokens = sign_up_and_in(client, email, PASSWORD)
        me = client.get("/api/v1/users/me", headers=bearer(tokens))
        assert me.status_code == 200
        assert me.json()["email"] == email
        assert me.headers["Cache-Control"] == "no-store"

        refreshed = client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert refreshed.status_code == 200
        new_tokens = refreshed.json()
        assert client.get("/api/v1/users/me", headers=bearer(new_tokens)).status_code == 200

        logout = client.post(
            "/api/v1/auth/logout", json={"refresh_token": new_tokens["refresh_token"]}
        )
        assert logout.status_code == 204
        refused = client.get("/api/v1/users/me", headers=bearer(new_tokens))
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
        again = client.post(
            "/api/v1/auth/refresh", json={"refresh_token": new_tokens["refresh_token"]}
        )
        assert again.status_code == 401
{%- elif cookiecutter.auth_mode == "session" %}


def test_browser_register_login_me_csrf_logout(server_url: str) -> None:
    """The browser way: a __Host- cookie, and the CSRF token on unsafe requests."""
    email = f"journey-{secrets.token_hex(4)}@example.com"
    with httpx.Client(base_url=server_url) as client:
        registered = client.post(
            "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
        )
        assert registered.status_code == 201
        login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200
        set_cookies = login.headers.get_list("set-cookie")
        session_cookie = next(c for c in set_cookies if c.startswith("__Host-session="))
        for attribute in ("HttpOnly", "Secure", "Path=/", "SameSite=lax"):
            assert attribute in session_cookie
        token = session_cookie.split(";")[0].split("=", 1)[1]
        assert token not in login.text  # the session token never reaches scripts
        csrf = login.json()["csrf_token"]
        # Plain HTTP here: a browser would send the Secure cookie back only over HTTPS
        # (or to localhost), so the journey sends it itself.
        cookie = {"Cookie": f"__Host-session={token}"}

        me = client.get("/api/v1/users/me", headers=cookie)
        assert me.status_code == 200
        assert me.json()["email"] == email
        forged = client.patch("/api/v1/users/me", json={"full_name": "Forged"}, headers=cookie)
        assert forged.status_code == 403
        renamed = client.patch(
            "/api/v1/users/me",
            json={"full_name": "Traveller"},
            headers={**cookie, "X-CSRF-Token": csrf},
        )
        assert renamed.status_code == 200

        logout = client.post("/api/v1/auth/logout", headers={**cookie, "X-CSRF-Token": csrf})
        assert logout.status_code == 204
        assert any(
            c.startswith('__Host-session="";') for c in logout.headers.get_list("set-cookie")
        )
        refused = client.get("/api/v1/users/me", headers=cookie)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_bearer_login_me_logout(server_url: str) -> None:
    email = f"bearer-{secrets.token_hex(4)}@example.com"
    with httpx.Client(base_url=server_url) as client:
        tokens = sign_up_and_in(client, email, PASSWORD)
        me = client.get("/api/v1/users/me", headers=bearer(tokens))
        assert me.status_code == 200
        assert me.headers["Cache-Control"] == "no-store"
        # No CSRF token needed: a browser never adds an Authorization header by itself.
        renamed = client.patch(
            "/api/v1/users/me", json={"full_name": "Bearer"}, headers=bearer(tokens)
        )
        assert renamed.status_code == 200
        assert client.post("/api/v1/auth/logout", headers=bearer(tokens)).status_code == 204
        assert client.get("/api/v1/users/me", headers=bearer(tokens)).status_code == 401
{%- endif %}


def test_a_second_user_sees_only_their_own_account(server_url: str) -> None:
    first_email = f"first-{secrets.token_hex(4)}@example.com"
    second_email = f"second-{secrets.token_hex(4)}@example.com"
    with httpx.Client(base_url=server_url) as client:
        first = sign_up_and_in(client, first_email, PASSWORD)
        second = sign_up_and_in(client, second_email, PASSWORD)
        first_id = client.get("/api/v1/users/me", headers=bearer(first)).json()["id"]
        me = client.get("/api/v1/users/me", headers=bearer(second))
        assert me.json()["email"] == second_email
        assert me.json()["id"] != first_id
        assert client.get(f"/api/v1/users/{first_id}", headers=bearer(second)).status_code == 403
        assert client.get("/api/v1/users", headers=bearer(second)).status_code == 403
        renamed = client.patch(
            "/api/v1/users/me", json={"full_name": "Second"}, headers=bearer(second)
        )
        assert renamed.status_code == 200
        assert client.get("/api/v1/users/me", headers=bearer(first)).json()["full_name"] is None
