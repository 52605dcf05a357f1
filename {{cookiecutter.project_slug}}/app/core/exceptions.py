"""Application errors and the handlers that turn every error into a JSON body.

Services raise these; each carries its HTTP status, so endpoints stay free of error mapping.
"""

import logging

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sql
from starlette.routing import Match

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
    """Missing, invalid, expired or revoked credentials. A bearer credential that was
    presented but does not work is an `invalid_token` in WWW-Authenticate (RFC 6750), so that
    a client knows to refresh or sign in again; other failures get the bare challenge."""

    status_code = status.HTTP_401_UNAUTHORIZED
    detail = "Could not validate credentials"

    def __init__(self, detail: str | None = None, *, invalid_token: bool = False) -> None:
        super().__init__(detail)
        self.invalid_token = invalid_token

    @property
    def headers(self) -> dict[str, str]:
        if not self.invalid_token:
            return {"WWW-Authenticate": "Bearer"}
        reason = self.detail.replace("\\", "").replace('"', "'")
        return {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{reason}"'}


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


# A backing service that refuses, drops or does not answer a connection, or a full pool.
UNAVAILABLE = (
    ConnectionError,
    TimeoutError,
    sql.TimeoutError,
    sql.OperationalError,
    sql.InterfaceError,
)


async def method_not_allowed_handler(request: Request, exc: Exception) -> JSONResponse:
    """405 with an `Allow` header that lists every method of the path (Starlette names only
    those of the first route that matched the path)."""
    allowed: set[str] = set()
    for route in request.app.router.routes:
        if route.matches(request.scope)[0] != Match.NONE:
            allowed |= getattr(route, "methods", None) or set()
    return JSONResponse(
        status_code=status.HTTP_405_METHOD_NOT_ALLOWED,
        content={"detail": "Method Not Allowed"},
        headers={"Allow": ", ".join(sorted(allowed))},
    )


async def unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    """503 with Retry-After, not 500: the request was fine and will work again."""
    logger.warning(
        "Service unavailable on %s %s: %s: %s",
        request.method,
        request.url.path,
        type(exc).__name__,
        str(exc).splitlines()[0][:200] if str(exc) else "",
    )
    error = ServiceUnavailableError()
    return JSONResponse(
        status_code=error.status_code, content={"detail": error.detail}, headers=error.headers
    )


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """422 saying what is wrong and where, without echoing what was sent: the body may hold a
    password or a token, and a log or a proxy may keep the answer."""
    assert isinstance(exc, RequestValidationError)  # noqa: S101  # registered for it only
    errors = [
        {key: value for key, value in error.items() if key != "input"} for error in exc.errors()
    ]
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": jsonable_encoder(errors)},
    )


def register_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, app_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(status.HTTP_405_METHOD_NOT_ALLOWED, method_not_allowed_handler)
    for error in UNAVAILABLE:
        app.add_exception_handler(error, unavailable_handler)
