"""Where the job queue lives: in Redis, beside the rate limits and the cache."""

from saq import Queue

from app.core.config import Settings
from app.core.settings.redis import IN_PROCESS_REDIS_URL


def create_queue(settings: Settings) -> Queue:
    if settings.REDIS_URL == IN_PROCESS_REDIS_URL:
        raise RuntimeError(
            f"REDIS_URL={IN_PROCESS_REDIS_URL} is in-process: the worker needs a Redis server"
        )
    return Queue.from_url(settings.REDIS_URL, name=settings.JOB_QUEUE_NAME)
