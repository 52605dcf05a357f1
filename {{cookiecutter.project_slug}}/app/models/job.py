"""The job outbox: a job is written here in the transaction of the request that asks for it.

The worker (`app/worker.py`) moves pending rows into the queue, deletes a row once its job
has succeeded, and marks it `failed` (with the error) once every attempt has failed. A row
committed with the request's data therefore outlives a crash of the app right after the
answer, and failed jobs stay visible: `python -m app.worker failed` lists them.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.mixins import IdMixin
from app.models.types import UTCDateTime


class JobStatus(StrEnum):
    PENDING = "pending"  # committed, not yet in the queue
    QUEUED = "queued"  # handed to the queue; the worker runs it
    FAILED = "failed"  # every attempt failed


class OutboxJob(IdMixin, Base):
    __tablename__ = "job_outbox"
    __table_args__ = (CheckConstraint("status IN ('pending', 'queued', 'failed')", name="status"),)

    # Random and unique: the queue's job key (a job relayed twice runs once), and what a
    # job derives its tokens from, so that a retry mails the same link again.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    function: Mapped[str] = mapped_column(String(100))
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, server_default=func.now(), onupdate=func.now()
    )
