"""JWT access tokens: every way a token can be wrong is refused."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from app.core.config import Settings
from app.core.security import (
    REQUIRED_CLAIMS,
    Credential,
    TokenKind,
    create_access_token,
    decode_token,
    presented_credential,
    token_audience,
)
from tests.conftest import make_settings

SECRET = "s" * 48


@pytest.fixture
def settings() -> Settings:
    return make_settings(SECRET_KEY=SECRET, JWT_ISSUER="svc")


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


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_tokens_are_signed_with_the_configured_algorithm(algorithm: str) -> None:
    configured = make_settings(SECRET_KEY=SECRET * 2, JWT_ALGORITHM=algorithm)
    token = create_access_token(configured, user_id=7, sid=uuid.uuid4(), now=datetime.now(UTC))
    assert jwt.get_unverified_header(token)["alg"] == algorithm
    assert decode_token(configured, token, TokenKind.ACCESS)["sub"] == "7"


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


# Another service; this issuer without a kind; another kind of this issuer's tokens.
@pytest.mark.parametrize("audience", ["other-service", "svc", "svc:refresh", ["svc:accessx"]])
def test_wrong_audience_is_refused(settings: Settings, audience: str | list[str]) -> None:
    with pytest.raises(jwt.InvalidAudienceError):
        decode_token(settings, sign(claims(settings, aud=audience)), TokenKind.ACCESS)


def test_a_numeric_subject_is_refused(settings: Settings) -> None:
    with pytest.raises(jwt.exceptions.InvalidSubjectError):
        decode_token(settings, sign(claims(settings, sub=42)), TokenKind.ACCESS)


def test_garbage_is_refused(settings: Settings) -> None:
    with pytest.raises(jwt.DecodeError):
        decode_token(settings, "not.a.jwt", TokenKind.ACCESS)


async def test_a_request_without_a_token_presents_no_credential() -> None:
    """So that it is told "Not authenticated", not that an empty token is invalid."""
    assert await presented_credential(None) is None
    assert await presented_credential("") is None
    assert await presented_credential("a.b.c") == Credential("a.b.c")
