"""Pure ASGI middleware: cheap per request, and they never buffer a response."""

import logging
import re
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import request_id_var

# Sent on every response, errors included (see UnhandledErrorMiddleware).
SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
# The interactive docs run their own scripts and styles, served from /docs/assets (no CDN);
# ReDoc renders in a worker it makes from a blob.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'"
)
HSTS = "max-age=63072000; includeSubDomains"
# A caller's X-Request-ID is kept only when it is short and made of safe characters;
# anything else is replaced, so that a log line cannot be forged or bloated through it.
REQUEST_ID_PATTERN = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
REQUEST_ID_HEADER = b"x-request-id"

access_logger = logging.getLogger("app.access")
error_logger = logging.getLogger("app.errors")


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]


class SecurityHeadersMiddleware:
    """Append the security headers to every response, and `Cache-Control: no-store` under the
    given path prefixes (tokens, accounts); encoded once, at start-up."""

    def __init__(
        self,
        app: ASGIApp,
        docs_paths: frozenset[str] = frozenset(),
        no_store_prefixes: tuple[str, ...] = (),
        *,
        always_hsts: bool = False,
    ) -> None:
        self.app = app
        # In production HSTS goes on every response: TLS usually ends at a proxy, so the app
        # may see http, and browsers ignore the header on a plain HTTP response anyway.
        self.always_hsts = always_hsts
        self.docs_paths = docs_paths
        self.no_store_prefixes = no_store_prefixes
        self.headers = _raw(SECURITY_HEADERS)
        self.docs_headers = _raw({**SECURITY_HEADERS, "Content-Security-Policy": DOCS_CSP})
        self.no_store = _raw({"Cache-Control": "no-store"})
        self.hsts = _raw({"Strict-Transport-Security": HSTS})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        extra = self.docs_headers if path in self.docs_paths else self.headers
        if self.no_store_prefixes and path.startswith(self.no_store_prefixes):
            extra = extra + self.no_store
        if self.always_hsts or scope.get("scheme") == "https":
            extra = extra + self.hsts

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", ())}
                message["headers"] = [
                    *message.get("headers", ()),
                    *(header for header in extra if header[0] not in present),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeLimitMiddleware:
    """Refuse request bodies above a cap with 413, whether announced or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await self._refuse(send)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(status_code=413, detail="Request body too large")
            return message

        await self.app(scope, limited_receive, send)

    @staticmethod
    async def _refuse(send: Send) -> None:
        body = b'{"detail":"Request body too large"}'
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class RequestContextMiddleware:
    """Give each request an id (kept from X-Request-ID when valid, returned in the response)
    and write one access log line: method, path, status, duration. Never the query string
    or any header value other than the request id: they may carry tokens."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = b""
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                if REQUEST_ID_PATTERN.fullmatch(value):
                    request_id = value
                break
        if not request_id:
            request_id = uuid.uuid4().hex.encode()
        token = request_id_var.set(request_id.decode())
        status = 500

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except BaseException:
            self._log(scope, status, time.perf_counter() - started)
            # The id stays set: the error handler outside this middleware logs the
            # traceback and answers the 500 under it (each request runs in its own task).
            raise
        self._log(scope, status, time.perf_counter() - started)
        request_id_var.reset(token)

    @staticmethod
    def _log(scope: Scope, status: int, seconds: float) -> None:
        if not access_logger.isEnabledFor(logging.INFO):
            return
        path: str = scope["path"]
        if not path.isprintable():  # a decoded %0A must not start a forged log line
            path = path.encode("unicode_escape").decode("ascii")
        client = scope.get("client")
        duration_ms = round(seconds * 1000, 2)
        access_logger.info(
            "%s %s %d %.2fms",
            scope["method"],
            path,
            status,
            duration_ms,
            extra={
                "method": scope["method"],
                "path": path,
                "status": status,
                "duration_ms": duration_ms,
                "client": client[0] if client else None,
            },
        )


class UnhandledErrorMiddleware:
    """The innermost middleware: an exception no handler took becomes one log record (with the
    request id, as every record of the request) and a generic JSON 500 that leaves through the
    other middleware (CORS, security headers, request id) like any answer. Nothing is raised
    to the server, whose own log (uvicorn.error) would repeat the traceback, and the client
    learns only that something failed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracking_start)
        except Exception:
            error_logger.exception("Unhandled error on %s %s", scope["method"], scope["path"])
            if started:  # too late for a 500: the server ends the cut-off answer
                return
            response = JSONResponse(status_code=500, content={"detail": "Internal server error"})
            await response(scope, receive, send)
