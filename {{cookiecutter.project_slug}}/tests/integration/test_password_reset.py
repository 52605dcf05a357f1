"""Forgot-password and reset, with the link read from a real SMTP server (aiosmtpd)."""

import hashlib
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import select, update

from app.core.config import Settings
from app.models.action_token import ActionToken
from app.models.user import User
from tests.integration.conftest import PASSWORD, create_user, login
from tests.mail_server import MailServer, body_of, free_port, token_from
from tests.signing_in import bearer

AUTH = "/api/v1/auth"
ME = "/api/v1/users/me"
NEW_PASSWORD = "a brand new passphrase"
INVALID_LINK = {"detail": "This link is invalid or has expired: request a new one"}
# Every test starts with an empty mailbox.
pytestmark = pytest.mark.usefixtures("inbox")
SENT = {"detail": "If an account uses this address, a link to reset its password is on its way"}


async def forgot(client: AsyncClient, email: str) -> Response:
    return await client.post(f"{AUTH}/forgot-password", json={"email": email})


async def reset(client: AsyncClient, token: str, password: str = NEW_PASSWORD) -> Response:
    return await client.post(
        f"{AUTH}/reset-password", json={"token": token, "new_password": password}
    )


async def reset_token(client: AsyncClient, inbox: MailServer, email: str) -> str:
    response = await forgot(client, email)
    assert response.status_code == 202
    return token_from(inbox.wait_for(email))


async def test_the_mailed_link_sets_a_new_password(
    client: AsyncClient, inbox: MailServer, user: User
) -> None:
    response = await forgot(client, user.email)
    assert response.status_code == 202
    assert response.json() == SENT
    [message] = inbox.to(user.email)
    assert "Reset your" in message["Subject"]
    assert PASSWORD not in body_of(message)

    reset_response = await reset(client, token_from(message))
    assert reset_response.status_code == 204
    assert reset_response.headers["Cache-Control"] == "no-store"

    await login(client, user.email, NEW_PASSWORD)
    refused = await client.post(f"{AUTH}/login", json={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 401


async def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client: AsyncClient, inbox: MailServer, user: User
) -> None:
    known = await forgot(client, user.email)
    unknown = await forgot(client, "nobody@example.com")
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert inbox.to("nobody@example.com") == []
    assert len(inbox.messages) == 1


async def test_an_inactive_account_gets_the_same_answer_and_no_mail(
    app: FastAPI, client: AsyncClient, inbox: MailServer
) -> None:
    await create_user(app, "gone@example.com", is_active=False)
    response = await forgot(client, "gone@example.com")
    assert (response.status_code, response.json()) == (202, SENT)
    assert inbox.messages == []


async def test_a_reset_ends_every_session(
    client: AsyncClient, inbox: MailServer, user: User
) -> None:
    first = await login(client, user.email)
    second = await login(client, user.email)
    assert (await client.get(ME, headers=bearer(first))).status_code == 200

    assert (await reset(client, await reset_token(client, inbox, user.email))).status_code == 204

    for tokens in (first, second):
        refused = await client.get(ME, headers=bearer(tokens))
        assert refused.status_code == 401
{%- if cookiecutter.auth_mode == "jwt" %}
        refresh = await client.post(
            f"{AUTH}/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert refresh.status_code == 401
{%- endif %}
    fresh = await login(client, user.email, NEW_PASSWORD)
    assert (await client.get(ME, headers=bearer(fresh))).status_code == 200


async def test_a_reset_link_works_once(client: AsyncClient, inbox: MailServer, user: User) -> None:
    token = await reset_token(client, inbox, user.email)
    assert (await reset(client, token)).status_code == 204
    again = await reset(client, token, "yet another passphrase")
    assert (again.status_code, again.json()) == (400, INVALID_LINK)
    await login(client, user.email, NEW_PASSWORD)


async def test_a_reset_link_lives_its_set_time_and_only_its_hash_is_stored(
    app: FastAPI, client: AsyncClient, inbox: MailServer, user: User, settings: Settings
) -> None:
    lifetime = timedelta(minutes=settings.PASSWORD_RESET_TOKEN_EXPIRE_MINUTES)
    before = datetime.now(UTC)
    token = await reset_token(client, inbox, user.email)
    after = datetime.now(UTC)
    async with app.state.resources.sessionmaker() as db:
        stored = (await db.scalars(select(ActionToken))).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(vars(stored))
    assert stored.purpose == "reset_password"
    assert before + lifetime <= stored.expires_at <= after + lifetime


async def test_an_expired_reset_link_is_refused(
    app: FastAPI, client: AsyncClient, inbox: MailServer, user: User
) -> None:
    token = await reset_token(client, inbox, user.email)
    async with app.state.resources.sessionmaker() as db:
        await db.execute(
            update(ActionToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await db.commit()
    response = await reset(client, token)
    assert (response.status_code, response.json()) == (400, INVALID_LINK)
    await login(client, user.email)


async def test_a_reset_link_cannot_verify_the_address(
    client: AsyncClient, inbox: MailServer, user: User, user_headers: dict[str, str]
) -> None:
    token = await reset_token(client, inbox, user.email)
    response = await client.post(f"{AUTH}/verify-email/confirm", json={"token": token})
    assert (response.status_code, response.json()) == (400, INVALID_LINK)
    assert (await client.get(ME, headers=user_headers)).json()["is_verified"] is False


async def test_a_new_request_retires_the_older_link(
    client: AsyncClient, inbox: MailServer, user: User
) -> None:
    first = await reset_token(client, inbox, user.email)
    inbox.clear()
    second = await reset_token(client, inbox, user.email)
    assert (await reset(client, first)).status_code == 400
    assert (await reset(client, second)).status_code == 204


async def test_a_password_change_retires_outstanding_reset_links(
    client: AsyncClient, inbox: MailServer, user: User
) -> None:
    link = await reset_token(client, inbox, user.email)
    changed = await client.post(
        f"{AUTH}/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(await login(client, user.email)),
    )
    assert changed.status_code == {% if cookiecutter.auth_mode == "jwt" %}200{% else %}204{% endif %}
    refused = await reset(client, link, "yet another passphrase")
    assert refused.status_code == 400
    assert refused.json() == INVALID_LINK
    await login(client, user.email, NEW_PASSWORD)


async def test_a_reset_proves_the_address(
    client: AsyncClient, inbox: MailServer, user: User
) -> None:
    assert (await reset(client, await reset_token(client, inbox, user.email))).status_code == 204
    headers = bearer(await login(client, user.email, NEW_PASSWORD))
    assert (await client.get(ME, headers=headers)).json()["is_verified"] is True


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("€" * 25, "at most 72 bytes"),
        ("short", "at least 8 characters"),
        ("password123", "too common"),
    ],
)
async def test_the_new_password_follows_the_registration_rules(
    client: AsyncClient, inbox: MailServer, user: User, password: str, message: str
) -> None:
    token = await reset_token(client, inbox, user.email)
    response = await reset(client, token, password)
    assert response.status_code == 422
    assert message in response.text
    assert (await reset(client, token)).status_code == 204  # the link was not used up


async def test_forgot_password_is_rate_limited_per_address(
    client: AsyncClient, inbox: MailServer
) -> None:
    statuses = [(await forgot(client, "nobody@example.com")).status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    limited = await forgot(client, "nobody@example.com")
    assert int(limited.headers["Retry-After"]) > 0
    assert (await forgot(client, "somebody@example.com")).status_code == 202


async def test_forgot_password_is_rate_limited_per_client_address(client: AsyncClient) -> None:
    statuses = [
        (await forgot(client, f"person{number}@example.com")).status_code for number in range(11)
    ]
    assert statuses == [202] * 10 + [429]


async def test_guessing_tokens_is_rate_limited(client: AsyncClient) -> None:
    statuses = [(await reset(client, f"guess-{number}")).status_code for number in range(21)]
    assert statuses == [400] * 20 + [429]


async def test_a_failing_mail_server_changes_nothing_for_the_client(
    make_client: Callable[..., AbstractAsyncContextManager[AsyncClient]],
    user: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with make_client(SMTP_PORT=free_port(), SMTP_TIMEOUT=2) as broken:
        # The new app configured logging afresh, without pytest's capturing handler.
{%- if cookiecutter.task_queue == "saq" %}
        # The job runs after the answer, here as the worker runs it (tests/jobs.py).
        logger = logging.getLogger("tests.jobs")
{%- else %}
        logger = logging.getLogger("app.services.account_mailer")
{%- endif %}
        logger.addHandler(caplog.handler)
        try:
            response = await forgot(broken, user.email)
        finally:
            logger.removeHandler(caplog.handler)
    assert (response.status_code, response.json()) == (202, SENT)
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
{%- if cookiecutter.task_queue == "saq" %}
    assert [r.getMessage() for r in failures] == ["Job send_password_reset failed"]
{%- else %}
    assert [r.getMessage() for r in failures] == ["Password reset e-mail failed"]
{%- endif %}
