"""Redis: shared by every worker process."""

from collections.abc import Iterator

from pydantic import Field

from app.core.settings.base import Refusal, SettingsPart

# `make try` runs without a Redis server: this URL gives an in-process stand-in (fakeredis).
IN_PROCESS_REDIS_URL = "memory://"


class RedisSettings(SettingsPart):
    REDIS_URL: str = "redis://127.0.0.1:6379/0"
    # Seconds to connect, per command, and to wait for a free connection of the pool.
    REDIS_TIMEOUT: float = Field(default=2.0, gt=0)
    REDIS_MAX_CONNECTIONS: int = Field(default=50, ge=1)

    def refusals(self) -> Iterator[Refusal]:
        yield from super().refusals()
        if self.is_production and self.REDIS_URL == IN_PROCESS_REDIS_URL:
            yield Refusal(
                "REDIS_URL",
                f"{IN_PROCESS_REDIS_URL} is an in-process stand-in for `make try`: "
                "use redis:// or rediss:// in production",
            )
