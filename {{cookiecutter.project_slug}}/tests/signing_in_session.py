"""How the tests sign in as a non-browser client: `/auth/token`, then the session token as
`Authorization: Bearer` (browser sign-in, with cookies and CSRF, has tests of its own)."""

from collections.abc import Mapping
from typing import Any

LOGIN = "/api/v1/auth/token"


def bearer(tokens: Mapping[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['session_token']}"}


def logout_request(tokens: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of `POST /auth/logout` that end this sign-in."""
    return {"headers": bearer(tokens)}
