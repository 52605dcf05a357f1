"""Run once before each release starts: wait for the database, then apply the migrations.

`python -m app.prestart`, from the project root (scripts/prestart.sh runs it). It waits up to
DB_WAIT_SECONDS (default 60) seconds and names the database it waited for, never its password.
With `--create-database` (`make migrate`, `make dev`) it first creates the database when the
server has none of that name, and an unreachable server is one line at once.
"""

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from alembic import command
from alembic.config import Config
from sqlalchemy.exc import DBAPIError

from app.core.config import InvalidSettingsError, Settings, get_settings
from app.core.database import create_database_if_missing, database_address, wait_for_database


def fail(message: str) -> int:
    print(f"prestart: {message}", file=sys.stderr)  # noqa: T201  # a CLI speaks on stderr
    return 1


def create_database(settings: Settings) -> int | None:
    """Create the database when missing; an exit status when that failed."""
    address = database_address(settings)
    try:
        created = asyncio.run(create_database_if_missing(settings))
    except (OSError, TimeoutError) as exc:
        return fail(
            f"PostgreSQL is not reachable at {address.rpartition('/')[0]} "
            f"({type(exc).__name__}): start it, or point DATABASE_URL at it"
        )
    except DBAPIError as exc:
        reason = str(exc.orig).splitlines()[0] if str(exc.orig) else type(exc.orig).__name__
        return fail(f"PostgreSQL at {address} refused: {reason}; check DATABASE_URL")
    if created:
        print(f"prestart: created the database {address}")  # noqa: T201
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.prestart")
    parser.add_argument(
        "--create-database", action="store_true", help="create the database when it is missing"
    )
    arguments = parser.parse_args(argv)
    try:
        settings = get_settings()
    except InvalidSettingsError as exc:
        return fail(str(exc))
    if arguments.create_database and (failed := create_database(settings)) is not None:
        return failed
    seconds = float(os.environ.get("DB_WAIT_SECONDS", "60"))
    print(f"prestart: waiting for the database (up to {seconds:g} s)")  # noqa: T201
    try:
        asyncio.run(wait_for_database(settings, seconds))
    except TimeoutError as exc:
        return fail(str(exc))
    print("prestart: alembic upgrade head")  # noqa: T201
    command.upgrade(Config("alembic.ini"), "head")
    return 0


if __name__ == "__main__":
    sys.exit(main())
