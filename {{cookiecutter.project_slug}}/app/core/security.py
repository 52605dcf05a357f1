"""Passwords, opaque tokens, the client address and no-store responses.

What every way of signing in shares. bcrypt is slow on purpose, so it always runs in a
worker thread.
"""

import asyncio
import functools
import hashlib
import ipaddress
import secrets
from collections.abc import Sequence

import bcrypt
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# --- Passwords -------------------------------------------------------------------------

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


async def hash_password(password: str, rounds: int) -> str:
    return await asyncio.to_thread(_hash, password, rounds)


async def verify_password(password: str, hashed: str) -> bool:
    return await asyncio.to_thread(_check, password, hashed)


@functools.cache
def _dummy_hash(rounds: int) -> str:
    return _hash(secrets.token_urlsafe(16), rounds)


async def spend_password_check(password: str, rounds: int) -> None:
    """One bcrypt check against a throw-away hash, so that an unknown e-mail costs as much."""
    await asyncio.to_thread(_check, password, _dummy_hash(rounds))


def needs_rehash(hashed: str, rounds: int) -> bool:
    """True when the hash was made with another cost than the configured one."""
    parts = hashed.split("$")  # $2b$12$<salt and hash>
    return len(parts) != 4 or not parts[2].isdigit() or int(parts[2]) != rounds  # noqa: PLR2004


# --- Opaque tokens ---------------------------------------------------------------------


def new_opaque_token() -> str:
    """256 random bits, URL-safe. Only its hash is stored."""
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Client address and response caching -------------------------------------------------

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[IPNetwork]) -> str:
    """The socket peer; behind trusted proxies, the last X-Forwarded-For hop they did not add.

    Hops are read right to left, as each proxy appends the address it saw: anything left of
    the first untrusted hop was written by the client and is ignored.
    """
    if peer is None:
        return "unknown"
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    current = peer
    for hop in [peer, *reversed(hops)]:
        try:
            address = ipaddress.ip_address(hop)
        except ValueError:
            return current
        current = str(address)
        if not any(address in network for network in trusted):
            return current
    return current


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response under the given paths (tokens, accounts)."""

    def __init__(self, app: ASGIApp, path_prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.path_prefixes = path_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.path_prefixes):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_no_store)
