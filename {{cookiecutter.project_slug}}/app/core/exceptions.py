"""Application errors and the handlers that turn every error into a JSON body.

Services raise these; each carries its HTTP status, so endpoints stay free of error mapping.
"""

import logging

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from app.core.logging import request_id_var
from app.core.middleware import SECURITY_HEADERS

logger = logging.getLogger(__name__)


class AppError(Exception):
    """An error the client can act on; services raise it, handlers render it."""

    status_code = status.HTTP_400_BAD_REQUEST
    detail = "Bad request"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.detail
        super().__init__(self.detail)

    @property
    def headers(self) -> dict[str, str]:
        return {}


class AuthenticationError(AppError):
    """Missing, invalid, expired or revoked credentials."""

    status_code = status.HTTP_401_UNAUTHORIZED
    detail = "Could not validate credentials"

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class PermissionDeniedError(AppError):
    status_code = status.HTTP_403_FORBIDDEN
    detail = "Not enough permissions"


class NotFoundError(AppError):
    status_code = status.HTTP_404_NOT_FOUND
    detail = "Not found"


class ConflictError(AppError):
    status_code = status.HTTP_409_CONFLICT
    detail = "Conflict"


class RateLimitedError(AppError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    detail = "Too many attempts: try again later"

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = max(retry_after, 1)

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ServiceUnavailableError(AppError):
    """A dependency is down or saturated: the client may retry after a while."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    detail = "Service unavailable: try again shortly"

    def __init__(self, detail: str | None = None, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = max(retry_after, 1)

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


async def app_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)  # noqa: S101  # registered for AppError only
    return JSONResponse(
        status_code=exc.status_code, content={"detail": exc.detail}, headers=exc.headers
    )


async def unhandled_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Log the stack trace server-side; the client only learns that something failed."""
    logger.exception("Unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        content={"detail": "Internal server error"},
        # This response bypasses the middleware stack, so it gets the headers here.
        headers={**SECURITY_HEADERS, "X-Request-ID": request_id_var.get()},
    )


def register_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, app_error_handler)
    app.add_exception_handler(Exception, unhandled_error_handler)
