"""Passwords: the rules for choosing one, and bcrypt.

bcrypt is slow on purpose, so it always runs in a worker thread, never on the event loop, and
a bounded number at a time (`PasswordHasher`).
"""

import asyncio
import functools
import secrets
from collections.abc import Callable

import bcrypt

from app.core.exceptions import ServiceUnavailableError

MIN_PASSWORD_LENGTH = 8
# bcrypt reads at most 72 bytes (bcrypt 5 raises beyond): longer passwords are refused, not cut.
MAX_PASSWORD_BYTES = 72
# The most common passwords of at least 8 characters (shorter ones fail the length rule anyway).
COMMON_PASSWORDS = frozenset(
    """
    password password1 password12 password123 password1234 passw0rd p@ssw0rd p@ssword
    12345678 123456789 1234567890 0123456789 11111111 00000000 12341234 87654321 123123123
    qwertyui qwertyuiop qwerty123 qwerty1234 1q2w3e4r 1q2w3e4r5t 1qaz2wsx zaq12wsx
    asdfghjk asdfghjkl zxcvbnm1 iloveyou iloveyou1 sunshine princess football baseball
    welcome1 welcome123 letmein1 trustno1 superman starwars whatever computer michelle
    jennifer corvette mercedes internet password! changeme changeme123 change-me
    changethis administrator admin123 admin1234 adminadmin rootroot secret123 default1
    abcd1234 abc12345 abcdefgh aa123456 a1234567 1234qwer qwer1234 q1w2e3r4 monkey123
    dragon123 master123 football1 baseball1 shadow123 michael1 charlie1 jordan23
    """.split()  # noqa: SIM905  # a word list reads best as words
)


def check_password_bytes(password: str) -> str:
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise ValueError(f"Password must be at most {MAX_PASSWORD_BYTES} bytes in UTF-8")
    return password


def check_new_password(password: str) -> str:
    """The rules for a password someone chooses: 8 characters to 72 bytes, not a common one."""
    check_password_bytes(password)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    if password.lower() in COMMON_PASSWORDS:
        raise ValueError("This password is too common: choose another one")
    return password


def _hash(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def _check(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), hashed.encode())
    except ValueError:  # over 72 bytes, or not a bcrypt hash: never a match
        return False


@functools.cache
def _dummy_hash(rounds: int) -> str:
    return _hash(secrets.token_urlsafe(16), rounds)


def _check_against_nothing(password: str, rounds: int) -> bool:
    return _check(password, _dummy_hash(rounds))


def needs_rehash(hashed: str, rounds: int) -> bool:
    """True when the hash was made with another cost than the configured one."""
    parts = hashed.split("$")  # $2b$12$<salt and hash>
    return len(parts) != 4 or not parts[2].isdigit() or int(parts[2]) != rounds  # noqa: PLR2004


class HashingBusyError(ServiceUnavailableError):
    detail = "Too many password checks at once: try again in a moment"


class PasswordHasher:
    """bcrypt in worker threads, at most `concurrency` at a time, with at most `queue` callers
    waiting for a turn. bcrypt is CPU-bound, so more threads would only slow every check down;
    past the queue, callers get 503 with Retry-After at once instead of waiting for minutes.
    Built once per process (see `AuthResources`); callers hold no database connection while
    they wait or hash."""

    def __init__(self, rounds: int, concurrency: int, queue: int) -> None:
        self.rounds = rounds
        self.queue = queue
        self._slots = asyncio.Semaphore(concurrency)
        self._waiting = 0

    async def hash(self, password: str) -> str:
        return await self._run(_hash, password, self.rounds)

    async def verify(self, password: str, hashed: str) -> bool:
        return await self._run(_check, password, hashed)

    async def spend(self, password: str) -> None:
        """One check against a throw-away hash, so that an unknown e-mail costs as much."""
        await self._run(_check_against_nothing, password, self.rounds)

    def needs_rehash(self, hashed: str) -> bool:
        return needs_rehash(hashed, self.rounds)

    async def _run[ResultT](self, work: Callable[..., ResultT], *arguments: object) -> ResultT:
        if self._slots.locked() and self._waiting >= self.queue:
            raise HashingBusyError(retry_after=1)
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        thread = asyncio.ensure_future(asyncio.to_thread(work, *arguments))
        # The slot stays taken until the thread is done, even if the caller gives up waiting.
        thread.add_done_callback(lambda _: self._slots.release())
        return await asyncio.shield(thread)
