"""The base of every schema, and schemas shared by every resource: errors and pagination."""

from pydantic import BaseModel, ConfigDict, Field

MAX_PAGE_SIZE = 100


class Schema(BaseModel):
    """Every request and response body. Examples sit on the fields (`Field(examples=...)`),
    so that the OpenAPI schema shows one for every property."""

    # Responses are built from ORM objects as well as from keyword arguments.
    model_config = ConfigDict(from_attributes=True)


class ErrorResponse(Schema):
    detail: str = Field(examples=["Not found"])


class Pagination(Schema):
    """Query parameters of a paginated list."""

    limit: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE, description="Items per page")
    offset: int = Field(default=0, ge=0, le=1_000_000, description="Items to skip")


class Page[ItemT](Schema):
    items: list[ItemT]
    total: int = Field(description="Items in the whole list, across pages")
    limit: int
    offset: int
