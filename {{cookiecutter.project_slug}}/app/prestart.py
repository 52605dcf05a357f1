"""Run once before each release starts: wait for the database, then apply the migrations.

`python -m app.prestart`, from the project root (scripts/prestart.sh runs it). It waits up to
DB_WAIT_SECONDS (default 60) seconds and names the database it waited for, never its password.
"""

import asyncio
import os
import sys

from alembic import command
from alembic.config import Config

from app.core.config import InvalidSettingsError, get_settings
from app.core.database import wait_for_database


def main() -> int:
    try:
        settings = get_settings()
    except InvalidSettingsError as exc:
        print(f"prestart: {exc}", file=sys.stderr)  # noqa: T201  # a CLI speaks on stderr
        return 1
    seconds = float(os.environ.get("DB_WAIT_SECONDS", "60"))
    print(f"prestart: waiting for the database (up to {seconds:g} s)")  # noqa: T201
    try:
        asyncio.run(wait_for_database(settings, seconds))
    except TimeoutError as exc:
        print(f"prestart: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    print("prestart: alembic upgrade head")  # noqa: T201
    command.upgrade(Config("alembic.ini"), "head")
    return 0


if __name__ == "__main__":
    sys.exit(main())
