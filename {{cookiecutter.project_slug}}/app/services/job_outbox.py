"""Asking for a background job: a row in the job outbox, in the caller's transaction.

The job runs only if that transaction commits, and then for certain: the worker
(`app/worker.py`) moves the row into the queue. Nothing here talks to the queue, so a request
never waits for it, nor fails because it is down.
"""

import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.models.job import OutboxJob


def add_job(db: AsyncSession, function: str, **kwargs: Any) -> OutboxJob:
    """Add the job to the session; the caller commits. `kwargs` must be JSON values."""
    job = OutboxJob(key=secrets.token_urlsafe(24), function=function, kwargs=kwargs)
    db.add(job)
    return job
