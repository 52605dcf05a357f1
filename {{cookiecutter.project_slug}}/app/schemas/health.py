"""Health check responses."""

from typing import Literal

from pydantic import BaseModel, JsonValue

ComponentStatus = Literal["ok", "unavailable"]
EXAMPLE_CHECKS: dict[str, JsonValue] = {"database": "ok"{% if cookiecutter.use_redis %}, "redis": "ok"{% endif %}}


class LivenessResponse(BaseModel):
    status: Literal["ok"] = "ok"


class ReadinessResponse(BaseModel):
    status: ComponentStatus
    checks: dict[str, ComponentStatus]

    model_config = {"json_schema_extra": {"examples": [{"status": "ok", "checks": EXAMPLE_CHECKS}]}}
