"""Health check responses."""

from typing import Literal

from pydantic import Field

from app.schemas.common import Schema

ComponentStatus = Literal["ok", "unavailable"]


class LivenessResponse(Schema):
    status: Literal["ok"] = "ok"


class ReadinessResponse(Schema):
    status: ComponentStatus
    checks: dict[str, ComponentStatus] = Field(examples=[{"database": "ok"}])
