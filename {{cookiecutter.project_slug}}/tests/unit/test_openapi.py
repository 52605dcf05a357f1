"""Every error a route can give is in the OpenAPI schema (what schemathesis relies on)."""

from typing import Any

import pytest

from app.main import create_app
from tests.conftest import make_settings

PUBLIC_AUTH = {"/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/token"}
{%- if cookiecutter.__email %}
PUBLIC_AUTH |= {
    "/api/v1/auth/verify-email/confirm",
    "/api/v1/auth/forgot-password",
    "/api/v1/auth/reset-password",
}
{%- endif %}
RATE_LIMITED = {
    *((path, "post") for path in PUBLIC_AUTH),
{%- if cookiecutter.auth_mode == "jwt" %}
    ("/api/v1/auth/refresh", "post"),
{%- endif %}
    ("/api/v1/auth/password", "post"),
    ("/api/v1/users/me", "patch"),
{%- if cookiecutter.__email %}
    ("/api/v1/auth/verify-email/request", "post"),
{%- endif %}
}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    app = create_app(make_settings())
    schema = app.openapi()
    return [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


OPERATIONS = operations()


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS)
def test_errors_are_documented(path: str, method: str, operation: dict[str, Any]) -> None:
    documented = set(operation["responses"])
    if operation.get("security"):
        assert "401" in documented
    if path.startswith("/api/v1/users") and not path.endswith("/me"):
        assert {"401", "403"} <= documented
    if operation.get("requestBody") or operation.get("parameters"):
        assert "422" in documented
    if operation.get("requestBody"):
        assert "400" in documented  # a body that is not even UTF-8
    if (path, method) in RATE_LIMITED:
        assert "429" in documented
        assert "Retry-After" in operation["responses"]["429"]["headers"]
    if path == "/api/v1/auth/register":
        assert "409" in documented


def test_protected_routes_use_the_bearer_scheme() -> None:
    protected = {(path, method) for path, method, op in OPERATIONS if op.get("security")}
    assert ("/api/v1/users/me", "get") in protected
    assert ("/api/v1/auth/logout-all", "post") in protected
    assert not any(path in PUBLIC_AUTH for path, _ in protected)
