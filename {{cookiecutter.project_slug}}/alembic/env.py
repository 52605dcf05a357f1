"""Alembic environment: async engine, URL from the application settings, models for autogenerate."""

import asyncio
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.config import get_settings
from app.models import Base
from app.models.types import UTCDateTime

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def database_url() -> str:
    """An URL set on the Alembic config (tests do that) wins over the settings."""
    return config.get_main_option("sqlalchemy.url") or get_settings().DATABASE_URL


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Keep migrations plain SQLAlchemy: a UTCDateTime column is a timestamptz column."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
{%- if cookiecutter.task_queue != "none" and not cookiecutter.use_redis %}


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """The job queue's own tables (saq_*, created by the worker) are not the models'."""
    return not (type_ == "table" and name is not None and name.startswith("saq_"))
{%- endif %}


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (`alembic upgrade head --sql`)."""
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        compare_type=True,
        render_item=render_item,
{%- if cookiecutter.task_queue != "none" and not cookiecutter.use_redis %}
        include_name=include_name,
{%- endif %}
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_item=render_item,
{%- if cookiecutter.task_queue != "none" and not cookiecutter.use_redis %}
        include_name=include_name,
{%- endif %}
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_async_engine(database_url(), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
