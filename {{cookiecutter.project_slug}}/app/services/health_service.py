"""Readiness checks: each dependency gets a short timeout, and all run at once."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

{% if cookiecutter.use_redis -%}
from redis.asyncio import Redis
{% endif -%}
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.schemas.health import ComponentStatus, ReadinessResponse

logger = logging.getLogger(__name__)


async def _probe(
    name: str, check: Callable[[], Awaitable[object]], seconds: float
) -> ComponentStatus:
    try:
        async with asyncio.timeout(seconds):
            await check()
    except Exception as exc:  # any failure means "not ready"
        logger.warning("Readiness check %s failed: %s", name, type(exc).__name__)
        return "unavailable"
    return "ok"


async def check_readiness(engine: AsyncEngine, {% if cookiecutter.use_redis %}redis: Redis, {% endif %}seconds: float) -> ReadinessResponse:
    async def database() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
{%- if cookiecutter.use_redis %}

    async def cache() -> None:
        await redis.ping()
{%- endif %}

    checks: dict[str, Callable[[], Awaitable[object]]] = {
        "database": database,
{%- if cookiecutter.use_redis %}
        "redis": cache,
{%- endif %}
    }
    results = await asyncio.gather(
        *(_probe(name, check, seconds) for name, check in checks.items())
    )
    status: ComponentStatus = "ok" if all(result == "ok" for result in results) else "unavailable"
    return ReadinessResponse(status=status, checks=dict(zip(checks, results, strict=True)))
