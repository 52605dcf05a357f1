"""The job worker as a real process, against the real queue ({{ "Redis" if cookiecutter.use_redis else "PostgreSQL" }}) and database, with the app
as a real process: what the app commits is sent even when the app is gone, and a job that
keeps failing is retried, then left visibly failed."""

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from app.models.job import JobStatus, OutboxJob
from tests.accounts import PASSWORD
from tests.conftest import alembic_config, new_database
from tests.e2e.conftest import free_port, running_server, running_worker
from tests.mail_server import MailServer, token_from

WAIT_SECONDS = 30


@pytest.fixture
async def isolated(services: dict[str, str]) -> AsyncIterator[dict[str, str]]:
    """Settings with a database and a queue of their own: the suite's worker, which serves
    the other e2e tests, sees neither."""
    async with new_database() as url:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
        yield {**services, "DATABASE_URL": url, "JOB_QUEUE_NAME": f"test-{secrets.token_hex(4)}"}


async def outbox(database_url: str) -> Sequence[OutboxJob]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(select(OutboxJob).order_by(OutboxJob.id))
            return result.all()  # type: ignore[return-value]  # rows with the model's columns
    finally:
        await engine.dispose()


def register(url: str, email: str) -> None:
    answer = httpx.post(
        f"{url}/api/v1/auth/register", json={"email": email, "password": PASSWORD}, timeout=10
    )
    assert answer.status_code == 201, answer.text


async def test_a_mail_committed_before_the_app_stops_is_sent_by_a_worker_started_later(
    isolated: dict[str, str], mail_server: MailServer
) -> None:
    email = f"restart-{secrets.token_hex(4)}@example.com"
    with running_server(isolated) as url:
        register(url, email)
    # The app process is gone, and no worker has run yet: the job waits in the outbox.
    [pending] = await outbox(isolated["DATABASE_URL"])
    assert (pending.function, pending.status) == ("send_verification", JobStatus.PENDING)
    assert mail_server.to(email) == []

    with running_worker(isolated):
        message = await asyncio.to_thread(mail_server.wait_for, email, WAIT_SECONDS)
        assert token_from(message)
        deadline = time.monotonic() + WAIT_SECONDS
        while await outbox(isolated["DATABASE_URL"]):  # done jobs leave the outbox
            assert time.monotonic() < deadline, "the sent job stayed in the outbox"
            await asyncio.sleep(0.2)


async def test_a_job_that_keeps_failing_is_retried_then_marked_failed(
    isolated: dict[str, str],
) -> None:
    email = f"failing-{secrets.token_hex(4)}@example.com"
    # Nothing listens on this SMTP port: every attempt to send fails.
    settings = isolated | {
        "SMTP_PORT": str(free_port()),
        "JOB_ATTEMPTS": "3",
        "JOB_RETRY_DELAY_SECONDS": "0.2",
    }
    with running_server(settings) as url, running_worker(settings) as worker:
        register(url, email)
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            [job] = await outbox(settings["DATABASE_URL"])
            if job.status == JobStatus.FAILED:
                break
            assert time.monotonic() < deadline, f"the job did not fail in time:\n{worker.log()}"
            await asyncio.sleep(0.2)
        log = worker.log()
    assert job.attempts == 3
    assert job.error
    assert "Job failed after 3 attempts: send_verification" in log
    assert log.count("Retrying") >= 2
