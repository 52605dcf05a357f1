"""Async SQLAlchemy: the engine (one connection pool per process), the session factory, and
the request's session (`request_session`)."""

import asyncio
import logging
from collections.abc import Callable
from functools import cached_property
from typing import Any

import anyio
from fastapi import FastAPI
from sqlalchemy import event, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.lifecycle import Probe, ResourcePart
from app.core.settings.database import DatabaseSettings

logger = logging.getLogger(__name__)


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    if settings.DATABASE_URL.startswith("sqlite"):
        engine = create_async_engine(settings.DATABASE_URL, echo=settings.DB_ECHO)
        # SQLite enforces foreign keys (and so ON DELETE CASCADE) only when asked, per connection.
        event.listen(engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    return create_async_engine(
        settings.DATABASE_URL,
        echo=settings.DB_ECHO,
        pool_size=settings.DB_POOL_SIZE,
        max_overflow=settings.DB_MAX_OVERFLOW,
        pool_timeout=settings.DB_POOL_TIMEOUT,
        # No pre-ping: it would cost a round trip on every checkout. Connections are recycled
        # after DB_POOL_RECYCLE seconds, and a connection found dead invalidates the whole
        # pool at once; the sign-in check retries on a fresh connection.
        pool_recycle=settings.DB_POOL_RECYCLE,
        connect_args={
            "timeout": settings.DB_CONNECT_TIMEOUT,
            "command_timeout": settings.DB_COMMAND_TIMEOUT,
        },
    )


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def database_address(settings: DatabaseSettings) -> str:
    """host:port/name of the database, for messages: never the user or the password."""
    url = make_url(settings.DATABASE_URL)
    if url.get_backend_name() == "sqlite":
        return url.database or "sqlite"
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def sqlstate(error: DBAPIError) -> str | None:
    """PostgreSQL's error code (e.g. 3D000: no such database), where the driver gives it."""
    for candidate in (error.orig, getattr(error.orig, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None)
        if isinstance(code, str):
            return code
    return None


async def create_database_if_missing(settings: DatabaseSettings) -> bool:
    """Create the database DATABASE_URL names when its PostgreSQL server answers without it;
    whether it did. An unreachable server raises `OSError`, a refusal `DBAPIError`."""
    url = make_url(settings.DATABASE_URL)
    if url.get_backend_name() != "postgresql" or not url.database:
        return False  # SQLite makes its file itself
    engine = create_async_engine(url)
    try:
        async with asyncio.timeout(10), engine.connect():
            return False
    except DBAPIError as exc:
        if sqlstate(exc) != "3D000":
            raise
    finally:
        await engine.dispose()
    server = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with asyncio.timeout(10), server.connect() as connection:
            name = url.database.replace('"', '""')
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await server.dispose()
    return True


async def wait_for_database(settings: DatabaseSettings, seconds: float) -> None:
    """Return once the database answers; `TimeoutError` naming it after `seconds`."""
    engine = create_async_engine(settings.DATABASE_URL)
    try:
        async with asyncio.timeout(seconds):
            while True:
                try:
                    async with engine.connect() as connection:
                        await connection.execute(text("SELECT 1"))
                except (OSError, DBAPIError):  # refused, starting up, or unknown for now
                    await asyncio.sleep(1)
                else:
                    return
    except TimeoutError:
        raise TimeoutError(
            f"the database at {database_address(settings)} did not answer within {seconds:g} s"
        ) from None
    finally:
        await engine.dispose()


# Where a request keeps its session slot (see RequestSessions).
DB_SLOT_KEY = "app.database_session"


class SessionSlot:
    """A request's database session, made on first use: a request that never asks for one
    (a cached sign-in check, a health probe) never builds one."""

    __slots__ = ("make", "session")

    def __init__(self, make: Callable[[], AsyncSession]) -> None:
        self.make = make
        self.session: AsyncSession | None = None

    def get(self) -> AsyncSession:
        if self.session is None:
            self.session = self.make()
        return self.session


class RequestSessions:
    """Pure ASGI: gives each request a session slot and closes the session, if one was made,
    once the app is done with the request (closing rolls back whatever was not committed).

    It replaces a `yield` dependency, which costs FastAPI far more per request, and lets a
    dependency take the session only on the paths that need it."""

    def __init__(self, app: ASGIApp, sessions: "DatabaseResources") -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        slot = SessionSlot(self.sessions.sessionmaker)
        scope[DB_SLOT_KEY] = slot
        try:
            await self.app(scope, receive, send)
        finally:
            if slot.session is not None:
                with anyio.CancelScope(shield=True):  # a cancelled request still hands back
                    await slot.session.close()  # its connection


def request_session(connection: HTTPConnection) -> AsyncSession:
    """The request's database session (one per request, made on first use)."""
    slot: SessionSlot | None = connection.scope.get(DB_SLOT_KEY)
    if slot is None:
        raise RuntimeError("no session slot: the app was not built by create_app")
    return slot.get()


class DatabaseResources(ResourcePart):
    @cached_property
    def engine(self) -> AsyncEngine:
        return create_engine(self.settings)

    @cached_property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        # Objects stay usable after commit: responses are built from them afterwards.
        return async_sessionmaker(self.engine, expire_on_commit=False)

    def install(self, app: FastAPI) -> None:
        super().install(app)
        app.add_middleware(RequestSessions, sessions=self)

    async def aclose(self) -> None:
        await super().aclose()
        if "engine" in self.__dict__:
            await self.engine.dispose()

    def probes(self) -> dict[str, Probe]:
        return {
            **super().probes(),
            "database": Probe(self._select_one, database_address(self.settings)),
        }

    async def _select_one(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
