"""Readiness checks: each dependency gets a short timeout, and all run at once."""

import asyncio
import logging
from collections.abc import Mapping

from app.core.lifecycle import Probe
from app.schemas.health import ComponentStatus, ReadinessResponse

logger = logging.getLogger(__name__)


async def _probe(name: str, probe: Probe, seconds: float) -> ComponentStatus:
    try:
        async with asyncio.timeout(seconds):
            await probe.check()
    except Exception as exc:  # any failure means "not ready"
        logger.warning("Readiness check %s at %s failed: %s", name, probe.address, repr(exc)[:200])
        return "unavailable"
    return "ok"


async def check_readiness(probes: Mapping[str, Probe], seconds: float) -> ReadinessResponse:
    results = await asyncio.gather(
        *(_probe(name, probe, seconds) for name, probe in probes.items())
    )
    status: ComponentStatus = "ok" if all(result == "ok" for result in results) else "unavailable"
    return ReadinessResponse(status=status, checks=dict(zip(probes, results, strict=True)))


async def warn_unreachable(probes: Mapping[str, Probe], seconds: float) -> list[str]:
    """At start-up: one warning for each dependency that does not answer, naming where it was
    looked for (never credentials); the names of those. The service starts anyway, and
    readiness answers 503 until they answer."""

    async def unreachable(name: str, probe: Probe) -> str | None:
        try:
            async with asyncio.timeout(seconds):
                await probe.check()
        except Exception as exc:  # any failure: say so, start anyway
            logger.warning(
                "The %s at %s is not reachable (%s): starting anyway, readiness answers 503 "
                "until it is",
                name,
                probe.address,
                type(exc).__name__,
            )
            return name
        return None

    found = await asyncio.gather(*(unreachable(name, probe) for name, probe in probes.items()))
    return [name for name in found if name is not None]
