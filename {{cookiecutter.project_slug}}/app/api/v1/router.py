"""Every v1 router, joined in one place with its prefix and tag."""

from fastapi import APIRouter, FastAPI

from app.api.v1.endpoints import {% if cookiecutter.auth_mode == "none" %}health{% else %}{% if cookiecutter.enable_email %}account, {% endif %}auth, health, users{% endif %}

# (router, path below the version prefix, OpenAPI tag)
ROUTERS: list[tuple[APIRouter, str, str]] = [
    (health.router, "/health", "health"),
{%- if cookiecutter.auth_mode != "none" %}
    (auth.router, "/auth", "auth"),
{%- if cookiecutter.enable_email %}
    (account.router, "/auth", "account"),
{%- endif %}
    (users.router, "/users", "users"),
{%- endif %}
]


def include_routers(app: FastAPI, prefix: str) -> None:
    """Include each router on the app itself, not through an intermediate v1 router:
    FastAPI matches included routers at request time, and every level costs throughput."""
    for router, path, tag in ROUTERS:
        app.include_router(router, prefix=f"{prefix}{path}", tags=[tag])
