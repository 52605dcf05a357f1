#!/bin/sh
# Run once before each release starts (a one-shot container or job, or by hand): wait for
{%- if cookiecutter.auth_mode != "none" %}
# the database, apply the migrations, then create the first superuser when
# FIRST_SUPERUSER_EMAIL and FIRST_SUPERUSER_PASSWORD are set.
{%- else %}
# the database, then apply the migrations.
{%- endif %}
# Settings come from the environment, as for the app (DATABASE_URL, {% if cookiecutter.auth_mode != "none" %}SECRET_KEY, {% endif %}...).
set -eu

echo "prestart: waiting for the database (up to ${DB_WAIT_SECONDS:-60} s)"
python - <<'PY'
import asyncio
import os
import sys

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.config import get_settings


async def wait_for_database() -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + float(os.environ.get("DB_WAIT_SECONDS", "60"))
    engine = create_async_engine(get_settings().DATABASE_URL)
    try:
        while True:
            try:
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
                return 0
            except Exception as exc:
                if loop.time() > deadline:
                    print(f"prestart: the database does not answer: {type(exc).__name__}: {exc}", file=sys.stderr)
                    return 1
                await asyncio.sleep(1)
    finally:
        await engine.dispose()


sys.exit(asyncio.run(wait_for_database()))
PY

echo "prestart: alembic upgrade head"
alembic upgrade head
{%- if cookiecutter.auth_mode != "none" %}

python -m app.cli create-superuser
{%- endif %}
echo "prestart: done"
