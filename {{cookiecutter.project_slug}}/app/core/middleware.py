"""The app's middleware: one pure ASGI layer, cheap per request, that never buffers a response."""

import logging
import random
import re
import time
from collections.abc import Sequence
from itertools import product

from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import request_id_var

# Sent on every response, errors included.
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


def _read_headers(scope: Scope) -> tuple[bytes, bytes, bool]:
    """The request id (the caller's first X-Request-ID when valid, else a new one), the
    Content-Length (b"" when none) and whether an Origin was sent, in one pass."""
    request_id = b""
    length = b""
    cross_origin = False
    seen_id = False
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER and not seen_id:
            seen_id = True
            if REQUEST_ID_PATTERN.fullmatch(value):
                request_id = value
        elif name == b"content-length":
            length = value
        elif name == b"origin":
            cross_origin = True
    if not request_id:
        # Unique, not secret: a fast generator will do (reseeded in each forked worker).
        request_id = b"%032x" % random.getrandbits(128)
    return request_id, length, cross_origin


def _merge(
    headers: list[tuple[bytes, bytes]], present: set[bytes], extra: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """The answer's headers, then those of `extra` it did not set itself; where `extra` says
    `Vary: Origin` and the answer has a Vary of its own, Origin joins that one."""
    vary_origin = (b"vary", b"Origin") in extra
    merged = [
        (name, value + b", Origin") if vary_origin and name == b"vary" else (name, value)
        for name, value in headers
    ]
    return merged + [header for header in extra if header[0] not in present]


class EdgeMiddleware:
    """The one middleware every request passes, in a single pure ASGI layer (each layer costs
    every request a call and a `send` wrapper):

    - a request id, kept from X-Request-ID when valid, made otherwise, returned on the answer
      and set on every log record of the request;
    - the security headers on every answer, `Cache-Control: no-store` under the given path
      prefixes (tokens, accounts), HSTS over https (always, in production); encoded at start;
    - request bodies above `max_body_bytes` refused with 413, whether announced or streamed;
    - an exception no handler took becomes one log record and a generic JSON 500: nothing is
      raised to the server, whose own log (uvicorn.error) would repeat the traceback, and the
      client learns only that something failed;
    - one access log line: method, path, status, duration. Never the query string or any
      header value other than the request id: they may carry tokens.

    CORS, when origins are configured, runs inside it, and the 413 and 500 it answers itself
    pass through CORS like every other answer, so that a browser sees them.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        docs_paths: frozenset[str] = frozenset(),
        no_store_prefixes: tuple[str, ...] = (),
        always_hsts: bool = False,
        cors_origins: Sequence[str] = (),
        cors_allow_credentials: bool = False,
    ) -> None:
        self.cors_origins = list(cors_origins)
        self.cors_allow_credentials = cors_allow_credentials
        # A request without an Origin header is no cross-origin request: it skips CORS, and
        # its answer only says that it varies with Origin, as CORS would have said.
        self.app = app
        self.cors_app = self._with_cors(app)
        self.max_body_bytes = max_body_bytes
        self.docs_paths = docs_paths
        self.no_store_prefixes = no_store_prefixes
        # In production HSTS goes on every response: TLS usually ends at a proxy, so the app
        # may see http, and browsers ignore the header on a plain HTTP response anyway.
        self.always_hsts = always_hsts
        # Every combination of (docs page, no-store, HSTS, Vary: Origin), encoded once, with
        # the set of its names.
        self.headers: dict[
            tuple[bool, bool, bool, bool], tuple[list[tuple[bytes, bytes]], frozenset[bytes]]
        ] = {}
        for docs, no_store, hsts, vary in product((False, True), repeat=4):
            headers = {**SECURITY_HEADERS}
            if docs:
                headers["Content-Security-Policy"] = DOCS_CSP
            if no_store:
                headers["Cache-Control"] = "no-store"
            if hsts:
                headers["Strict-Transport-Security"] = HSTS
            if vary:
                headers["Vary"] = "Origin"
            raw = _raw(headers)
            self.headers[docs, no_store, hsts, vary] = (raw, frozenset(name for name, _ in raw))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]
        request_id, length, cross_origin = _read_headers(scope)
        app = self.cors_app if cross_origin else self.app
        vary_origin = not cross_origin and bool(self.cors_origins)
        extra, extra_names = self.headers[
            path in self.docs_paths,
            bool(self.no_store_prefixes) and path.startswith(self.no_store_prefixes),
            self.always_hsts or scope.get("scheme") == "https",
            vary_origin,
        ]
        token = request_id_var.set(request_id.decode())
        status = 500
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = list(message.get("headers", ()))
                present = {name for name, _ in headers}
                if present.isdisjoint(extra_names):
                    headers += extra
                else:  # the answer set some of them itself: its own values stay
                    headers = _merge(headers, present, extra)
                headers.append((REQUEST_ID_HEADER, request_id))
                message["headers"] = headers
            await send(message)

        try:
            if length.isdigit() and int(length) > self.max_body_bytes:
                answer = self._answer(413, "Request body too large", cors=not vary_origin)
                await answer(scope, receive, send_with_headers)
            else:
                # With a Content-Length the server delivers no more than it announced; without
                # one (chunked), the bytes are counted as they arrive.
                inner_receive = receive if length else self._limited(receive)
                await app(scope, inner_receive, send_with_headers)
        except Exception:
            error_logger.exception("Unhandled error on %s %s", scope["method"], path)
            if not response_started:  # else too late for a 500: the server ends the answer
                answer = self._answer(500, "Internal server error", cors=not vary_origin)
                await answer(scope, receive, send_with_headers)
        except BaseException:  # cancelled: logged, and left to the server
            self._log(scope, status, time.perf_counter() - started)
            raise
        self._log(scope, status, time.perf_counter() - started)
        request_id_var.reset(token)

    def _limited(self, receive: Receive) -> Receive:
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # Answered by the app's HTTPException handler, like any other error.
                    raise HTTPException(status_code=413, detail="Request body too large")
            return message

        return limited_receive

    def _answer(self, status: int, detail: str, *, cors: bool) -> ASGIApp:
        """An answer of the middleware's own, through CORS like the app's answers."""
        answer = JSONResponse(status_code=status, content={"detail": detail})
        return self._with_cors(answer) if cors else answer

    def _with_cors(self, app: ASGIApp) -> ASGIApp:
        if not self.cors_origins:
            return app
        return CORSMiddleware(
            app,
            allow_origins=self.cors_origins,
            allow_credentials=self.cors_allow_credentials,
            allow_methods=["*"],
            allow_headers=["*"],
        )

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
