"""How the tests sign in: JSON login, then the access token as `Authorization: Bearer`."""

from collections.abc import Mapping
from typing import Any

LOGIN = "/api/v1/auth/login"


def bearer(tokens: Mapping[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def logout_request(tokens: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of `POST /auth/logout` that end this sign-in."""
    return {"json": {"refresh_token": tokens["refresh_token"]}}
