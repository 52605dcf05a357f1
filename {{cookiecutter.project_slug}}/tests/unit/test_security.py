"""Password hashing, the password rules, opaque tokens and the client address."""

import ipaddress

import pytest

from app.core.passwords import check_new_password, hash_password, needs_rehash, verify_password
from app.core.proxies import client_ip
from app.core.tokens import hash_opaque_token, new_opaque_token


async def test_hash_verifies_only_the_same_password() -> None:
    hashed = await hash_password("correct horse battery", rounds=4)
    assert hashed.startswith("$2b$04$")
    assert await verify_password("correct horse battery", hashed)
    assert not await verify_password("correct horse batterY", hashed)


async def test_the_same_password_hashes_differently_each_time() -> None:
    assert await hash_password("same password", 4) != await hash_password("same password", 4)


async def test_passwords_over_72_bytes_never_verify_and_never_raise() -> None:
    hashed = await hash_password("€" * 24, rounds=4)  # 72 bytes: the longest allowed
    assert await verify_password("€" * 24, hashed)
    assert not await verify_password("€" * 25, hashed)  # 75 bytes: bcrypt 5 would raise


async def test_a_malformed_hash_never_verifies() -> None:
    assert not await verify_password("anything", "not a bcrypt hash")


def test_rehash_is_needed_when_the_cost_changed() -> None:
    hashed = "$2b$04$" + "a" * 53
    assert not needs_rehash(hashed, 4)
    assert needs_rehash(hashed, 12)
    assert needs_rehash("garbage", 4)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("€" * 25, "at most 72 bytes"),
        ("x" * 73, "at most 72 bytes"),
        ("short", "at least 8 characters"),
        ("Password123", "too common"),
        ("qwertyuiop", "too common"),
    ],
)
def test_new_password_rules(password: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_new_password(password)


def test_a_long_unusual_password_is_accepted() -> None:
    assert check_new_password("€" * 24) == "€" * 24
    assert check_new_password("x" * 72) == "x" * 72


def test_opaque_tokens_are_long_random_and_stored_hashed() -> None:
    token = new_opaque_token()
    assert len(token) >= 43  # 32 bytes = 256 bits, URL-safe base64
    assert token != new_opaque_token()
    assert hash_opaque_token(token) == hash_opaque_token(token)
    assert token not in hash_opaque_token(token)


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
