"""Administrative commands: `python -m app.cli create-superuser` and `python -m app.cli unlock`.

create-superuser reads FIRST_SUPERUSER_EMAIL and FIRST_SUPERUSER_PASSWORD (environment or
.env). Both unset: in a terminal it asks for them (the password hidden), elsewhere (a release
step) there is nothing to do, exit 0. Only one of them set: exit 1. Already there as a
superuser: nothing to do, exit 0. A weak or placeholder password, or an existing ordinary
account with that e-mail: exit 1; `create-superuser --promote EMAIL` makes an existing account
a superuser.

unlock clears the rate-limit counters of an account (`unlock ada@example.com`) or a client
address (`unlock 203.0.113.7`): after a lock-out in development, for instance.
"""

import argparse
import asyncio
import ipaddress
import sys
from collections.abc import Sequence
from getpass import getpass

from pydantic import SecretStr, ValidationError

from app.core.config import Settings, load_settings
from app.core.resources import Resources
from app.core.settings.accounts import PLACEHOLDER_SECRETS
from app.schemas.user import UserCreate
from app.services.rate_limit_service import account_key
from app.services.user_service import UserService

PLACEHOLDER_PASSWORDS = PLACEHOLDER_SECRETS | {"changethis", "change-this", "admin", "password"}


def fail(command: str, message: str) -> int:
    print(f"{command}: {message}", file=sys.stderr)  # noqa: T201  # a CLI speaks on stderr
    return 1


def say(command: str, message: str) -> None:
    print(f"{command}: {message}")  # noqa: T201


def in_a_terminal() -> bool:
    return sys.stdin.isatty()


def credentials(settings: Settings) -> tuple[str, SecretStr] | int:
    """The e-mail and password from the settings or, both unset, asked in a terminal; an exit
    status when there is nothing to do or the answers are refused."""
    email = settings.FIRST_SUPERUSER_EMAIL or ""
    password = settings.FIRST_SUPERUSER_PASSWORD or SecretStr("")
    if email and password.get_secret_value():
        return email, password
    if email or password.get_secret_value():
        unset = "FIRST_SUPERUSER_PASSWORD" if email else "FIRST_SUPERUSER_EMAIL"
        return fail("create-superuser", f"{unset} is not set: set both variables, or neither")
    if not in_a_terminal():
        say("create-superuser", "FIRST_SUPERUSER_EMAIL/PASSWORD unset, nothing to do")
        return 0
    email = input("E-mail: ").strip()
    secret = getpass("Password (hidden): ")
    if getpass("Password again: ") != secret:
        return fail("create-superuser", "the two passwords differ: nothing was created")
    return email, SecretStr(secret)


async def create_superuser(settings: Settings) -> int:
    given = credentials(settings)
    if isinstance(given, int):
        return given
    email, password = given
    secret = password.get_secret_value()
    if secret.lower() in PLACEHOLDER_PASSWORDS:
        return fail("create-superuser", "the password is a placeholder: choose a strong one")
    try:
        data = UserCreate(email=email, password=secret)
    except ValidationError as exc:
        reasons = "; ".join(f"{error['loc'][0]}: {error['msg']}" for error in exc.errors())
        return fail("create-superuser", f"refused ({reasons})")

    resources = Resources(settings)
    try:
        async with resources.sessionmaker() as db:
            users = UserService(db, resources)
            existing = await users.get_by_email(data.email)
            if existing is not None:
                if not existing.is_superuser:
                    return fail(
                        "create-superuser",
                        f"{data.email} exists but is not a superuser: make it one with "
                        f"`python -m app.cli create-superuser --promote {data.email}`",
                    )
                say("create-superuser", f"{data.email} already exists, nothing to do")
                return 0
            await users.create(data, is_superuser=True)
            say("create-superuser", f"created {data.email}")
            return 0
    finally:
        await resources.aclose()


async def promote(settings: Settings, email: str) -> int:
    resources = Resources(settings)
    try:
        async with resources.sessionmaker() as db:
            user = await UserService(db, resources).get_by_email(email.strip())
            if user is None:
                return fail("create-superuser", f"no account {email.strip().lower()}")
            user.is_superuser = True
            await db.commit()
            say("create-superuser", f"{user.email} is now a superuser")
            return 0
    finally:
        await resources.aclose()


async def unlock(settings: Settings, subject: str) -> int:
    resources = Resources(settings)
    try:
        if not resources.SHARED_COUNTERS:
            return fail(
                "unlock",
                "the counters live in each server process: restart the server to clear them",
            )
        try:
            await resources.limiter.unlock(ip=str(ipaddress.ip_address(subject)))
        except ValueError:
            email = subject.strip().lower()
            accounts = [account_key(email)]
            async with resources.sessionmaker() as db:
                user = await UserService(db, resources).get_by_email(email)
                if user is not None:  # some limits count per account id
                    accounts.append(str(user.id))
            await resources.limiter.unlock(accounts=accounts)
            subject = email
        say("unlock", f"unlocked {subject}")
        return 0
    finally:
        await resources.aclose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser(
        "create-superuser",
        help="create the first superuser from FIRST_SUPERUSER_EMAIL / FIRST_SUPERUSER_PASSWORD "
        "(asked for in a terminal when both are unset)",
    )
    create.add_argument("--promote", metavar="EMAIL", help="make this existing account a superuser")
    unlocking = commands.add_parser(
        "unlock", help="clear the rate-limit counters of an account or a client address"
    )
    unlocking.add_argument("subject", metavar="EMAIL|IP")
    arguments = parser.parse_args(argv)
    settings = load_settings()
    if arguments.command == "unlock":
        return asyncio.run(unlock(settings, arguments.subject))
    if arguments.promote:
        return asyncio.run(promote(settings, arguments.promote))
    return asyncio.run(create_superuser(settings))


if __name__ == "__main__":
    sys.exit(main())
