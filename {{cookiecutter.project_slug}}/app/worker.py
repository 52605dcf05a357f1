"""The job worker: `python -m app.worker` (`make worker`).

It moves the jobs the app committed to the outbox (`app/models/job.py`) into the queue every
OUTBOX_POLL_SECONDS, and runs them with saq, WORKER_CONCURRENCY at once: a failing job is tried
JOB_ATTEMPTS times in all, the delay doubling from JOB_RETRY_DELAY_SECONDS, then its outbox
row is marked `failed` with the error. Run as many workers as you like: a job runs on one.

    python -m app.worker          run until SIGTERM or Ctrl-C
    python -m app.worker failed   list the failed jobs
    python -m app.worker alive    exit 0 while a worker on this host is running (a liveness probe)
"""

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from saq import Queue, Worker
from saq.job import Status
from saq.types import Context
from sqlalchemy import delete, select, update

from app.core.config import Settings, get_settings
from app.core.job_queue import create_queue
from app.core.logging import configure_logging
from app.core.resources import Resources
from app.models.job import JobStatus, OutboxJob

logger = logging.getLogger(__name__)

# Touched on every pass of the relay: `alive` checks its age.
HEARTBEAT = Path(tempfile.gettempdir()) / "app-worker-heartbeat"
RELAY_BATCH = 100


def saq_function(
    name: str, handler: Callable[..., Awaitable[None]]
) -> tuple[str, Callable[..., Awaitable[None]]]:
    async def run(ctx: Context, **kwargs: Any) -> None:
        await handler(ctx["job"].key, **kwargs)

    return name, run


async def relay(resources: Resources, queue: Queue) -> int:
    """Move pending outbox rows into the queue; how many. A row handed over twice (the commit
    below failed) runs once: its key is the job's key, and the queue refuses a key it holds."""
    settings = resources.settings
    async with resources.sessionmaker() as db:
        rows = (
            await db.scalars(
                select(OutboxJob)
                .where(OutboxJob.status == JobStatus.PENDING)
                .order_by(OutboxJob.id)
                .limit(RELAY_BATCH)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for row in rows:
            await queue.enqueue(
                row.function,
                key=row.key,
                retries=settings.JOB_ATTEMPTS,
                retry_delay=settings.JOB_RETRY_DELAY_SECONDS,
                retry_backoff=settings.JOB_RETRY_MAX_DELAY_SECONDS,
                timeout=settings.JOB_TIMEOUT_SECONDS,
                ttl=settings.JOB_RECORD_TTL_SECONDS,
                **row.kwargs,
            )
            row.status = JobStatus.QUEUED
        await db.commit()
    return len(rows)


async def relay_forever(resources: Resources, queue: Queue) -> None:
    while True:
        try:
            await relay(resources, queue)
            HEARTBEAT.touch()
        except Exception:
            logger.exception("Moving jobs from the outbox to the queue failed; trying again")
        await asyncio.sleep(resources.settings.OUTBOX_POLL_SECONDS)


def outcome_recorder(resources: Resources) -> Callable[[Context], Awaitable[None]]:
    async def record_outcome(ctx: Context) -> None:
        """After each attempt: a job done leaves the outbox, a job out of attempts stays there
        as failed, with the end of its error; a job to be retried stays queued."""
        job = ctx.get("job")
        if job is None or job.status not in {Status.COMPLETE, Status.FAILED}:
            return
        async with resources.sessionmaker() as db:
            if job.status is Status.COMPLETE:
                await db.execute(delete(OutboxJob).where(OutboxJob.key == job.key))
            else:
                error = (job.error or "").strip().splitlines()
                await db.execute(
                    update(OutboxJob)
                    .where(OutboxJob.key == job.key)
                    .values(
                        status=JobStatus.FAILED,
                        attempts=job.attempts,
                        error=error[-1] if error else None,
                    )
                )
                logger.error("Job failed after %s attempts: %s", job.attempts, job.function)
            await db.commit()

    return record_outcome


async def work(settings: Settings) -> None:
    resources = Resources(settings)
    await resources.open()
    queue = create_queue(settings)
    await queue.connect()
    worker = Worker(
        queue,
        functions=[saq_function(name, job) for name, job in resources.mailer.jobs().items()],
        concurrency=settings.WORKER_CONCURRENCY,
        after_process=[outcome_recorder(resources)],
        shutdown_grace_period_s=settings.JOB_TIMEOUT_SECONDS,
    )
    relaying = asyncio.create_task(relay_forever(resources, queue))
    logger.info("Worker running (%s jobs at once)", settings.WORKER_CONCURRENCY)
    try:
        await worker.start()
    finally:
        relaying.cancel()
        await asyncio.gather(relaying, return_exceptions=True)
        await queue.disconnect()
        await resources.aclose()
        HEARTBEAT.unlink(missing_ok=True)
        logger.info("Worker stopped")


async def print_failed(settings: Settings) -> None:
    resources = Resources(settings)
    try:
        async with resources.sessionmaker() as db:
            failed = await db.scalars(
                select(OutboxJob).where(OutboxJob.status == JobStatus.FAILED).order_by(OutboxJob.id)
            )
            for job in failed:
                sys.stdout.write(
                    f"{job.updated_at:%Y-%m-%d %H:%M:%S} {job.function} {job.kwargs} {job.error}\n"
                )
    finally:
        await resources.aclose()


def alive(settings: Settings) -> bool:
    try:
        age = time.time() - HEARTBEAT.stat().st_mtime
    except FileNotFoundError:
        return False
    return age < 3 * settings.OUTBOX_POLL_SECONDS + 30


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m app.worker", description=__doc__.split("\n")[0]
    )
    parser.add_argument("command", nargs="?", choices=["run", "failed", "alive"], default="run")
    command = parser.parse_args(argv).command
    settings = get_settings()
    if command == "alive":
        return 0 if alive(settings) else 1
    configure_logging(settings)
    asyncio.run(work(settings) if command == "run" else print_failed(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
