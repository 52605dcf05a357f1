"""The database: PostgreSQL through asyncpg (SQLite only for `make try`), and its pool."""

from collections.abc import Iterator

from pydantic import Field, field_validator

from app.core.settings.base import Refusal, SettingsPart


class DatabaseSettings(SettingsPart):
    DATABASE_URL: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/{{ cookiecutter.project_slug }}"
    DB_POOL_SIZE: int = Field(default=10, ge=1)
    DB_MAX_OVERFLOW: int = Field(default=10, ge=0)
    DB_POOL_TIMEOUT: float = Field(default=10.0, gt=0)
    DB_POOL_RECYCLE: int = Field(default=1800, ge=-1)
    # Seconds to open a connection, and for one statement: a database that stops answering
    # gives 503 after these, never a request that hangs.
    DB_CONNECT_TIMEOUT: float = Field(default=5.0, gt=0)
    DB_COMMAND_TIMEOUT: float = Field(default=30.0, gt=0)
    DB_ECHO: bool = False

    @field_validator("DATABASE_URL")
    @classmethod
    def async_driver(cls, value: str) -> str:
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError(
                "DATABASE_URL must use an async driver: postgresql+asyncpg://user:password@host:5432/db"
            )
        return value

    def refusals(self) -> Iterator[Refusal]:
        yield from super().refusals()
        if self.is_production and self.DATABASE_URL.startswith("sqlite"):
            yield Refusal(
                "DATABASE_URL",
                "SQLite is only for `make try`: use postgresql+asyncpg:// in production",
            )
