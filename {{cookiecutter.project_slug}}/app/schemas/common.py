"""Schemas shared by every resource: errors and pagination."""

from pydantic import BaseModel, Field

MAX_PAGE_SIZE = 100


class ErrorResponse(BaseModel):
    detail: str

    model_config = {"json_schema_extra": {"examples": [{"detail": "Not found"}]}}


class Pagination(BaseModel):
    """Query parameters of a paginated list."""

    limit: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE, description="Items per page")
    offset: int = Field(default=0, ge=0, le=1_000_000, description="Items to skip")


class Page[ItemT](BaseModel):
    items: list[ItemT]
    total: int = Field(description="Items in the whole list, across pages")
    limit: int
    offset: int
