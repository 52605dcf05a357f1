"""Administrative commands: `python -m app.cli create-superuser`.

create-superuser reads FIRST_SUPERUSER_EMAIL and FIRST_SUPERUSER_PASSWORD (environment or
.env). Unset: nothing to do, exit 0. Already there as a superuser: nothing to do, exit 0.
A weak or placeholder password, or an existing ordinary account with that e-mail: exit 1.
"""

import argparse
import asyncio
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from app.core.config import Settings, load_settings
from app.core.resources import Resources
from app.core.settings.accounts import PLACEHOLDER_SECRETS
from app.schemas.user import UserCreate
from app.services.user_service import UserService

PLACEHOLDER_PASSWORDS = PLACEHOLDER_SECRETS | {"changethis", "change-this", "admin", "password"}


def fail(message: str) -> int:
    print(f"create-superuser: {message}", file=sys.stderr)  # noqa: T201  # a CLI speaks on stderr
    return 1


async def create_superuser(settings: Settings) -> int:
    email, password = settings.FIRST_SUPERUSER_EMAIL, settings.FIRST_SUPERUSER_PASSWORD
    if not email or password is None or not password.get_secret_value():
        print("create-superuser: FIRST_SUPERUSER_EMAIL/PASSWORD unset, nothing to do")  # noqa: T201
        return 0
    secret = password.get_secret_value()
    if secret.lower() in PLACEHOLDER_PASSWORDS:
        return fail("FIRST_SUPERUSER_PASSWORD is a placeholder: set a strong, unique password")
    try:
        data = UserCreate(email=email, password=secret)
    except ValidationError as exc:
        reasons = "; ".join(f"{error['loc'][0]}: {error['msg']}" for error in exc.errors())
        return fail(f"refused ({reasons})")

    resources = Resources(settings)
    try:
        async with resources.sessionmaker() as db:
            users = UserService(db, resources)
            existing = await users.get_by_email(data.email)
            if existing is not None:
                if not existing.is_superuser:
                    return fail(
                        f"{data.email} exists but is not a superuser: promote it through the API"
                    )
                print(f"create-superuser: {data.email} already exists, nothing to do")  # noqa: T201
                return 0
            await users.create(data, is_superuser=True)
            print(f"create-superuser: created {data.email}")  # noqa: T201
            return 0
    finally:
        await resources.aclose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "create-superuser",
        help="create the first superuser from FIRST_SUPERUSER_EMAIL / FIRST_SUPERUSER_PASSWORD",
    )
    parser.parse_args(argv)
    return asyncio.run(create_superuser(load_settings()))


if __name__ == "__main__":
    sys.exit(main())
