"""JWT access tokens, and how a request presents one: `Authorization: Bearer <token>`.

Every decode names the one accepted algorithm, the issuer and the audience of the token's kind,
and requires every registered claim: PyJWT checks a claim only when it is required or present.
"""

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Annotated, Any

import jwt
from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from app.core.config import API_V1_PREFIX, Settings

# What a request signed in with a token may be refused with, for the OpenAPI schema.
CREDENTIAL_ERRORS = (401,)
CLOCK_SKEW_SECONDS = 5
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]
# Tokens whose signature and fixed claims this process has verified, most recent first.
VERIFIED_TOKENS = 4096


class TokenKind(StrEnum):
    """Each kind has its own audience: a token of one kind is refused as another."""

    ACCESS = "access"


def token_audience(settings: Settings, kind: TokenKind) -> str:
    return f"{settings.JWT_ISSUER}:{kind}"


def create_token(
    settings: Settings,
    *,
    kind: TokenKind,
    subject: str,
    expires_in: timedelta,
    now: datetime,
    claims: dict[str, Any] | None = None,
) -> str:
    payload = {
        **(claims or {}),
        "iss": settings.JWT_ISSUER,
        "aud": token_audience(settings, kind),
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + expires_in,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(
        payload, settings.SECRET_KEY.get_secret_value(), algorithm=settings.JWT_ALGORITHM
    )


def create_access_token(settings: Settings, *, user_id: int, sid: uuid.UUID, now: datetime) -> str:
    return create_token(
        settings,
        kind=TokenKind.ACCESS,
        subject=str(user_id),
        expires_in=timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES),
        now=now,
        claims={"sid": str(sid)},
    )


def decode_token(settings: Settings, token: str, kind: TokenKind) -> dict[str, Any]:
    """The verified claims; `jwt.InvalidTokenError` for anything wrong with the token.

    The signature and the fixed claims of a token are checked once (`verified_claims`); its
    times are checked on every call."""
    claims = dict(
        verified_claims(
            token,
            settings.SECRET_KEY.get_secret_value(),
            settings.JWT_ALGORITHM,
            settings.JWT_ISSUER,
            token_audience(settings, kind),
        )
    )
    now = time.time()
    # Hosts' clocks differ a little: a token issued "in the future" by a second is fine.
    if claims["exp"] <= now - CLOCK_SKEW_SECONDS:
        raise jwt.ExpiredSignatureError("Signature has expired")
    if claims["nbf"] > now + CLOCK_SKEW_SECONDS or claims["iat"] > now + CLOCK_SKEW_SECONDS:
        raise jwt.ImmatureSignatureError("The token is not yet valid")
    return claims


@lru_cache(maxsize=VERIFIED_TOKENS)
def verified_claims(
    token: str, key: str, algorithm: str, issuer: str, audience: str
) -> Mapping[str, Any]:
    """Signature, algorithm, issuer, audience and the presence of every registered claim, once
    per token and key: a token is sent again and again until it expires, and this is the
    costly part. Only tokens that pass are remembered (an exception is never cached)."""
    claims = jwt.decode(
        token,
        key,
        algorithms=[algorithm],
        issuer=issuer,
        audience=audience,
        options={
            "require": REQUIRED_CLAIMS,
            "verify_exp": False,
            "verify_nbf": False,
            "verify_iat": False,
        },
    )
    for claim in ("exp", "nbf", "iat"):
        if not isinstance(claims[claim], int | float) or isinstance(claims[claim], bool):
            raise jwt.InvalidTokenError(f"The {claim} claim must be a number")
    return MappingProxyType(claims)


# Swagger's "Authorize" button posts the OAuth2 password form to this URL. Missing tokens are
# reported by the current-user dependency, with the same body as any other bad token.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=f"{API_V1_PREFIX}/auth/token", auto_error=False)


@dataclass(frozen=True)
class Credential:
    """The access token a request presents."""

    token: str


async def presented_credential(
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Credential | None:
    return Credential(token) if token else None
