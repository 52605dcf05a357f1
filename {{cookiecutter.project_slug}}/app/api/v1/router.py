"""Every v1 router, joined in one place with its prefix and tag."""

from typing import NamedTuple

from fastapi import APIRouter, FastAPI

from app.api.v1.endpoints import (
{%- if cookiecutter.__email %}
    account,
{%- endif %}
{%- if cookiecutter.auth_mode != "none" %}
    auth,
{%- endif %}
    health,
{%- if cookiecutter.auth_mode != "none" %}
    registration,
    users,
{%- endif %}
)
from app.core.config import API_V1_PREFIX


class Route(NamedTuple):
    router: APIRouter
    path: str  # below the version prefix
    tag: str  # the group in the OpenAPI schema
    # Answers carry `Cache-Control: no-store`: they hold tokens or account data.
    no_store: bool


ROUTES: list[Route] = [
    Route(health.router, "/health", "health", no_store=False),
{%- if cookiecutter.auth_mode != "none" %}
    Route(registration.router, "/auth", "auth", no_store=True),
    Route(auth.router, "/auth", "auth", no_store=True),
    Route(users.router, "/users", "users", no_store=True),
{%- endif %}
{%- if cookiecutter.__email %}
    Route(account.router, "/auth", "account", no_store=True),
{%- endif %}
]


def include_routers(app: FastAPI) -> None:
    """Include each router on the app itself, not through an intermediate v1 router:
    FastAPI matches included routers at request time, and every level costs throughput."""
    for route in ROUTES:
        app.include_router(route.router, prefix=API_V1_PREFIX + route.path, tags=[route.tag])


def no_store_prefixes() -> tuple[str, ...]:
    return tuple(API_V1_PREFIX + route.path for route in ROUTES if route.no_store)
