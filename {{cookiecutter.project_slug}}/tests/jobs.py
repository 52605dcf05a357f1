"""The jobs of the outbox, run in the test process as the worker runs them (without the queue),
so that integration tests see the mails their requests asked for once the answer is in.

The worker itself, with its queue, retries and failed state, is tested in tests/e2e/test_worker.py.
"""

import logging
from collections.abc import Callable
from typing import Any

from httpx import Response
from sqlalchemy import delete, select

from app.core.resources import Resources
from app.models.job import JobStatus, OutboxJob

logger = logging.getLogger(__name__)


async def run_pending_jobs(resources: Resources) -> int:
    """Run every pending job once, in order; a failing job is logged, as the worker logs it."""
    async with resources.sessionmaker() as db:
        rows = (
            await db.scalars(
                select(OutboxJob)
                .where(OutboxJob.status == JobStatus.PENDING)
                .order_by(OutboxJob.id)
            )
        ).all()
        await db.execute(delete(OutboxJob).where(OutboxJob.id.in_([row.id for row in rows])))
        await db.commit()
    jobs = resources.mailer.jobs()
    for row in rows:
        try:
            await jobs[row.function](row.key, **row.kwargs)
        except Exception:
            logger.exception("Job %s failed", row.function)
    return len(rows)


def jobs_after_each_response(resources: Resources) -> dict[str, list[Callable[..., Any]]]:
    """httpx `event_hooks` that run the pending jobs once each answer is in."""

    async def run_jobs(response: Response) -> None:
        await run_pending_jobs(resources)

    return {"response": [run_jobs]}
