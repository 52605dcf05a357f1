"""Forgot-password over real HTTP: the server process mails the link to aiosmtpd in the tests."""

import secrets

import httpx

from tests.accounts import PASSWORD, sign_in
from tests.mail_server import MailServer, token_from
from tests.signing_in import bearer

NEW_PASSWORD = "a fresh journey passphrase"


def test_verify_then_forgot_password_reset_and_sign_in_again(
    server_url: str, mail_server: MailServer
) -> None:
    email = f"reset-{secrets.token_hex(4)}@example.com"
    with httpx.Client(base_url=server_url) as client:
        registered = client.post(
            "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
        )
        assert registered.status_code == 201
        verification = token_from(mail_server.wait_for(email))
        confirmed = client.post("/api/v1/auth/verify-email/confirm", json={"token": verification})
        assert confirmed.status_code == 204
        old_headers = bearer(sign_in(client, email, PASSWORD))
        assert client.get("/api/v1/users/me", headers=old_headers).json()["is_verified"] is True

        mail_server.clear()
        forgot = client.post("/api/v1/auth/forgot-password", json={"email": email})
        assert forgot.status_code == 202
        token = token_from(mail_server.wait_for(email))
        reset = client.post(
            "/api/v1/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
        )
        assert reset.status_code == 204

        assert client.get("/api/v1/users/me", headers=old_headers).status_code == 401
        new_headers = bearer(sign_in(client, email, NEW_PASSWORD))
        assert client.get("/api/v1/users/me", headers=new_headers).status_code == 200
