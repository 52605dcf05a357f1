"""The request side of background jobs: the outbox row is committed before the answer, and
holds no secret; a job run again (a retry) mails the same link, never a second one."""

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from app.models.job import JobStatus, OutboxJob
from app.models.user import User
from tests.integration.conftest import PASSWORD, create_user, resources_of
from tests.jobs import run_pending_jobs
from tests.mail_server import MailServer, token_from

AUTH = "/api/v1/auth"


async def outbox(app: FastAPI) -> list[OutboxJob]:
    async with resources_of(app).sessionmaker() as db:
        return list(await db.scalars(select(OutboxJob).order_by(OutboxJob.id)))


async def test_registration_commits_a_job_that_names_the_user_and_holds_no_token(
    app: FastAPI, inbox: MailServer
) -> None:
    # A client that runs no jobs: the answer alone must leave the job committed.
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        answer = await client.post(
            f"{AUTH}/register", json={"email": "queued@example.com", "password": PASSWORD}
        )
    assert answer.status_code == 201
    [job] = await outbox(app)
    assert (job.function, job.kwargs, job.status) == (
        "send_verification",
        {"user_id": answer.json()["id"]},
        JobStatus.PENDING,
    )
    assert inbox.to("queued@example.com") == []

    assert await run_pending_jobs(resources_of(app)) == 1
    assert token_from(inbox.wait_for("queued@example.com"))
    assert await outbox(app) == []


async def test_a_mail_job_run_again_sends_the_same_link_until_it_is_used(
    app: FastAPI, client: AsyncClient, inbox: MailServer
) -> None:
    user: User = await create_user(app, "twice@example.com")
    send_reset = resources_of(app).mailer.jobs()["send_password_reset"]

    await send_reset("one-job-key", email=user.email)
    # The same job again, as after a worker died before recording that it had sent.
    await send_reset("one-job-key", email=user.email)
    first, second = (token_from(message) for message in inbox.to(user.email))
    assert first == second

    reset = await client.post(
        f"{AUTH}/reset-password", json={"token": first, "new_password": "another passphrase 2"}
    )
    assert reset.status_code == 204
    inbox.clear()
    await send_reset("one-job-key", email=user.email)
    assert inbox.to(user.email) == []  # a used link is not mailed again

    await send_reset("another-job-key", email=user.email)
    [message] = inbox.to(user.email)
    assert token_from(message) != first
