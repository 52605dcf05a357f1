"""Liveness (the process answers) and readiness (its dependencies answer)."""

from fastapi import APIRouter, Response, status

from app.api.v1.dependencies import AppResources
from app.schemas.health import LivenessResponse, ReadinessResponse
from app.services.health_service import check_readiness

router = APIRouter()


@router.get("/live")
async def live() -> LivenessResponse:
    """The process is up. No I/O: a slow database must not get the pod restarted."""
    return LivenessResponse()


@router.get(
    "/ready",
    responses={
        status.HTTP_503_SERVICE_UNAVAILABLE: {
            "model": ReadinessResponse,
            "description": "A dependency is down; `checks` names it.",
        }
    },
)
async def ready(response: Response, resources: AppResources) -> ReadinessResponse:
    """Every backing service answers within `HEALTH_CHECK_TIMEOUT` seconds."""
    result = await check_readiness(resources.probes(), resources.settings.HEALTH_CHECK_TIMEOUT)
    if result.status != "ok":
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return result
