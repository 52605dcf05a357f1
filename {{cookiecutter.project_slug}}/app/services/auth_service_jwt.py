"""Signing in with JWT access tokens and rotating refresh tokens.

A login creates a refresh-token family. Access tokens name their family in `sid`, and every
request loads the user together with that family from the database: logging out revokes the
family, which every worker sees at once, with or without a shared cache. A family also ends
when the user's auth epoch moves past the one it was created in (see models/user.py).
"""

import json
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
from fastapi import Request
from pydantic import ValidationError
from sqlalchemy import bindparam, select, update

from app.core.database import request_session
from app.core.exceptions import AuthenticationError
from app.core.security import Credential, TokenKind, create_access_token, decode_token
from app.core.tokens import hash_opaque_token, new_opaque_token
from app.models.refresh_token import RefreshToken, RefreshTokenFamily
from app.models.user import User
from app.schemas.auth import Token, TokenPayload
from app.schemas.user import PasswordChangeRequest
from app.services.cache_service import REVOKED
from app.services.sign_in_cache import (
    SAFE_METHODS,
    SignInReads,
    user_columns,
    user_from_record,
    user_from_row,
    user_key,
    user_record,
)
from app.services.sign_in_service import SignInService
from app.services.user_service import AuthResources

logger = logging.getLogger(__name__)

INVALID_REFRESH = "Invalid or expired refresh token"
EXPIRED_ACCESS = "The access token has expired: refresh it"
INVALID_ACCESS = "The access token is invalid"
SIGN_IN_ENDED = "This sign-in has ended: sign in again"


# The sign-in check of safe requests when the cache cannot answer: built once, run as a
# prepared statement (see SignInReads.read_row).
SIGN_IN_READ = (
    select(
        *user_columns(),
        RefreshTokenFamily.auth_epoch.label("family_epoch"),
        RefreshTokenFamily.expires_at.label("family_expires_at"),
    )
    .join(RefreshTokenFamily, RefreshTokenFamily.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        RefreshTokenFamily.id == bindparam("family_id"),
        RefreshTokenFamily.revoked_at.is_(None),
    )
)


def family_key(family_id: uuid.UUID) -> str:
    return f"family:{family_id}"


async def authenticate(
    resources: AuthResources, credential: Credential | None, request: Request
) -> User:
    """The active user an access token belongs to, if its family is still open. Safe requests
    read it outside their transaction (see sign_in_cache.py); others load it in theirs."""
    claims = access_claims(resources, credential)
    if request.method in SAFE_METHODS:
        return await read_user(resources.sign_in_reads, claims)
    user: User | None = await request_session(request).scalar(
        select(User)
        .join(RefreshTokenFamily, RefreshTokenFamily.user_id == User.id)
        .where(
            User.id == claims.user_id,
            User.is_active,
            RefreshTokenFamily.id == claims.sid,
            RefreshTokenFamily.revoked_at.is_(None),
            RefreshTokenFamily.expires_at > datetime.now(UTC),
            RefreshTokenFamily.auth_epoch == User.auth_epoch,
        )
    )
    if user is None:
        raise AuthenticationError(SIGN_IN_ENDED, invalid_token=True)
    return user


def access_claims(resources: AuthResources, credential: Credential | None) -> TokenPayload:
    if credential is None:
        raise AuthenticationError("Not authenticated")
    try:
        return TokenPayload.model_validate(
            decode_token(resources.settings, credential.token, TokenKind.ACCESS)
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthenticationError(EXPIRED_ACCESS, invalid_token=True) from exc
    except (jwt.InvalidTokenError, ValidationError) as exc:
        raise AuthenticationError(INVALID_ACCESS, invalid_token=True) from exc


def family_open(user: User, family_epoch: int, family_expires_at: datetime) -> bool:
    return (
        user.is_active and family_epoch == user.auth_epoch and family_expires_at > datetime.now(UTC)
    )


async def read_user(reads: SignInReads, claims: TokenPayload) -> User:
    """The user from the shared cache when both records are there and agree, else from one
    query; a family's tombstone is refused at once."""
    keys = [family_key(claims.sid), user_key(claims.user_id)]
    family_value, user_value = await reads.get_many(keys)
    if family_value == REVOKED:
        raise AuthenticationError(SIGN_IN_ENDED, invalid_token=True)
    if family_value is not None and user_value not in (None, REVOKED):
        family = json.loads(family_value)
        user = user_from_record(user_value)
        if family_open(user, family["auth_epoch"], datetime.fromisoformat(family["expires_at"])):
            return user
    read_at = time.monotonic()
    row = await reads.read_row(SIGN_IN_READ, {"user_id": claims.user_id, "family_id": claims.sid})
    if row is None:
        raise AuthenticationError(SIGN_IN_ENDED, invalid_token=True)
    user = user_from_row(row)
    if not family_open(user, row["family_epoch"], row["family_expires_at"]):
        raise AuthenticationError(SIGN_IN_ENDED, invalid_token=True)
    family = {"auth_epoch": row["family_epoch"], "expires_at": row["family_expires_at"].isoformat()}
    await reads.add({keys[0]: json.dumps(family), keys[1]: user_record(user)}, read_at)
    return user


class AuthService(SignInService):
    async def login(self, email: str, password: str, ip: str) -> Token:
        """A new family for the user with this e-mail and password. Commits."""
        user = await self.check_password(email, password, ip)
        token = await self.start_family(user)
        logger.info("Login succeeded user_id=%s ip=%s", user.id, ip)
        return token

    async def start_family(self, user: User) -> Token:
        """A new refresh-token family, in the user's current auth epoch, with its first
        tokens. Commits."""
        now = datetime.now(UTC)
        family = RefreshTokenFamily(
            id=uuid.uuid4(),
            user_id=user.id,
            auth_epoch=user.auth_epoch,
            expires_at=now + timedelta(days=self.settings.REFRESH_FAMILY_MAX_DAYS),
        )
        self.db.add(family)
        await self.db.flush()
        return await self._issue(user, family, now)

    async def refresh(self, refresh_token: str, ip: str) -> Token:
        """Exchange a refresh token for new tokens; a token used twice ends its family."""
        await self.limiter.hit("refresh", ip=ip)
        now = datetime.now(UTC)
        row = (
            await self.db.execute(
                select(RefreshToken, RefreshTokenFamily)
                .join(RefreshTokenFamily, RefreshToken.family_id == RefreshTokenFamily.id)
                .where(RefreshToken.token_hash == hash_opaque_token(refresh_token))
                .with_for_update()
            )
        ).one_or_none()
        if row is None:
            raise AuthenticationError(INVALID_REFRESH)
        token, family = row
        await self.limiter.hit("refresh", account=str(family.user_id))
        if family.revoked_at is not None:
            raise AuthenticationError(INVALID_REFRESH)
        if token.replaced_at is not None:
            family.revoked_at = now
            await self._tombstone(family.id)
            await self.db.commit()
            logger.warning(
                "Refresh token re-used: family revoked user_id=%s ip=%s", family.user_id, ip
            )
            raise AuthenticationError(INVALID_REFRESH)
        user = await self.db.get(User, family.user_id)
        if (
            user is None
            or not user.is_active
            or user.auth_epoch != family.auth_epoch
            or min(token.expires_at, family.expires_at) <= now
        ):
            raise AuthenticationError(INVALID_REFRESH)
        token.replaced_at = now
        return await self._issue(user, family, now)

    async def logout(self, refresh_token: str) -> None:
        """Revoke the family of this refresh token; unknown tokens are ignored. Commits."""
        family_id = await self.db.scalar(
            select(RefreshToken.family_id).where(
                RefreshToken.token_hash == hash_opaque_token(refresh_token)
            )
        )
        if family_id is not None:
            await self._tombstone(family_id)
            await self.db.execute(
                update(RefreshTokenFamily)
                .where(RefreshTokenFamily.id == family_id, RefreshTokenFamily.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
            await self.db.commit()

    async def logout_everywhere(self, user: User) -> None:
        """End every family of the user, the caller's included. Commits."""
        await self.users.end_sign_ins(user)
        await self._revoke_families(user)
        await self.db.commit()
        logger.info("Logged out everywhere user_id=%s", user.id)

    async def change_password(self, user: User, data: PasswordChangeRequest, ip: str) -> Token:
        """Needs the current password; ends every family and starts a new one for the caller.
        Commits."""
        await self.users.require_password(user, data.current_password)
        await self.users.set_password(user, data.new_password)
        await self._revoke_families(user)
        token = await self.start_family(user)
        logger.info("Password changed user_id=%s ip=%s", user.id, ip)
        return token

    async def _tombstone(self, family_id: uuid.UUID) -> None:
        """Every worker refuses the family from now on (before its revocation commits)."""
        if self.shared_cache is not None:
            await self.shared_cache.revoke([family_key(family_id)])

    async def _revoke_families(self, user: User) -> None:
        """Mark the user's open families revoked (the epoch already ended them)."""
        await self.db.execute(
            update(RefreshTokenFamily)
            .where(RefreshTokenFamily.user_id == user.id, RefreshTokenFamily.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )

    async def _issue(self, user: User, family: RefreshTokenFamily, now: datetime) -> Token:
        refresh_token = new_opaque_token()
        self.db.add(
            RefreshToken(
                family_id=family.id,
                token_hash=hash_opaque_token(refresh_token),
                expires_at=min(
                    now + timedelta(days=self.settings.REFRESH_TOKEN_EXPIRE_DAYS),
                    family.expires_at,
                ),
            )
        )
        await self.db.commit()
        return Token(
            access_token=create_access_token(
                self.settings, user_id=user.id, sid=family.id, now=now
            ),
            refresh_token=refresh_token,
            expires_in=self.settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60,
        )
