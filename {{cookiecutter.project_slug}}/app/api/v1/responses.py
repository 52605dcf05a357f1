"""Error answers for the OpenAPI schema, so that clients and fuzzers know every status."""

from typing import Any

from app.schemas.common import ErrorResponse

_ERRORS: dict[int, dict[str, Any]] = {
    400: {
        "model": ErrorResponse,
        "description": "The body could not be read (not UTF-8, or not the declared content type)",
    },
    401: {
        "model": ErrorResponse,
        "description": "Missing, invalid, expired or revoked credentials",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    },
    403: {"model": ErrorResponse, "description": "Not allowed for this account"},
    404: {"model": ErrorResponse, "description": "No such resource"},
    409: {"model": ErrorResponse, "description": "Conflicts with the current state"},
    429: {
        "model": ErrorResponse,
        "description": "Too many attempts",
        "headers": {
            "Retry-After": {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before trying again",
            }
        },
    },
}


def errors(*status_codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the documented error answers it may give."""
    return {code: _ERRORS[code] for code in status_codes}
