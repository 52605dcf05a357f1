"""Health check responses."""

from typing import Literal

from pydantic import BaseModel

ComponentStatus = Literal["ok", "unavailable"]


class LivenessResponse(BaseModel):
    status: Literal["ok"] = "ok"


class ReadinessResponse(BaseModel):
    status: ComponentStatus
    checks: dict[str, ComponentStatus]

    model_config = {
        "json_schema_extra": {
            "examples": [{"status": "ok", "checks": {"database": "ok", "redis": "ok"}}]
        }
    }
