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
