{%- if cookiecutter.auth_mode == "jwt" -%}
"""Signing in with JWT access tokens and rotating refresh tokens.

A login creates a refresh-token family (the session). Access tokens name their family in
`sid`, and every request loads the user together with that family from the database: logging
out revokes the family, which every worker sees at once, with or without a shared cache.
"""

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import jwt
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.exceptions import AuthenticationError
from app.core.security import (
    hash_opaque_token,
    hash_password,
    needs_rehash,
    new_opaque_token,
    spend_password_check,
    verify_password,
)
from app.core.tokens import TokenKind, create_access_token, decode_token
from app.models.refresh_token import RefreshToken, RefreshTokenFamily
from app.models.user import User
from app.schemas.auth import PasswordChangeRequest, Token, TokenPayload
from app.schemas.user import UserCreate
from app.services.rate_limit_service import RateLimiter, account_key
from app.services.user_service import UserService, whole_seconds_now
{%- elif cookiecutter.auth_mode == "session" -%}
"""Signing in with server-side sessions (see session_service for their life cycle)."""

import logging
from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.exceptions import AuthenticationError
from app.core.security import hash_password, needs_rehash, spend_password_check, verify_password
from app.models.user import User
from app.schemas.auth import PasswordChangeRequest
from app.schemas.user import UserCreate
from app.services.rate_limit_service import RateLimiter, account_key
from app.services.session_service import NewSession, SessionCache, SessionService
from app.services.user_service import UserService
{%- endif %}

logger = logging.getLogger(__name__)

# One answer for an unknown e-mail, a wrong password and a deactivated account.
LOGIN_FAILED = "Incorrect e-mail or password"
{%- if cookiecutter.auth_mode == "jwt" %}
INVALID_REFRESH = "Invalid or expired refresh token"
{%- endif %}

{%- if cookiecutter.auth_mode == "jwt" %}


async def user_from_access_token(db: AsyncSession, settings: Settings, token: str | None) -> User:
    """The active user an access token belongs to, if its session is still open."""
    if not token:
        raise AuthenticationError("Not authenticated")
    try:
        claims = TokenPayload.model_validate(decode_token(settings, token, TokenKind.ACCESS))
    except (jwt.InvalidTokenError, ValidationError) as exc:
        raise AuthenticationError from exc
    user: User | None = await db.scalar(
        select(User)
        .join(RefreshTokenFamily, RefreshTokenFamily.user_id == User.id)
        .where(
            User.id == claims.user_id,
            User.is_active,
            RefreshTokenFamily.id == claims.sid,
            RefreshTokenFamily.revoked_at.is_(None),
            RefreshTokenFamily.expires_at > datetime.now(UTC),
        )
    )
    if user is None or claims.iat < user.tokens_valid_after.timestamp():
        raise AuthenticationError
    return user
{%- endif %}


class AuthService:
{%- if cookiecutter.auth_mode == "jwt" %}
    def __init__(self, db: AsyncSession, settings: Settings, limiter: RateLimiter) -> None:
        self.db = db
        self.settings = settings
        self.limiter = limiter
        self.limits = limiter.limits
        self.users = UserService(db, settings, limiter)
{%- elif cookiecutter.auth_mode == "session" %}
    def __init__(
        self,
        db: AsyncSession,
        settings: Settings,
        limiter: RateLimiter,
        session_cache: SessionCache | None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.limiter = limiter
        self.limits = limiter.limits
        self.users = UserService(db, settings, limiter)
        self.sessions = SessionService(db, settings, session_cache)
{%- endif %}

    async def register(self, data: UserCreate, ip: str) -> User:
        await self.limiter.hit(self.limits.register_ip, ip)
        await self.limiter.hit(self.limits.register_account, account_key(data.email))
        user = await self.users.create(data)
        logger.info("Registered user_id=%s ip=%s", user.id, ip)
        return user

    async def login(self, email: str, password: str, ip: str) -> {% if cookiecutter.auth_mode == "jwt" %}Token{% else %}NewSession{% endif %}:
        account = account_key(email)
        await self.limiter.check(self.limits.login_ip, ip)
        await self.limiter.check(self.limits.login_account, account)
        user = await self.users.get_by_email(email)
        if user is None:
            await spend_password_check(password, self.settings.BCRYPT_ROUNDS)
            await self._login_failed("unknown e-mail", None, account, ip)
        elif not await verify_password(password, user.hashed_password):
            await self._login_failed("wrong password", user.id, account, ip)
        elif not user.is_active:
            await self._login_failed("inactive account", user.id, account, ip)
        await self.limiter.reset(self.limits.login_account, account)
        if needs_rehash(user.hashed_password, self.settings.BCRYPT_ROUNDS):
            user.hashed_password = await hash_password(password, self.settings.BCRYPT_ROUNDS)
{%- if cookiecutter.auth_mode == "jwt" %}
        token = await self.start_session(user)
        logger.info("Login succeeded user_id=%s ip=%s", user.id, ip)
        return token
{%- elif cookiecutter.auth_mode == "session" %}
        session = await self.sessions.create(user)
        logger.info("Login succeeded user_id=%s ip=%s", user.id, ip)
        return session

    async def logout(self, session_token: str) -> None:
        """End this session; unknown tokens are ignored."""
        await self.sessions.end(session_token)

    async def logout_everywhere(self, user: User) -> None:
        """End every session of the user, the caller's included. Commits."""
        await self.sessions.end_all(user)
        logger.info("Logged out everywhere user_id=%s", user.id)

    async def change_password(
        self, user: User, data: PasswordChangeRequest, ip: str, session_token: str
    ) -> None:
        """Needs the current password; ends every session but the caller's."""
        await self.users.require_password(user, data.current_password)
        await self.users.set_password(user, data.new_password)
        await self.sessions.end_all(user, keep=session_token)
        logger.info("Password changed user_id=%s ip=%s", user.id, ip)
{%- endif %}
{%- if cookiecutter.auth_mode == "jwt" %}

    async def start_session(self, user: User) -> Token:
        """A new refresh-token family with its first tokens. Commits."""
        now = datetime.now(UTC)
        family = RefreshTokenFamily(
            id=uuid.uuid4(),
            user_id=user.id,
            expires_at=now + timedelta(days=self.settings.REFRESH_FAMILY_MAX_DAYS),
        )
        self.db.add(family)
        await self.db.flush()
        return await self._issue(user, family, now)

    async def refresh(self, refresh_token: str, ip: str) -> Token:
        """Exchange a refresh token for new tokens; a token used twice ends its family."""
        await self.limiter.hit(self.limits.refresh_ip, ip)
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
        await self.limiter.hit(self.limits.refresh_account, str(family.user_id))
        if family.revoked_at is not None:
            raise AuthenticationError(INVALID_REFRESH)
        if token.replaced_at is not None:
            family.revoked_at = now
            await self.db.commit()
            logger.warning(
                "Refresh token re-used: session revoked user_id=%s ip=%s", family.user_id, ip
            )
            raise AuthenticationError(INVALID_REFRESH)
        user = await self.db.get(User, family.user_id)
        if user is None or not user.is_active or min(token.expires_at, family.expires_at) <= now:
            raise AuthenticationError(INVALID_REFRESH)
        token.replaced_at = now
        return await self._issue(user, family, now)

    async def logout(self, refresh_token: str) -> None:
        """Revoke the session of this refresh token; unknown tokens are ignored."""
        family_id = await self.db.scalar(
            select(RefreshToken.family_id).where(
                RefreshToken.token_hash == hash_opaque_token(refresh_token)
            )
        )
        if family_id is not None:
            await self.db.execute(
                update(RefreshTokenFamily)
                .where(RefreshTokenFamily.id == family_id, RefreshTokenFamily.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
            await self.db.commit()

    async def logout_everywhere(self, user: User) -> None:
        user.tokens_valid_after = whole_seconds_now()
        await self._revoke_all_sessions(user)
        await self.db.commit()
        logger.info("Logged out everywhere user_id=%s", user.id)

    async def change_password(self, user: User, data: PasswordChangeRequest, ip: str) -> Token:
        """Needs the current password; ends every session and starts a new one for the caller."""
        await self.users.require_password(user, data.current_password)
        await self.users.set_password(user, data.new_password)
        await self._revoke_all_sessions(user)
        token = await self.start_session(user)
        logger.info("Password changed user_id=%s ip=%s", user.id, ip)
        return token

    async def _revoke_all_sessions(self, user: User) -> None:
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
{%- endif %}

    async def _login_failed(
        self, reason: str, user_id: int | None, account: str, ip: str
    ) -> NoReturn:
        await self.limiter.record(self.limits.login_ip, ip)
        await self.limiter.record(self.limits.login_account, account)
        logger.warning("Login failed (%s) user_id=%s ip=%s", reason, user_id, ip)
        raise AuthenticationError(LOGIN_FAILED)
