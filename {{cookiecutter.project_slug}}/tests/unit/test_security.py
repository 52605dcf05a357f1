"""Password hashing, the password rules, JWT access tokens and the client address."""

import ipaddress
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from pydantic import SecretStr

from app.core.config import Settings
from app.core.security import (
    REQUIRED_CLAIMS,
    TokenKind,
    check_new_password,
    client_ip,
    create_access_token,
    decode_token,
    hash_opaque_token,
    hash_password,
    needs_rehash,
    new_opaque_token,
    token_audience,
    verify_password,
)

SECRET = "s" * 48


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, SECRET_KEY=SecretStr(SECRET), BCRYPT_ROUNDS=4, JWT_ISSUER="svc")


def claims(settings: Settings, **changes: Any) -> dict[str, Any]:
    """A complete, valid set of access-token claims; `None` removes one."""
    now = datetime.now(UTC)
    payload: dict[str, Any] = {
        "iss": settings.JWT_ISSUER,
        "aud": token_audience(settings, TokenKind.ACCESS),
        "sub": "42",
        "sid": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        "jti": uuid.uuid4().hex,
    }
    payload.update(changes)
    return {key: value for key, value in payload.items() if value is not None}


def sign(payload: dict[str, Any], key: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


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


def test_access_token_round_trip(settings: Settings) -> None:
    sid = uuid.uuid4()
    token = create_access_token(settings, user_id=7, sid=sid, now=datetime.now(UTC))
    decoded = decode_token(settings, token, TokenKind.ACCESS)
    assert decoded["sub"] == "7"
    assert decoded["sid"] == str(sid)
    assert decoded["iss"] == "svc"
    assert decoded["aud"] == "svc:access"
    assert decoded["exp"] - decoded["iat"] == 30 * 60
    assert set(REQUIRED_CLAIMS) <= set(decoded)


def test_a_valid_hand_made_token_decodes(settings: Settings) -> None:
    """The baseline of the failures below: only their one change makes them fail."""
    assert decode_token(settings, sign(claims(settings)), TokenKind.ACCESS)["sub"] == "42"


def test_expired_token_is_refused(settings: Settings) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    token = sign(claims(settings, iat=past, nbf=past, exp=past + timedelta(minutes=5)))
    with pytest.raises(jwt.ExpiredSignatureError):
        decode_token(settings, token, TokenKind.ACCESS)


def test_token_not_yet_valid_is_refused(settings: Settings) -> None:
    token = sign(claims(settings, nbf=datetime.now(UTC) + timedelta(minutes=1)))
    with pytest.raises(jwt.ImmatureSignatureError):
        decode_token(settings, token, TokenKind.ACCESS)


def test_tampered_payload_is_refused(settings: Settings) -> None:
    header, payload, signature = sign(claims(settings)).split(".")
    forged = sign(claims(settings, sub="1")).split(".")[1]
    assert forged != payload
    with pytest.raises(jwt.InvalidSignatureError):
        decode_token(settings, f"{header}.{forged}.{signature}", TokenKind.ACCESS)


def test_token_signed_with_another_key_is_refused(settings: Settings) -> None:
    with pytest.raises(jwt.InvalidSignatureError):
        decode_token(settings, sign(claims(settings), key="o" * 48), TokenKind.ACCESS)


def test_alg_none_is_refused(settings: Settings) -> None:
    token = jwt.encode(claims(settings), key=None, algorithm="none")
    with pytest.raises(jwt.InvalidAlgorithmError):
        decode_token(settings, token, TokenKind.ACCESS)


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_another_algorithm_is_refused(settings: Settings, algorithm: str) -> None:
    token = sign(claims(settings), key=SECRET * 2, algorithm=algorithm)
    with pytest.raises(jwt.InvalidAlgorithmError):
        decode_token(settings, token, TokenKind.ACCESS)


@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
def test_each_required_claim_is_required(settings: Settings, claim: str) -> None:
    with pytest.raises(jwt.MissingRequiredClaimError, match=claim):
        decode_token(settings, sign(claims(settings, **{claim: None})), TokenKind.ACCESS)


def test_wrong_issuer_is_refused(settings: Settings) -> None:
    with pytest.raises(jwt.InvalidIssuerError):
        decode_token(settings, sign(claims(settings, iss="someone-else")), TokenKind.ACCESS)


def test_wrong_audience_is_refused(settings: Settings) -> None:
    with pytest.raises(jwt.InvalidAudienceError):
        decode_token(settings, sign(claims(settings, aud="other-service")), TokenKind.ACCESS)


def test_a_token_of_another_kind_is_refused(settings: Settings) -> None:
    """Each kind has its own audience: a reset or refresh JWT is no access token."""
    for kind in ("refresh", "reset", "verify"):
        with pytest.raises(jwt.InvalidAudienceError):
            decode_token(settings, sign(claims(settings, aud=f"svc:{kind}")), TokenKind.ACCESS)


def test_a_numeric_subject_is_refused(settings: Settings) -> None:
    with pytest.raises(jwt.exceptions.InvalidSubjectError):
        decode_token(settings, sign(claims(settings, sub=42)), TokenKind.ACCESS)


def test_garbage_is_refused(settings: Settings) -> None:
    with pytest.raises(jwt.DecodeError):
        decode_token(settings, "not.a.jwt", TokenKind.ACCESS)


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
