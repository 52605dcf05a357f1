"""Session cookies, CSRF tokens, and how a request presents its session token.

Browsers get the token in a `__Host-` cookie: Secure, HttpOnly, SameSite=Lax, Path=/ and no
Domain, so scripts cannot read it and neither another site nor a subdomain can set it. Other
clients send the same token as `Authorization: Bearer <token>`.

Unsafe requests authenticated by the cookie must carry the CSRF token in `X-CSRF-Token` (a
signed double submit): the CSRF token is an HMAC of the session token under SECRET_KEY, handed
out at login in the body and in the readable `__Host-csrf` cookie. Another site can neither
read it nor compute it. Bearer requests need none: browsers never add that header on their own.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from app.core.config import Settings
from app.core.exceptions import PermissionDeniedError

SESSION_COOKIE = "__Host-session"
CSRF_COOKIE = "__Host-csrf"
CSRF_HEADER = "X-CSRF-Token"
# What a signed-in request may be refused with, for the OpenAPI schema: 403 when an unsafe
# request authenticated by cookie lacks the CSRF token.
CREDENTIAL_ERRORS = (401, 403)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# Missing credentials are reported by the current-user dependency, like any other bad one.
session_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description=f"Set by /auth/login. Unsafe requests also need the {CSRF_HEADER} header.",
)
bearer_scheme = HTTPBearer(
    auto_error=False, description="The session token from /auth/token, for non-browser clients."
)


class CsrfError(PermissionDeniedError):
    detail = f"Missing or invalid {CSRF_HEADER} header"


@dataclass(frozen=True)
class Credential:
    token: str
    from_cookie: bool


async def presented_credential(
    cookie: Annotated[str | None, Depends(session_cookie)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Credential | None:
    """The bearer token if there is one (it needs no CSRF token), else the cookie."""
    if bearer is not None:
        return Credential(bearer.credentials, from_cookie=False)
    if cookie:
        return Credential(cookie, from_cookie=True)
    return None


def csrf_token_for(settings: Settings, session_token: str) -> str:
    """Bound to the session: it changes with every login and means nothing elsewhere."""
    digest = hmac.digest(
        settings.SECRET_KEY.get_secret_value().encode(),
        b"csrf:" + session_token.encode(),
        hashlib.sha256,
    )
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def check_csrf(request: Request, settings: Settings, credential: Credential) -> None:
    """403 for an unsafe request authenticated by cookie without the session's CSRF token."""
    if not credential.from_cookie or request.method in SAFE_METHODS:
        return
    presented = request.headers.get(CSRF_HEADER, "")
    expected = csrf_token_for(settings, credential.token)
    # Bytes: compare_digest refuses non-ASCII str, and a header may hold anything.
    if not hmac.compare_digest(presented.encode(), expected.encode()):
        raise CsrfError


def set_session_cookies(response: Response, session_token: str, csrf_token: str) -> None:
    """Browser-session cookies (no Max-Age): the server enforces the timeouts."""
    response.set_cookie(
        SESSION_COOKIE, session_token, path="/", secure=True, httponly=True, samesite="lax"
    )
    response.set_cookie(
        CSRF_COOKIE, csrf_token, path="/", secure=True, httponly=False, samesite="lax"
    )


def clear_session_cookies(response: Response) -> None:
    # Browsers drop a __Host- cookie only with the same Secure and Path attributes.
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, path="/", secure=True, httponly=False, samesite="lax")
