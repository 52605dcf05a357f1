"""Signing in with server-side sessions (see session_service for their life cycle)."""

import logging

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import request_session
from app.core.exceptions import AuthenticationError
from app.core.security import Credential, check_csrf
from app.models.user import User
from app.schemas.user import PasswordChangeRequest
from app.services.session_service import NewSession, SessionService
from app.services.sign_in_cache import SAFE_METHODS
from app.services.sign_in_service import SignInService
from app.services.user_service import AuthResources

logger = logging.getLogger(__name__)


async def authenticate(
    resources: AuthResources, credential: Credential | None, request: Request
) -> User:
    """The live session's active user: 401 without one, 403 for an unsafe request
    authenticated by cookie without the session's CSRF token."""
    if credential is None:
        raise AuthenticationError("Not authenticated")
    # Safe requests read outside their transaction (see sign_in_cache.py), with no session.
    outside = request.method in SAFE_METHODS
    db = None if outside else request_session(request)
    sessions = SessionService(db, resources.settings, resources.sign_in_reads)
    user = await sessions.user_for(credential.token, outside=outside)
    check_csrf(request, resources.settings, credential)
    return user


class AuthService(SignInService):
    def __init__(self, db: AsyncSession, resources: AuthResources) -> None:
        super().__init__(db, resources)
        self.sessions = SessionService(db, resources.settings, resources.sign_in_reads)

    async def login(self, email: str, password: str, ip: str) -> NewSession:
        """A new session for the user with this e-mail and password. Commits."""
        user = await self.check_password(email, password, ip)
        session = await self.sessions.create(user)
        logger.info("Login succeeded user_id=%s ip=%s", user.id, ip)
        return session

    async def logout(self, session_token: str) -> None:
        """End this session; unknown tokens are ignored. Commits."""
        await self.sessions.end(session_token)

    async def logout_everywhere(self, user: User) -> None:
        """End every session of the user, the caller's included. Commits."""
        await self.users.end_sign_ins(user)
        await self.sessions.end_all(user)
        logger.info("Logged out everywhere user_id=%s", user.id)

    async def change_password(
        self, user: User, data: PasswordChangeRequest, ip: str, session_token: str
    ) -> None:
        """Needs the current password; ends every session but the caller's. Commits."""
        await self.users.require_password(user, data.current_password)
        await self.users.set_password(user, data.new_password)
        await self.sessions.end_all(user, keep=session_token)
        logger.info("Password changed user_id=%s ip=%s", user.id, ip)
