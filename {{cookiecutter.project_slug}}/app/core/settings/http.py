"""The service itself: its name, the development server, logs, CORS and request limits."""

import json
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from app.core.settings.base import Refusal, SettingsPart


def comma_separated(value: object) -> object:
    """Accept `a,b` as well as a JSON list, as .env files usually hold the former."""
    if isinstance(value, str):
        if value.strip().startswith("["):
            return json.loads(value)
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class HttpSettings(SettingsPart):
    PROJECT_NAME: str = "{{ cookiecutter.project_name | py_str }}"
    VERSION: str = "{{ cookiecutter.version }}"
    DEBUG: bool = False

    HOST: str = "127.0.0.1"
    PORT: int = Field(default=8000, ge=1, le=65535)
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    CORS_ORIGINS: Annotated[list[str], NoDecode] = Field(default_factory=list)
    CORS_ALLOW_CREDENTIALS: bool = True

    HEALTH_CHECK_TIMEOUT: float = Field(default=2.0, gt=0)
    MAX_REQUEST_BODY_BYTES: int = Field(default=1_048_576, ge=1024)

    @field_validator("CORS_ORIGINS", mode="before")
    @classmethod
    def split_origins(cls, value: object) -> object:
        return comma_separated(value)

    def refusals(self) -> Iterator[Refusal]:
        yield from super().refusals()
        if "*" in self.CORS_ORIGINS and self.CORS_ALLOW_CREDENTIALS:
            yield Refusal(
                "CORS_ORIGINS",
                "'*' with CORS_ALLOW_CREDENTIALS=true lets any site act as the user: "
                "list the allowed origins explicitly",
            )
        if self.DEBUG and not self.is_development:
            yield Refusal("DEBUG", f"must be false in {self.ENVIRONMENT}")
        if self.is_production and self.CORS_ALLOW_CREDENTIALS:
            unsafe = [o for o in self.CORS_ORIGINS if o == "null" or o.startswith("http://")]
            if unsafe:
                yield Refusal(
                    "CORS_ORIGINS",
                    f"{', '.join(unsafe)} with CORS_ALLOW_CREDENTIALS=true would let pages "
                    "without TLS (or sandboxed ones) act as the user: use https:// origins",
                )
