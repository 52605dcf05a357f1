"""Readiness checks: each dependency gets a short timeout, and all run at once."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
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


async def check_readiness(engine: AsyncEngine, redis: Redis, seconds: float) -> ReadinessResponse:
    async def database() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def cache() -> None:
        await redis.ping()

    names = ("database", "redis")
    results = await asyncio.gather(
        _probe("database", database, seconds),
        _probe("redis", cache, seconds),
    )
    checks = dict(zip(names, results, strict=True))
    status: ComponentStatus = "ok" if all(r == "ok" for r in results) else "unavailable"
    return ReadinessResponse(status=status, checks=checks)
