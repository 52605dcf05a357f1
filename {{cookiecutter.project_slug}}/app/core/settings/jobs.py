"""Background jobs: retries, time limits and the worker (`python -m app.worker`)."""

from pydantic import Field

from app.core.settings.base import SettingsPart


class JobSettings(SettingsPart):
    # The queue's name: workers of one service share it.
    JOB_QUEUE_NAME: str = Field(default="jobs", min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    # Attempts in all before a job is marked failed; the delay doubles after each failure,
    # up to the maximum.
    JOB_ATTEMPTS: int = Field(default=5, ge=1)
    JOB_RETRY_DELAY_SECONDS: float = Field(default=5.0, gt=0)
    JOB_RETRY_MAX_DELAY_SECONDS: float = Field(default=600.0, gt=0)
    # A job running longer than this is stopped and counts as failed.
    JOB_TIMEOUT_SECONDS: int = Field(default=60, ge=1)
    # How long the queue keeps a finished job's record (failed ones stay in the outbox table).
    JOB_RECORD_TTL_SECONDS: int = Field(default=86400, ge=1)
    # Jobs one worker process runs at once, and how often it moves new jobs from the outbox.
    WORKER_CONCURRENCY: int = Field(default=10, ge=1)
    OUTBOX_POLL_SECONDS: float = Field(default=1.0, gt=0)
