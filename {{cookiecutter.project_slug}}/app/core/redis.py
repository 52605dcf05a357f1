"""The shared Redis client: one connection pool for the whole process."""

from fastapi import Request
from redis.asyncio import Redis

from app.core.config import Settings


def create_redis(settings: Settings) -> "Redis":
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
