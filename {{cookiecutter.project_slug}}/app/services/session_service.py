"""Server-side sessions: created at sign-in, checked on every request, deleted at logout.

The database decides whether a session lives. The shared cache (see cache_service.py), where
the project has one, may answer for a live session for a short while, so that most requests
skip the sessions query; it can never make an ended session usable again:
- ending a session writes a tombstone over its cache entry *before* the row's deletion is
  committed, so every worker refuses it from that instant on;
- entries are only added when the key is free (SET NX), so a worker that read the row just
  before its deletion cannot put it back over the tombstone, and tombstones outlive any entry;
- the account is loaded from the database on every request, and an entry carries the
  session's auth epoch, so deactivation, deletion and "every sign-in ends" need no cache
  invalidation at all.
"""

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Delete, Update, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.exceptions import AuthenticationError
from app.core.tokens import hash_opaque_token, new_opaque_token
from app.models.session import UserSession
from app.models.user import User
from app.services.cache_service import REVOKED
from app.services.sign_in_cache import (
    SignInReads,
    user_columns,
    user_from_record,
    user_from_row,
    user_key,
    user_record,
)

# `last_seen_at` is written at most this often per session (or half the idle timeout, if
# shorter), not on every request.
TOUCH_INTERVAL = timedelta(minutes=1)
SESSION_ENDED = "No such session, or it has ended: sign in again"
# The reads of a sign-in check, built once (see SignInReads.read_row).
SESSION_READ = select(
    UserSession.id.label("id"),
    UserSession.user_id.label("user_id"),
    UserSession.auth_epoch.label("auth_epoch"),
    UserSession.last_seen_at.label("last_seen_at"),
    UserSession.expires_at.label("expires_at"),
).where(UserSession.token_hash == bindparam("token_hash"))
ACCOUNT_READ = select(*user_columns()).where(User.id == bindparam("user_id"))


@dataclass(frozen=True)
class CachedSession:
    """What the cache holds about a live session: never the token, never the account."""

    user_id: int
    auth_epoch: int
    last_seen_at: datetime
    expires_at: datetime

    def dump(self) -> str:
        return json.dumps(
            {
                "user_id": self.user_id,
                "auth_epoch": self.auth_epoch,
                "last_seen_at": self.last_seen_at.isoformat(),
                "expires_at": self.expires_at.isoformat(),
            }
        )

    @classmethod
    def load(cls, value: str) -> "CachedSession":
        fields = json.loads(value)
        return cls(
            user_id=fields["user_id"],
            auth_epoch=fields["auth_epoch"],
            last_seen_at=datetime.fromisoformat(fields["last_seen_at"]),
            expires_at=datetime.fromisoformat(fields["expires_at"]),
        )


@dataclass(frozen=True)
class NewSession:
    token: str
    expires_at: datetime


class SessionService:
    def __init__(self, db: AsyncSession | None, settings: Settings, reads: SignInReads) -> None:
        """`db`: the request's session; None where only reads outside it are made
        (`user_for(..., outside=True)`)."""
        self._db = db
        self.reads = reads
        self.cache = reads.cache
        self.idle_timeout = timedelta(minutes=settings.SESSION_IDLE_MINUTES)
        self.lifetime = timedelta(hours=settings.SESSION_LIFETIME_HOURS)
        self.touch_interval = min(TOUCH_INTERVAL, self.idle_timeout / 2)

    @property
    def db(self) -> AsyncSession:
        if self._db is None:
            raise RuntimeError("this SessionService reads outside any database session")
        return self._db

    async def create(self, user: User) -> NewSession:
        """A new session for the user, in the user's current auth epoch. Commits."""
        token, now = new_opaque_token(), datetime.now(UTC)
        expires_at = now + self.lifetime
        self.db.add(
            UserSession(
                token_hash=hash_opaque_token(token),
                user_id=user.id,
                auth_epoch=user.auth_epoch,
                last_seen_at=now,
                expires_at=expires_at,
            )
        )
        await self.db.commit()
        return NewSession(token, expires_at)

    async def user_for(self, token: str, *, outside: bool = False) -> User:
        """The active user of a live session; 401 for anything else. `outside`: read outside
        the request's transaction, the account from the shared cache where it is there (the
        user then belongs to no database session: for safe requests only)."""
        token_hash, now = hash_opaque_token(token), datetime.now(UTC)
        cached = await self._from_cache(token_hash, now)
        session = cached or await self._from_database(token_hash, now, outside=outside)
        user = await (self._read_user(session.user_id) if outside else self._load_user(session))
        if user is not None and cached is not None and user.auth_epoch != cached.auth_epoch:
            # The entry may predate a change of this session's epoch (a password change
            # keeps the caller's session): the database decides.
            session = await self._from_database(token_hash, now, outside=outside)
        if user is None or not user.is_active or user.auth_epoch != session.auth_epoch:
            raise AuthenticationError(SESSION_ENDED, invalid_token=True)
        return user

    async def _load_user(self, session: CachedSession) -> User | None:
        return await self.db.get(User, session.user_id)

    async def _read_user(self, user_id: int) -> User | None:
        """The account from the shared cache, else from one query (then cached)."""
        (value,) = await self.reads.get_many([user_key(user_id)])
        if value is not None and value != REVOKED:
            return user_from_record(value)
        read_at = time.monotonic()
        row = await self.reads.read_row(ACCOUNT_READ, {"user_id": user_id})
        if row is None:
            return None
        user = user_from_row(row)
        await self.reads.add({user_key(user_id): user_record(user)}, read_at)
        return user

    async def end(self, token: str) -> None:
        """End this session, if it exists. Commits."""
        token_hash = hash_opaque_token(token)
        if self.cache is not None:
            await self.cache.revoke([token_hash])
        await self.db.execute(delete(UserSession).where(UserSession.token_hash == token_hash))
        await self.db.commit()

    async def end_all(self, user: User, *, keep: str | None = None) -> None:
        """End every session of the user, except the one of token `keep`, which moves to the
        user's current auth epoch. Commits."""
        statement = delete(UserSession).where(UserSession.user_id == user.id)
        if keep is not None:
            statement = statement.where(UserSession.token_hash != hash_opaque_token(keep))
            await self.db.execute(
                update(UserSession)
                .where(UserSession.token_hash == hash_opaque_token(keep))
                .values(auth_epoch=user.auth_epoch)
            )
        ended = (await self.db.scalars(statement.returning(UserSession.token_hash))).all()
        if self.cache is not None and ended:
            await self.cache.revoke(ended)
        await self.db.commit()

    async def _from_cache(self, token_hash: str, now: datetime) -> CachedSession | None:
        """The cached answer when it is fresh enough; `None` sends the caller to the database."""
        if self.cache is None:
            return None
        value = await self.cache.get(token_hash)
        if value == REVOKED:
            raise AuthenticationError(SESSION_ENDED, invalid_token=True)
        if value is None:
            return None
        entry = CachedSession.load(value)
        if entry.expires_at <= now or now - entry.last_seen_at >= self.touch_interval:
            return None
        return entry

    async def _from_database(
        self, token_hash: str, now: datetime, *, outside: bool
    ) -> CachedSession:
        read_at = time.monotonic()
        parameters = {"token_hash": token_hash}
        if outside:
            row = await self.reads.read_row(SESSION_READ, parameters)
        else:
            found = (await self.db.execute(SESSION_READ, parameters)).mappings().one_or_none()
            row = None if found is None else dict(found)
        if row is None:
            raise AuthenticationError(SESSION_ENDED, invalid_token=True)
        session_id, user_id, auth_epoch = row["id"], row["user_id"], row["auth_epoch"]
        last_seen_at, expires_at = row["last_seen_at"], row["expires_at"]
        if expires_at <= now or last_seen_at + self.idle_timeout <= now:
            await self._write(delete(UserSession).where(UserSession.id == session_id), outside)
            raise AuthenticationError(SESSION_ENDED, invalid_token=True)
        if now - last_seen_at >= self.touch_interval:
            last_seen_at = now
            await self._write(
                update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now),
                outside,
            )
        session = CachedSession(user_id, auth_epoch, last_seen_at, expires_at)
        await self.reads.add({token_hash: session.dump()}, read_at)
        return session

    async def _write(self, statement: Delete | Update, outside: bool) -> None:
        """Run and commit one statement: in the request's transaction, or on its own."""
        if outside:
            async with self.reads.engine.connect() as connection:
                await connection.execute(statement)
        else:
            await self.db.execute(statement)
            await self.db.commit()
