"""E-mail address verification: the link is mailed through a real SMTP server (aiosmtpd)."""

import hashlib
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select, update

from app.core.config import Settings
from app.core.tokens import hash_opaque_token
from app.models.action_token import ActionToken
from app.models.user import User
from tests.integration.conftest import PASSWORD, login
from tests.mail_server import MailServer, body_of, token_from
from tests.signing_in import bearer

AUTH = "/api/v1/auth"
ME = "/api/v1/users/me"
INVALID_LINK = {"detail": "This link is invalid or has expired: request a new one"}


async def register(client: AsyncClient, email: str) -> None:
    response = await client.post(f"{AUTH}/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text


async def confirm(client: AsyncClient, token: str) -> int:
    response = await client.post(f"{AUTH}/verify-email/confirm", json={"token": token})
    if response.status_code != 204:
        assert response.json() == INVALID_LINK
    return response.status_code


async def test_registration_mails_a_link_that_verifies_the_address(
    client: AsyncClient, inbox: MailServer
) -> None:
    await register(client, "new@example.com")
    [message] = inbox.to("new@example.com")
    assert "Confirm your e-mail address" in message["Subject"]
    assert PASSWORD not in body_of(message)
    headers = bearer(await login(client, "new@example.com"))
    assert (await client.get(ME, headers=headers)).json()["is_verified"] is False

    assert await confirm(client, token_from(message)) == 204

    assert (await client.get(ME, headers=headers)).json()["is_verified"] is True


async def test_a_verification_link_works_once(client: AsyncClient, inbox: MailServer) -> None:
    await register(client, "new@example.com")
    token = token_from(inbox.wait_for("new@example.com"))
    assert await confirm(client, token) == 204
    assert await confirm(client, token) == 400


async def test_an_expired_verification_link_is_refused(
    app: FastAPI, client: AsyncClient, inbox: MailServer
) -> None:
    await register(client, "new@example.com")
    token = token_from(inbox.wait_for("new@example.com"))
    async with app.state.resources.sessionmaker() as db:
        await db.execute(
            update(ActionToken)
            .where(ActionToken.token_hash == hash_opaque_token(token))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await db.commit()
    assert await confirm(client, token) == 400


async def test_unknown_and_malformed_tokens_get_the_same_answer(client: AsyncClient) -> None:
    assert await confirm(client, "not-a-token-we-issued") == 400
    too_long = await client.post(f"{AUTH}/verify-email/confirm", json={"token": "x" * 129})
    assert too_long.status_code == 422


async def test_only_a_hash_of_the_token_is_stored(
    app: FastAPI, client: AsyncClient, inbox: MailServer, settings: Settings
) -> None:
    before = datetime.now(UTC)
    await register(client, "new@example.com")
    after = datetime.now(UTC)
    token = token_from(inbox.wait_for("new@example.com"))
    assert len(token) >= 22  # at least 128 random bits, URL-safe base64
    async with app.state.resources.sessionmaker() as db:
        stored = (await db.scalars(select(ActionToken))).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(vars(stored))
    assert stored.purpose == "verify_email"
    lifetime = timedelta(minutes=settings.EMAIL_VERIFY_TOKEN_EXPIRE_MINUTES)
    assert before + lifetime <= stored.expires_at <= after + lifetime


async def test_requesting_a_new_link_retires_the_older_one(
    client: AsyncClient, inbox: MailServer, user: User, user_headers: dict[str, str]
) -> None:
    response = await client.post(f"{AUTH}/verify-email/request", headers=user_headers)
    assert response.status_code == 202
    first = token_from(inbox.wait_for(user.email))
    inbox.clear()
    await client.post(f"{AUTH}/verify-email/request", headers=user_headers)
    second = token_from(inbox.wait_for(user.email))

    assert await confirm(client, first) == 400
    assert await confirm(client, second) == 204
    again = await client.post(f"{AUTH}/verify-email/request", headers=user_headers)
    assert again.status_code == 409


async def test_requesting_a_link_needs_a_signed_in_user(client: AsyncClient) -> None:
    response = await client.post(f"{AUTH}/verify-email/request")
    assert response.status_code == 401


async def test_verification_requests_are_rate_limited(
    client: AsyncClient, inbox: MailServer, user: User, user_headers: dict[str, str]
) -> None:
    statuses = [
        (await client.post(f"{AUTH}/verify-email/request", headers=user_headers)).status_code
        for _ in range(4)
    ]
    assert statuses == [202, 202, 202, 429]
    limited = await client.post(f"{AUTH}/verify-email/request", headers=user_headers)
    assert int(limited.headers["Retry-After"]) > 0
    assert len(inbox.to(user.email)) == 3


async def test_a_verification_link_cannot_reset_the_password(
    client: AsyncClient, inbox: MailServer
) -> None:
    await register(client, "new@example.com")
    token = token_from(inbox.wait_for("new@example.com"))
    response = await client.post(
        f"{AUTH}/reset-password", json={"token": token, "new_password": "another long passphrase"}
    )
    assert response.status_code == 400
    assert response.json() == INVALID_LINK
    await login(client, "new@example.com")  # the old password still works
    assert await confirm(client, token) == 204  # and the link still verifies


async def test_a_link_stops_working_when_the_address_changes(
    client: AsyncClient, inbox: MailServer
) -> None:
    await register(client, "old@example.com")
    token = token_from(inbox.wait_for("old@example.com"))
    headers = bearer(await login(client, "old@example.com"))
    changed = await client.patch(
        ME, json={"email": "new@example.com", "current_password": PASSWORD}, headers=headers
    )
    assert changed.status_code == 200
    assert await confirm(client, token) == 400
    assert (await client.get(ME, headers=headers)).json()["is_verified"] is False


async def test_changing_the_address_clears_its_verification(
    client: AsyncClient, inbox: MailServer
) -> None:
    await register(client, "old@example.com")
    assert await confirm(client, token_from(inbox.wait_for("old@example.com"))) == 204
    headers = bearer(await login(client, "old@example.com"))
    renamed = await client.patch(ME, json={"full_name": "Ada"}, headers=headers)
    assert renamed.json()["is_verified"] is True
    moved = await client.patch(
        ME, json={"email": "new@example.com", "current_password": PASSWORD}, headers=headers
    )
    assert moved.json()["is_verified"] is False


async def test_an_inactive_account_cannot_verify(
    app: FastAPI, client: AsyncClient, inbox: MailServer
) -> None:
    await register(client, "new@example.com")
    token = token_from(inbox.wait_for("new@example.com"))
    async with app.state.resources.sessionmaker() as db:
        await db.execute(update(User).values(is_active=False))
        await db.commit()
    assert await confirm(client, token) == 400
