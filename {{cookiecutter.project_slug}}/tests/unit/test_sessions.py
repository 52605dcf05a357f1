"""Session cookies, CSRF tokens and the documented answers of the session routes."""

from typing import Any

import pytest
from fastapi import Response
from fastapi.security import HTTPAuthorizationCredentials
from starlette.requests import Request

from app.core.config import Settings
from app.core.security import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    Credential,
    CsrfError,
    check_csrf,
    clear_session_cookies,
    csrf_token_for,
    presented_credential,
    set_session_cookies,
)
from tests.conftest import make_settings
from tests.unit.test_openapi import operations

TOKEN = "kq1V3G7ztA7d0aD6b9Jx0a5b6Xx2cT1hYv4W8nR3sQe"


@pytest.fixture
def settings() -> Settings:
    return make_settings(SECRET_KEY="s" * 48)


def request(method: str, headers: dict[str, str] | None = None) -> Request:
    raw = [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    return Request({"type": "http", "method": method, "path": "/", "headers": raw})


def test_csrf_tokens_are_bound_to_the_session_and_the_key(settings: Settings) -> None:
    token = csrf_token_for(settings, TOKEN)
    assert token == csrf_token_for(settings, TOKEN)
    assert len(token) >= 43  # a whole SHA-256 HMAC
    assert token != csrf_token_for(settings, TOKEN + "x")
    other_key = make_settings(SECRET_KEY="o" * 48)
    assert token != csrf_token_for(other_key, TOKEN)
    assert TOKEN not in token


def test_the_csrf_token_is_the_known_hmac_of_the_session_token(settings: Settings) -> None:
    """A known answer: base64url (unpadded) of HMAC-SHA256(SECRET_KEY, "csrf:" + token). The
    "csrf:" prefix keeps it apart from anything else the key signs."""
    assert csrf_token_for(settings, TOKEN) == "hhwcMXjAZHETEun9c8CvWDC243KcrBKK7OmF276gc0U"


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_safe_requests_need_no_csrf_token(settings: Settings, method: str) -> None:
    check_csrf(request(method), settings, Credential(TOKEN, from_cookie=True))


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_unsafe_cookie_requests_need_the_sessions_csrf_token(
    settings: Settings, method: str
) -> None:
    cookie = Credential(TOKEN, from_cookie=True)
    with pytest.raises(CsrfError):
        check_csrf(request(method), settings, cookie)
    with pytest.raises(CsrfError):
        check_csrf(request(method, {CSRF_HEADER: "forged"}), settings, cookie)
    other_session = csrf_token_for(settings, TOKEN + "x")
    with pytest.raises(CsrfError):
        check_csrf(request(method, {CSRF_HEADER: other_session}), settings, cookie)
    check_csrf(request(method, {CSRF_HEADER: csrf_token_for(settings, TOKEN)}), settings, cookie)


def test_unsafe_bearer_requests_need_no_csrf_token(settings: Settings) -> None:
    check_csrf(request("POST"), settings, Credential(TOKEN, from_cookie=False))


async def test_a_bearer_token_wins_over_the_cookie() -> None:
    bearer = HTTPAuthorizationCredentials(scheme="Bearer", credentials="from-header")
    assert await presented_credential("from-cookie", bearer) == Credential("from-header", False)
    assert await presented_credential("from-cookie", None) == Credential("from-cookie", True)
    assert await presented_credential("", None) is None
    assert await presented_credential(None, None) is None


def test_session_cookies_follow_the_host_prefix_rules() -> None:
    response = Response()
    set_session_cookies(response, TOKEN, "csrf-value")
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("set-cookie")}
    session, csrf = cookies[SESSION_COOKIE], cookies[CSRF_COOKIE]
    assert session.startswith(f"{SESSION_COOKIE}={TOKEN};")
    for attribute in ("HttpOnly", "Path=/", "SameSite=lax", "Secure"):
        assert attribute in session
    assert "Domain" not in session
    assert "Max-Age" not in session
    assert "HttpOnly" not in csrf
    assert "Secure" in csrf
    # Whole, as browsers receive them: nothing more, nothing less.
    assert session == f"{SESSION_COOKIE}={TOKEN}; HttpOnly; Path=/; SameSite=lax; Secure"
    assert csrf == f"{CSRF_COOKIE}=csrf-value; Path=/; SameSite=lax; Secure"


def test_clearing_the_cookies_keeps_the_attributes_browsers_match_on() -> None:
    response = Response()
    clear_session_cookies(response)
    cookies = response.headers.getlist("set-cookie")
    assert len(cookies) == 2
    for cookie in cookies:
        assert "Max-Age=0" in cookie
        assert "Secure" in cookie
        assert "Path=/" in cookie
    # Whole (but the date): the same attributes as when they were set, and Max-Age=0.
    attributes = [
        [part for part in cookie.split("; ") if not part.startswith("expires=")]
        for cookie in cookies
    ]
    assert attributes == [
        [f'{SESSION_COOKIE}=""', "HttpOnly", "Max-Age=0", "Path=/", "SameSite=lax", "Secure"],
        [f'{CSRF_COOKIE}=""', "Max-Age=0", "Path=/", "SameSite=lax", "Secure"],
    ]


def session_operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [operation for operation in operations() if operation[2].get("security")]


@pytest.mark.parametrize(("path", "method", "operation"), session_operations())
def test_session_routes_accept_cookie_or_bearer_and_document_the_csrf_403(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    schemes = {name for requirement in operation["security"] for name in requirement}
    assert schemes == {"APIKeyCookie", "HTTPBearer"}
    if method not in {"get", "head", "options"}:
        assert "403" in operation["responses"], f"{method.upper()} {path}"
