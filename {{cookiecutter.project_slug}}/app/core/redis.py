"""The shared Redis client: one connection pool per process."""

from functools import cached_property

from redis.asyncio import Redis

from app.core.lifecycle import Probe, ResourcePart
from app.core.settings.redis import IN_PROCESS_REDIS_URL, RedisSettings


def create_redis(settings: RedisSettings) -> "Redis":
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


class RedisResources(ResourcePart):
    @cached_property
    def redis(self) -> Redis:
        return create_redis(self.settings)

    async def aclose(self) -> None:
        await super().aclose()
        if "redis" in self.__dict__:
            await self.redis.aclose()

    def probes(self) -> dict[str, Probe]:
        return {**super().probes(), "redis": self._ping}

    async def _ping(self) -> None:
        await self.redis.ping()
