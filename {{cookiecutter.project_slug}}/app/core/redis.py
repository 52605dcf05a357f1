"""The shared Redis client: one connection pool for the whole process."""

from fastapi import Request
from redis.asyncio import Redis

from app.core.config import IN_PROCESS_REDIS_URL, Settings


def create_redis(settings: Settings) -> "Redis":
    if settings.REDIS_URL == IN_PROCESS_REDIS_URL:
        # A test dependency, not installed in production images, which refuse this URL anyway.
        from fakeredis import FakeAsyncRedis  # noqa: PLC0415

        return FakeAsyncRedis(decode_responses=True)
    return Redis.from_url(
        settings.REDIS_URL,
        decode_responses=True,
        socket_connect_timeout=settings.REDIS_TIMEOUT,
        socket_timeout=settings.REDIS_TIMEOUT,
        health_check_interval=30,
    )


def get_redis(request: Request) -> "Redis":
    redis: Redis = request.app.state.redis
    return redis
