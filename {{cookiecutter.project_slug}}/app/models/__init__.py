"""Every model is imported here, so that `Base.metadata` knows all tables (Alembic reads it)."""
{% if cookiecutter.enable_email %}
from app.models.action_token import ActionToken
{%- endif %}
from app.models.base import Base
{%- if cookiecutter.auth_mode == "jwt" %}
from app.models.refresh_token import RefreshToken, RefreshTokenFamily
{%- elif cookiecutter.auth_mode == "session" %}
from app.models.session import UserSession
{%- endif %}
{%- if cookiecutter.auth_mode != "none" %}
from app.models.user import User
{%- endif %}

__all__ = [
{%- if cookiecutter.enable_email %}
    "ActionToken",
{%- endif %}
    "Base",
{%- if cookiecutter.auth_mode == "jwt" %}
    "RefreshToken",
    "RefreshTokenFamily",
{%- endif %}
{%- if cookiecutter.auth_mode != "none" %}
    "User",
{%- endif %}
{%- if cookiecutter.auth_mode == "session" %}
    "UserSession",
{%- endif %}
]
