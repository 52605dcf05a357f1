"""Application settings, read from the environment and `.env` and validated at start-up.

Each concern has its own part in `app/core/settings/`, with its own validators; `Settings`
composes the parts of this project into the one object the app uses. Every unsafe value is
reported at once (see `settings/base.py`).
"""

from functools import lru_cache

from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

{% for part in cookiecutter | parts("settings") | sort(attribute="module") -%}
from {{ part.module }} import {{ part.name }}
{% endfor %}
# The path prefix of version 1 of the API. Not a setting: clients and the docs depend on it.
API_V1_PREFIX = "/api/v1"


class Settings(
{%- for part in cookiecutter | parts("settings") %}
    {{ part.name }},
{%- endfor %}
):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=True,
        # Errors name the variable, never echo its value: it may be a secret.
        hide_input_in_errors=True,
    )


class InvalidSettingsError(RuntimeError):
    """Raised at start-up with one line per wrong value, and no stack of validator frames."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = [
            f"{'.'.join(map(str, error['loc'])) or 'settings'}: {error['msg']}"
            for error in exc.errors(include_url=False)
        ]
        raise InvalidSettingsError(
            "invalid settings (environment or .env):\n" + "\n".join(problems)
        ) from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()
