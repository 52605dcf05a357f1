"""The shared Redis client: one connection pool per process."""

from functools import cached_property

from redis.asyncio import BlockingConnectionPool, Redis

from app.core.lifecycle import Probe, ResourcePart
from app.core.settings.redis import IN_PROCESS_REDIS_URL, RedisSettings


def redis_address(redis: Redis) -> str:
    """host:port of the client's server, for messages: never a password."""
    options = redis.connection_pool.connection_kwargs
    return f"{options.get('host', 'localhost')}:{options.get('port', 6379)}"


def create_redis(settings: RedisSettings) -> "Redis":
    if settings.REDIS_URL == IN_PROCESS_REDIS_URL:
        # A test dependency, not installed in production images, which refuse this URL anyway.
        from fakeredis import FakeAsyncRedis  # noqa: PLC0415

        return FakeAsyncRedis(decode_responses=True)
    # A bounded pool that makes a burst of requests wait (up to REDIS_TIMEOUT) for a free
    # connection, where redis-py's default pool would fail at once past its limit.
    pool = BlockingConnectionPool.from_url(
        settings.REDIS_URL,
        max_connections=settings.REDIS_MAX_CONNECTIONS,
        timeout=settings.REDIS_TIMEOUT,
        decode_responses=True,
        socket_connect_timeout=settings.REDIS_TIMEOUT,
        socket_timeout=settings.REDIS_TIMEOUT,
        health_check_interval=30,
    )
    return Redis.from_pool(pool)


class RedisResources(ResourcePart):
    @cached_property
    def redis(self) -> Redis:
        return create_redis(self.settings)

    async def aclose(self) -> None:
        await super().aclose()
        if "redis" in self.__dict__:
            await self.redis.aclose()

    def probes(self) -> dict[str, Probe]:
        return {**super().probes(), "redis": Probe(self._ping, redis_address(self.redis))}

    async def _ping(self) -> None:
        await self.redis.ping()
