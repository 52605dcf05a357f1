"""What checking a sign-in reads, without the request's transaction: the shared cache first
(where the project has one), else one query on a connection of its own.

Safe requests (GET, HEAD, OPTIONS) are checked here: they change nothing, so they need no
transaction, and most of them need no database at all. The shared cache holds two kinds of
records, each a value or a tombstone (see cache_service.py):
- the sign-in's own record: ending the sign-in writes its tombstone before that commits;
- the account's record (`user:<id>`, never the password hash): every commit that changes or
  deletes the account writes its tombstone first (`AccountSession`), so a deactivation, a
  password change or "log out everywhere" reaches every worker before it answers.
Values are added only where no key exists (a tombstone included), within one cache lifetime
of their read, and tombstones outlive them: the database decides, the cache only saves reads.
"""

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import chain
from typing import Any, Literal

from sqlalchemy import Select, event, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from app.models.types import UTCDateTime
from app.models.user import User
from app.services.cache_service import SharedCache

# Requests that change nothing: their sign-in is checked outside their transaction.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
USER_PREFIX = "user:"
# The session's `info` keys: the shared cache (or None), and the ids of the accounts its flushes changed or deleted.
SHARED_CACHE = "shared_cache"
CHANGED_USERS = "changed_user_ids"
# The account's columns a checked sign-in carries: everything but the password hash.
USER_COLUMNS = tuple(
    column.key for column in inspect(User).column_attrs if column.key != "hashed_password"
)
DATETIME_COLUMNS = frozenset(
    column.key for column in inspect(User).columns if isinstance(column.type, UTCDateTime)
)


def user_key(user_id: int) -> str:
    return f"{USER_PREFIX}{user_id}"


def user_record(user: User | Any) -> str:
    """The cached form of an account (a `User` or a row of USER_COLUMNS)."""
    values = {key: getattr(user, key) for key in USER_COLUMNS}
    for key in DATETIME_COLUMNS:
        if values[key] is not None:
            values[key] = values[key].isoformat()
    return json.dumps(values)


def user_from_record(value: str) -> User:
    """A `User` for reading only: it belongs to no database session."""
    values = json.loads(value)
    for key in DATETIME_COLUMNS:
        if values[key] is not None:
            values[key] = datetime.fromisoformat(values[key])
    return User(**values)


def user_from_row(row: Mapping[str, Any]) -> User:
    """A `User` for reading only, from a row of `user_columns()`."""
    return User(**{key: row[key] for key in USER_COLUMNS})


def user_columns() -> list[Any]:
    """The account's columns but the hash, each labelled with its attribute's name."""
    return [getattr(User, key).label(key) for key in USER_COLUMNS]


def mark_changed(db: AsyncSession, user_ids: Iterable[int]) -> None:
    """Record accounts changed by a statement the ORM cannot see (a Core UPDATE)."""
    db.info.setdefault(CHANGED_USERS, set()).update(user_ids)


@event.listens_for(Session, "after_flush")
def _collect_changed_users(session: Session, _flush: UOWTransaction) -> None:
    """Record the ids of the accounts each flush changes or deletes (in sessions that have a
    shared cache to tell)."""
    if session.info.get(SHARED_CACHE) is None:
        return
    changed = {
        instance.id
        for instance in chain(session.dirty, session.deleted)
        if isinstance(instance, User) and instance.id is not None
    }
    if changed:
        session.info.setdefault(CHANGED_USERS, set()).update(changed)


@event.listens_for(Session, "after_soft_rollback")
def _forget_changed_users(session: Session, _previous: object) -> None:
    session.info.pop(CHANGED_USERS, None)


class AccountSession(AsyncSession):
    """Before each commit, the shared cache gets a tombstone for every account the
    transaction changed: no worker can answer from an older record once it commits."""

    async def commit(self) -> None:
        cache: SharedCache | None = self.info.get(SHARED_CACHE)
        if cache is not None:
            await self.flush()
            changed = self.info.pop(CHANGED_USERS, set())
            if changed:
                await cache.revoke([user_key(user_id) for user_id in changed])
        await super().commit()


class DeadConnectionError(ConnectionError):
    """The database server closed a pooled connection (a restart, a failover)."""


class SignInReads:
    """The shared cache and the connection that safe requests check their sign-in with."""

    def __init__(self, cache: SharedCache | None, engine: AsyncEngine) -> None:
        self.cache = cache
        # Statements on this engine's connections run outside any transaction: one round
        # trip each, no BEGIN and no ROLLBACK around a read.
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        # On asyncpg, each statement is compiled once, then run by the driver itself as a
        # prepared statement (asyncpg caches it per connection): no SQLAlchemy result
        # machinery on the hottest read of the service.
        self.direct = engine.dialect.driver == "asyncpg"
        self.compiled: dict[int, tuple[str, tuple[str, ...]]] = {}

    async def get_many(self, keys: Sequence[str]) -> list[str | Literal["revoked"] | None]:
        if self.cache is None:
            return [None] * len(keys)
        return await self.cache.get_many(keys)

    async def read_row[*ColumnsT](
        self, statement: Select[*ColumnsT], parameters: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """One row (by column label) or none, on a connection of its own. `statement` is a
        constant with named `bindparam`s, given their values here. A connection found dead
        (the server restarted: no pre-ping checks them) drops the whole pool, as SQLAlchemy
        does, and the read is retried once on a fresh connection."""
        for attempt in (1, 2):
            try:
                return await self._read_row(statement, parameters)
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:  # noqa: PLR2004
                    raise
            except DeadConnectionError:
                if attempt == 2:  # noqa: PLR2004
                    raise
                await self.engine.dispose()
        return None  # not reached

    async def _read_row[*ColumnsT](
        self, statement: Select[*ColumnsT], parameters: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        async with self.engine.connect() as connection:
            if not self.direct:
                result = await connection.execute(statement, dict(parameters))
                row = result.mappings().one_or_none()
                return None if row is None else dict(row)
            sql, names = self._compiled(statement)
            driver = (await connection.get_raw_connection()).driver_connection
            if driver is None:
                raise RuntimeError("a checked-out connection without its driver's")
            try:
                record = await driver.fetchrow(sql, *(parameters[key] for key in names))
            except Exception as exc:
                if not driver.is_closed():
                    raise
                # Closed by the server, seen past SQLAlchemy's adapter: the pool must know.
                await connection.invalidate(exc)
                raise DeadConnectionError from exc
            return None if record is None else dict(record.items())

    def _compiled[*ColumnsT](self, statement: Select[*ColumnsT]) -> tuple[str, tuple[str, ...]]:
        compiled = self.compiled.get(id(statement))
        if compiled is None:
            done = statement.compile(dialect=self.engine.dialect)
            compiled = (str(done), tuple(done.positiontup or ()))
            self.compiled[id(statement)] = compiled
        return compiled

    async def add(self, entries: dict[str, str], read_at: float) -> None:
        """Cache what was read from the database at `read_at` (time.monotonic()), unless
        that is older than the cache's lifetime: such a read could postdate a tombstone."""
        if self.cache is None or time.monotonic() - read_at >= self.cache.ttl_seconds:
            return
        for key, value in entries.items():
            await self.cache.add(key, value)
