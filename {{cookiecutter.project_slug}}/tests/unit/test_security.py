"""Password hashing, the password rules, opaque tokens and the client address."""

import asyncio
import base64
import hashlib
import ipaddress
import re
import threading
import time

import pytest

from app.core import passwords
from app.core.passwords import HashingBusyError, PasswordHasher, check_new_password, needs_rehash
from app.core.proxies import client_ip
from app.core.tokens import hash_opaque_token, new_opaque_token


def hasher(concurrency: int = 2, queue: int = 8) -> PasswordHasher:
    return PasswordHasher(rounds=4, concurrency=concurrency, queue=queue)


async def test_hash_verifies_only_the_same_password() -> None:
    hashed = await hasher().hash("correct horse battery")
    assert hashed.startswith("$2b$04$")
    assert await hasher().verify("correct horse battery", hashed)
    assert not await hasher().verify("correct horse batterY", hashed)


async def test_the_same_password_hashes_differently_each_time() -> None:
    assert await hasher().hash("same password") != await hasher().hash("same password")


async def test_passwords_over_72_bytes_never_verify_and_never_raise() -> None:
    hashed = await hasher().hash("€" * 24)  # 72 bytes: the longest allowed
    assert await hasher().verify("€" * 24, hashed)
    assert not await hasher().verify("€" * 25, hashed)  # 75 bytes: bcrypt 5 would raise


async def test_a_malformed_hash_never_verifies() -> None:
    assert not await hasher().verify("anything", "not a bcrypt hash")


class SlowChecks:
    """Stands in for bcrypt: each check takes a while; records the most running at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.running = self.most = 0
        self.lock = threading.Lock()

    def __call__(self, password: str, hashed: str) -> bool:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
        return False


async def test_hashing_runs_a_bounded_number_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    slow = SlowChecks(0.05)
    monkeypatch.setattr(passwords, "_check", slow)
    bounded = hasher(concurrency=2, queue=100)
    await asyncio.gather(*(bounded.verify("p", "h") for _ in range(12)))
    assert slow.most == 2


async def test_past_the_queue_callers_get_503_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_check", SlowChecks(0.2))
    bounded = hasher(concurrency=1, queue=2)
    results = await asyncio.gather(
        *(bounded.verify("p", "h") for _ in range(6)), return_exceptions=True
    )
    refused = [result for result in results if isinstance(result, HashingBusyError)]
    assert len(refused) == 3  # one running, two waiting, the rest turned away
    assert refused[0].status_code == 503
    assert refused[0].headers == {"Retry-After": "1"}
    assert results.count(False) == 3


async def test_without_a_queue_a_free_slot_is_still_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_check", SlowChecks(0.2))
    unqueued = hasher(concurrency=1, queue=0)
    results = await asyncio.gather(
        *(unqueued.verify("p", "h") for _ in range(3)), return_exceptions=True
    )
    assert results[0] is False
    assert [type(result) for result in results[1:]] == [HashingBusyError] * 2


async def test_a_caller_that_gives_up_keeps_its_slot_until_bcrypt_is_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slow = SlowChecks(0.2)
    monkeypatch.setattr(passwords, "_check", slow)
    bounded = hasher(concurrency=1, queue=4)
    abandoned = asyncio.create_task(bounded.verify("p", "h"))
    await asyncio.sleep(0.05)
    abandoned.cancel()
    await bounded.verify("p", "h")  # waits for the abandoned thread's slot
    assert slow.most == 1


def test_rehash_is_needed_when_the_cost_changed() -> None:
    hashed = "$2b$04$" + "a" * 53
    assert not needs_rehash(hashed, 4)
    assert needs_rehash(hashed, 12)
    assert needs_rehash("garbage", 4)
    assert needs_rehash("$2b$xx$" + "a" * 53, 4)  # a cost that is no number


TOO_LONG = "Password must be at most 72 bytes in UTF-8"
TOO_SHORT = "Password must be at least 8 characters"
TOO_COMMON = "This password is too common: choose another one"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("€" * 25, TOO_LONG),
        ("x" * 73, TOO_LONG),
        ("short", TOO_SHORT),
        ("k7#Qm2v", TOO_SHORT),  # 7 characters: one too few
        ("€€€€€€€", TOO_SHORT),  # 21 bytes, but 7 characters
        ("Password123", TOO_COMMON),
        ("qwertyuiop", TOO_COMMON),
    ],
)
def test_new_password_rules(password: str, message: str) -> None:
    """The messages are shown to the user as they are (422): each is checked whole."""
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_new_password(password)


def test_an_unusual_password_of_exactly_8_characters_is_accepted() -> None:
    assert check_new_password("k7#Qm2vZ") == "k7#Qm2vZ"


def test_a_long_unusual_password_is_accepted() -> None:
    assert check_new_password("€" * 24) == "€" * 24
    assert check_new_password("x" * 72) == "x" * 72


def test_opaque_tokens_are_256_random_bits_and_hash_to_their_sha256() -> None:
    """What is stored of them is tested where they are stored (integration tests)."""
    tokens = {new_opaque_token() for _ in range(100)}
    assert len(tokens) == 100
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 32 bytes, URL-safe base64
        assert len(base64.urlsafe_b64decode(token + "=")) == 32
        assert hash_opaque_token(token) == hashlib.sha256(token.encode()).hexdigest()


PROXY = [ipaddress.ip_network("10.0.0.0/8")]


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.9", [], [], "203.0.113.9"),
        # Not from a trusted proxy: the header is the client's own words.
        ("203.0.113.9", ["198.51.100.1"], [], "203.0.113.9"),
        ("203.0.113.9", ["198.51.100.1"], PROXY, "203.0.113.9"),
        # Through a trusted proxy: the hop it added.
        ("10.0.0.2", ["198.51.100.1"], PROXY, "198.51.100.1"),
        # The client prepended a fake hop: the proxy's own entry (rightmost) wins.
        ("10.0.0.2", ["1.2.3.4, 198.51.100.1"], PROXY, "198.51.100.1"),
        # Two trusted proxies in a row.
        ("10.0.0.2", ["198.51.100.1, 10.0.0.3"], PROXY, "198.51.100.1"),
        # Garbage added by the client behind the proxy: the proxy's address is used.
        ("10.0.0.2", ["not-an-ip"], PROXY, "10.0.0.2"),
        (None, [], PROXY, "unknown"),
    ],
)
def test_client_ip(
    peer: str | None,
    forwarded: list[str],
    trusted: list[ipaddress.IPv4Network],
    expected: str,
) -> None:
    assert client_ip(peer, forwarded, trusted) == expected
