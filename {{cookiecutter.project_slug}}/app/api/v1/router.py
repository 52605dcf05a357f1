"""Every v1 router, joined in one place with its prefix and tag."""

from fastapi import APIRouter

from app.api.v1.endpoints import {% if cookiecutter.auth_mode == "none" %}health{% else %}{% if cookiecutter.enable_email %}account, {% endif %}auth, health, users{% endif %}

api_router = APIRouter()
api_router.include_router(health.router, prefix="/health", tags=["health"])
{%- if cookiecutter.auth_mode != "none" %}
api_router.include_router(auth.router, prefix="/auth", tags=["auth"])
{%- if cookiecutter.enable_email %}
api_router.include_router(account.router, prefix="/auth", tags=["account"])
{%- endif %}
api_router.include_router(users.router, prefix="/users", tags=["users"])
{%- endif %}
